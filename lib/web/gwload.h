/*
 * gwload: afmts-gateway's load, counted across its worker processes, for
 * GET /metrics (metrics.h).
 *
 * Under FastCGI the workers are processes forked from one parent (fastcgi.h):
 * each holds a slot of a shared anonymous mapping made before the fork,
 * marked busy while it answers a request.  A worker that died holding a
 * slot is not counted (its pid is gone), and the slot is taken over by the
 * next worker that needs one.  Under CGI a process knows only itself, so no
 * figure is given.
 */
#ifndef AFMTS_GWLOAD_H
#define AFMTS_GWLOAD_H

#include "metrics.h"

/* Map the slots, before the workers are forked.  0, or -1 (no figures then). */
int gwload_init(void);

/* The calling process starts, or has ended, answering a request. */
void gwload_begin(void);
void gwload_end(void);

/*
 * The gateway's load figures: the one function GET /metrics reads them from
 * (a metrics_load_fn).  in_flight counts the busy workers, the scrape's own
 * included (waiting requests too: a worker waits with its request); waiting
 * is left -1 here: the gateway adds the line's length (pool.h).
 */
void gwload_figures(struct metrics_load *load);

#endif
