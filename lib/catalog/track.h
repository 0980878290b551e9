/*
 * track: one afmts-track run over model, provider and usage records, inside
 * one catalog transaction (see afmts-track(1) for the rules).
 */
#ifndef AFMTS_TRACK_H
#define AFMTS_TRACK_H

#include <stdio.h>

#include <sqlite3.h>
#include <jv.h>

struct tracker;

/*
 * Begin a run on db (BEGIN IMMEDIATE: a second writer waits, then fails
 * "catalog busy").  Change records go to out.  Returns NULL after reporting,
 * with *code a CATALOG_* code.
 */
struct tracker *track_begin(sqlite3 *db, FILE *out, int *code);

struct prefetch_hooks;
struct prefetch_item;

/* The hooks the input's reader thread runs for this run (see prefetch.h). */
const struct prefetch_hooks *track_hooks(struct tracker *t);

/*
 * Apply one input item (its value and prepared work consumed); where names it
 * in messages.  -1 on a catalog error.
 */
int track_item(struct tracker *t, struct prefetch_item *it, const char *where);

/* Note an input line that could not be read as a record. */
void track_bad_line(struct tracker *t);

/*
 * Finish the run: apply provider outcomes (removals), commit.  Returns 0 if
 * every record applied, 1 if some were refused or skipped (reported), or a
 * CATALOG_* code if the run could not be committed (nothing was written).
 */
int track_end(struct tracker *t, int verbose);

/* Abandon the run (rollback) and free it. */
void track_abort(struct tracker *t);

#endif
