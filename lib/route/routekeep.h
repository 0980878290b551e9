/*
 * routekeep: keeping the route snapshot (routesnap.h) true to the catalog.
 *
 * Every judgment written is computed from the catalog, by the same code a
 * decision from the catalog runs (route.c, health.c, budget.c), under the
 * snapshot's exclusive lock and after the write it follows was committed:
 * whoever writes an entry last read the newest catalog.
 */
#ifndef AFMTS_ROUTEKEEP_H
#define AFMTS_ROUTEKEEP_H

#include <time.h>

#include <sqlite3.h>

/*
 * Build catalog's snapshot afresh from db at now.  wait: for the lock, else
 * give up when another process holds it.  0, or -1 (reported when wait is
 * set; the old snapshot, if any, is then removed).
 */
int routekeep_build(sqlite3 *db, const char *catalog, time_t now, int wait);

/*
 * After an outcome of provider/model with HTTP status was committed to db:
 * re-judge that model, or all the provider's models when the outcome can
 * change them (a refused key, a budget shared by the provider).  Without a
 * snapshot there is nothing to do; when it cannot be kept it is removed.
 */
void routekeep_outcome(sqlite3 *db, const char *provider, const char *model, int status,
    time_t now);

/*
 * After a decision had to ask the catalog: build the snapshot if there is
 * none (or it does not check out), else re-judge its expired entries.  Quietly
 * does nothing when another process holds the lock or the directory is not
 * writable.
 */
void routekeep_refresh(sqlite3 *db, const char *catalog, time_t now);

#endif
