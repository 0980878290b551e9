/*
 * runarchive: one compressed tar per discovery run, holding each provider's
 * raw answer, and the reader that replays it.
 *
 * Entries, in the order the answers came:
 *   NAME/response.json   the fetch record without its body (status, headers,
 *                        times, transport error): fetchline_meta's output
 *   NAME/body            the raw body bytes as received (keys overwritten);
 *                        absent when there was no body
 *   NAME/page-K/...      the same for page K (2, 3...) of a paged list, right
 *                        after the page before it
 * It is a plain pax tar compressed with gzip: any tar tool can make or read
 * one.  Archives are written under a temporary name and renamed when
 * complete, so a killed run never leaves a half archive under a real name.
 */
#ifndef AFMTS_RUNARCHIVE_H
#define AFMTS_RUNARCHIVE_H

#include <stddef.h>
#include <time.h>

#include <jv.h>

/* Largest response.json entry read back. */
#define RUNARCHIVE_MAX_META (1 << 20)

struct runarchive;
struct runreplay;

/* Start DIR/afmts-YYYYmmddTHHMMSSZ.tar.gz for a run started at t.  NULL (reported) on failure. */
struct runarchive *runarchive_create(const char *dir, time_t t);

/* Add one provider's answer, page page (1 for the first or only one; meta
 * and body borrowed).  0, or -1 (reported). */
int runarchive_add(struct runarchive *a, const char *provider, long page, jv meta,
    const char *body, size_t len);

/* Finish the archive and give it its name.  0, or -1 (reported; nothing left behind). */
int runarchive_close(struct runarchive *a);

/* Give up: remove the temporary file. */
void runarchive_abort(struct runarchive *a);

/* Open an archive for replay; bodies larger than max_body are refused.  NULL (reported). */
struct runreplay *runreplay_open(const char *file, size_t max_body);

/*
 * The next answer: *meta (caller frees; with "page": K for page K >= 2) and
 * *body (caller frees; NULL when none) of *len bytes.  1, 0 at the end, -1 for a damaged entry (reported;
 * call again), -2 when the archive cannot be read on (reported).
 */
int runreplay_next(struct runreplay *r, jv *meta, char **body, size_t *len);

void runreplay_close(struct runreplay *r);

#endif
