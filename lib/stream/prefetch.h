/*
 * prefetch: read and parse JSON lines in a second thread, so that parsing the
 * next lines overlaps the work done on this one (a two-stage pipeline on two
 * cores).  Values cross threads whole: the reader thread never touches a
 * value after handing it over, so libjq's unlocked reference counts are safe.
 * Memory is bounded: two batches of at most PREFETCH_BATCH items or
 * PREFETCH_BYTES of input each (plus one line).
 *
 * Optional hooks run in the reader thread, on nothing but the line at hand:
 * `scan` may read a line itself, without libjq (the item then has no value,
 * only what scan made); `known` may recognise a line by the digest of its
 * bytes (it is then not parsed at all); and `prepare` may do per-value work
 * that needs no shared state (checking, serialising, copying fields out), so
 * that the consumer's share is smaller; a value prepare has no more use for
 * it frees there, which is cheaper than a free in the other thread.
 */
#ifndef AFMTS_PREFETCH_H
#define AFMTS_PREFETCH_H

#include <stdint.h>

#include <jv.h>

#include "jsonl.h"

#define PREFETCH_BATCH 256
#define PREFETCH_BYTES ((size_t)1 << 20)

/* An item's rc: those of jsonl_next(), and this one. */
#define PREFETCH_KNOWN 2	/* a line `known` recognised: no value, see token */

struct prefetch_hooks {
	void	*(*scan)(void *arg, const char *line, size_t len);	/* NULL: parse it */
	int	(*known)(void *arg, uint64_t digest, long *token);
	void	*(*prepare)(void *arg, jv *v);	/* may take *v: frees it, leaves jv_invalid() */
	void	(*discard)(void *prepared);	/* for items never handed out */
	void	*arg;
};

struct prefetch_item {
	int		 rc;		/* 1 value, PREFETCH_KNOWN, 0 end, -1 bad line, -2 read error */
	jv		 v;		/* rc 1: the caller owns it (invalid when scan took the line) */
	void		*prepared;	/* rc 1: what scan or prepare made (the caller owns it), or NULL */
	uint64_t	 digest;	/* with a known hook, rc 1 or KNOWN: jsonl_digest() of the line */
	long		 token;		/* rc KNOWN: what known said */
	unsigned long	 line;		/* the line number */
};

/* Start reading r (which the caller keeps and must not use meanwhile); hooks may be NULL. */
struct prefetch *prefetch_start(struct jsonl_reader *r, const struct prefetch_hooks *hooks);

/* The next item, in input order.  Returns it->rc; at the end, asking again gives the end again. */
int prefetch_next(struct prefetch *pf, struct prefetch_item *it);

/*
 * 1 if prefetch_next would have to wait for the reader: the moment to flush
 * output, so that nothing is held back while input is awaited.
 */
int prefetch_would_wait(struct prefetch *pf);

/* Stop the reader thread (waiting for it) and free what is left. */
void prefetch_stop(struct prefetch *pf);

#endif
