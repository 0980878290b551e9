/*
 * decide: the one way a request is decided, and an outcome recorded then
 * judged again.
 *
 * A decision asks the route snapshot (routesnap.h) first and the catalog
 * only when the snapshot cannot answer; a decision the catalog answered
 * renews the snapshot for the next one.  A decider that already holds the
 * catalog open (the gateway's, which records every attempt) asks the
 * catalog.  Recording writes the usage store
 * (usage.h) and then re-judges the snapshot's entries the outcome can
 * change (routekeep.h): the store only writes, the decision half judges.
 * afmts-route's command line, its CGI/FastCGI interface and afmts-gateway all
 * go through here.
 */
#ifndef AFMTS_DECIDE_H
#define AFMTS_DECIDE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <sqlite3.h>

#include "route.h"
#include "usage.h"

/* What AFMTS_ROUTE_SNAPSHOT (for tests) lets a decision read. */
enum decide_source {
	DECIDE_EITHER,		/* the snapshot, else the catalog (unset) */
	DECIDE_CATALOG,		/* the catalog alone ("off") */
	DECIDE_SNAPSHOT		/* the snapshot alone ("only") */
};

/* Failures of decide() and decider_catalog(), all below zero. */
enum {
	DECIDE_ERROR = -1,	/* the catalog cannot be read (reported) */
	DECIDE_NO_SNAPSHOT = -2,	/* DECIDE_SNAPSHOT and the snapshot cannot answer */
	DECIDE_MISSING = -3,	/* no catalog at that path, or none configured */
	DECIDE_BUSY = -4	/* another writer held the catalog past the timeout */
};

struct decider {
	const char	*catalog;	/* its path (not owned); NULL: none configured */
	int		 writable;	/* the catalog is opened for writing */
	int		 persistent;	/* kept open between requests (FastCGI) */
	enum decide_source source;
	sqlite3		*db;		/* open catalog, or NULL */
	struct route_ctx *rc;		/* its prepared decision, or NULL */
	dev_t		 dev;		/* the open catalog's file, to notice a new one */
	ino_t		 ino;
	int		 checked;	/* the file was found unchanged in this request */
};

/* A decider for the catalog at path; nothing is opened yet. */
void decider_init(struct decider *d, const char *catalog, int writable, int persistent);

/* The end of a request: the catalog is closed unless the decider is persistent. */
void decider_done(struct decider *d);

/* Close whatever is open. */
void decider_close(struct decider *d);

/*
 * The open catalog in *db, opened now (or again, when a persistent decider's
 * file was replaced).  0, or a DECIDE_* failure (DECIDE_MISSING unreported).
 */
int decider_catalog(struct decider *d, sqlite3 **db);

/*
 * Rank the models that fit q (its catalog is set to d's) and emit them, best
 * first.  Returns how many were emitted, or a DECIDE_* failure having emitted
 * nothing.  When none fits, why (of size n) says which constraint emptied the
 * list.
 */
int decide(struct decider *d, struct route_query *q, route_emit emit, void *arg, char *why,
    size_t n);

/*
 * Record o (outcome_record), then judge again what it changed in the route
 * snapshot.  An OUTCOME_* code; msg (of size n) says why when not OUTCOME_OK.
 */
int decide_record(struct decider *d, struct outcome *o, char *msg, size_t n);

/* The models that fit a request, usable now or not (decide_fitting). */
struct decide_fitting {
	int		 n;		/* that fit */
	int		 usable;	/* of them: usable now (freed since the decision) */
	int		 limited;	/* of them: cooling down after a 429, out of budget, or a
					   local server's with no idle slot */
	time_t		 first_usable;	/* the earliest one of those is usable again, 0: none */
};

/*
 * Count into *f (added to) the models that fit q, usable now or not, and when
 * the first of those that cannot take it now can again.  0, or a DECIDE_*
 * failure.
 */
int decide_fitting(struct decider *d, struct route_query *q, struct decide_fitting *f);

/* Build the route snapshot afresh (afmts-route --refresh).  0, or -1 after reporting. */
int decide_rebuild(struct decider *d, time_t now);

#endif
