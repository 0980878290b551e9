/*
 * fallback: one chat request tried on the models decide() ranks, best first,
 * falling back to the next on 429, 5xx, timeouts and dead connections, every
 * attempt recorded (decide_record) so that the next decision sees it.
 */
#ifndef AFMTS_FALLBACK_H
#define AFMTS_FALLBACK_H

#include <stddef.h>
#include <stdio.h>

#include "cache.h"
#include "chatreq.h"
#include "decide.h"
#include "gwalert.h"

#define FALLBACK_MAX_ATTEMPTS 8

struct fallback_model {
	char		*provider, *model, *base_url, *key_env;
	struct pool_server_ref local;	/* a local server's (strings owned), NULLs: not local */
};

struct fallback {
	struct fallback_model m[FALLBACK_MAX_ATTEMPTS];
	int		 n, max;
	struct gwalert	*alert;		/* notes a breaker an attempt opened, or NULL */
	/* NULL, or whether a usable candidate may be kept (afmts-batch: its
	   requests in flight count against the budgets) */
	int		(*admit)(const struct candidate *c, void *arg);
	void		*admit_arg;
};

/*
 * The models to try for r, at most fb->max of them: the policy's ranking, or
 * the request's explicit fallback order (its pinned model first).  0, or -1
 * when the catalog cannot be read; when none can take it, why (of size n)
 * says which constraint emptied the list.
 */
int fallback_choose(struct fallback *fb, struct decider *d, struct chatreq *r, char *why,
    size_t n);

/* Why no model could be chosen for r (fallback_choose found none). */
enum fallback_empty {
	FALLBACK_UNKNOWN = 1,	/* the model asked for is in no provider's list: 404 */
	FALLBACK_NO_FIT,	/* no catalog model meets what the request needs: 400 */
	FALLBACK_BUSY,		/* some do, all cooling down or out of budget: 429 */
	FALLBACK_DOWN		/* some do, none usable, not all for their limits (a
				   refused key, a breaker open after failures): 503 */
};

/*
 * Which of those it is, asking the catalog again with every model that fits
 * (usable now or not); for FALLBACK_BUSY and FALLBACK_DOWN, *retry_after is
 * the seconds until the first of them is usable again.  A fallback_empty, or -1 when the
 * catalog cannot be read.  A local server with no idle slot is busy, usable
 * again in a second or so.
 */
int fallback_empty(struct decider *d, struct chatreq *r, long *retry_after);

/*
 * Try r on fb's models within timeout_ms and write the answer to out: the
 * first that answers (streamed as it comes, or whole), a refusal the request
 * itself caused, or 502/504 naming what each attempt met.  client (NULL: the
 * gateway) is recorded as who asked.  A local server's model is tried only
 * with one of its slots taken (pool.h), given back after.  Returns 0 once it
 * answered, or FALLBACK_NO_SLOT, having written nothing, when every model
 * was a local server's whose slots were all taken by then.
 */
#define FALLBACK_NO_SLOT 1
int fallback_run(struct fallback *fb, struct decider *d, const struct chatreq *r,
    long timeout_ms, const char *client, FILE *out);

/* The most models that fit a request fallback_cached looks its answer up for. */
#define FALLBACK_CACHE_SCAN 64

/*
 * When no model can take r now, its answer may still be in the cache (an
 * answer from a model that fits r, busy or out of budget now): looked up on
 * the first FALLBACK_CACHE_SCAN models that fit r, usable or not, in the
 * policy's order, once a request (r->cache_scanned).  1 with *e (free it with
 * cache_entry_free), the hit recorded as a usage row of client; 0 when none
 * is there (or r goes through no cache); -1 when the catalog cannot be read.
 */
int fallback_cached(struct decider *d, struct chatreq *r, struct gwalert *alert,
    const char *client, struct cache_entry *e);

/* Write the cached answer e to r as the CGI answer: 200, the model's headers, X-Afmts-Cache: hit. */
void fallback_write_hit(const struct chatreq *r, const struct cache_entry *e, FILE *out);

void fallback_free(struct fallback *fb);

/* An attempt that ended with status is worth another model: the provider's trouble, not the request's. */
int fallback_worth_retrying(long status);

#endif
