/*
 * prefetch: read and parse JSON lines in a second thread, so that parsing the
 * next lines overlaps the work done on this one (a two-stage pipeline on two
 * cores).  Values cross threads whole: the reader thread never touches a
 * value after handing it over, so libjq's unlocked reference counts are safe.
 * Memory is bounded: two batches of at most PREFETCH_BATCH values or
 * PREFETCH_BYTES of input each (plus one line).
 */
#ifndef AFMTS_PREFETCH_H
#define AFMTS_PREFETCH_H

#include <jv.h>

#include "jsonl.h"

#define PREFETCH_BATCH 256
#define PREFETCH_BYTES ((size_t)1 << 20)

struct prefetch;

/* Start reading r (which the caller keeps, and must not use meanwhile). NULL on failure. */
struct prefetch *prefetch_start(struct jsonl_reader *r);

/*
 * The next result of jsonl_next() on r, in order: 1 with *out set (the
 * caller owns it), 0 at end, -1 a reported bad line, -2 a read error (stop).
 * *line is the value's line number.
 */
int prefetch_next(struct prefetch *pf, jv *out, unsigned long *line);

/* Stop the reader thread (waiting for it) and free what is left. */
void prefetch_stop(struct prefetch *pf);

#endif
