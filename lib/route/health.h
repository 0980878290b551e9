/*
 * health: the circuit breaker of a model, read from its recent outcomes.
 *
 * There is no breaker state to keep in step: every outcome, whether ingested
 * by afmts-track from usage lines or recorded by afmts-route --report, is a
 * usage row, and a model's state is a function of its newest rows:
 *
 *   newest outcome a success (2xx)        closed
 *   429                                   cooling down for Retry-After, else
 *                                         60 s doubling per 429 in a row (max 1 h)
 *   1 or 2 transient failures in a row    closed, noted (0, 408, 5xx)
 *   3 or more                             open: 30 s doubling per further
 *                                         failure (max 1 h)
 *   401, 402, 403                         the provider's key benched for 6 h
 *   404                                   gone until the provider's next good
 *                                         discovery run
 *   a cooldown that has passed            half-open: tried again; its outcome
 *                                         closes or reopens the breaker
 *
 * Other 4xx (the request's own fault) and rows without a status say nothing
 * about the model and are skipped.
 */
#ifndef AFMTS_HEALTH_H
#define AFMTS_HEALTH_H

#include <time.h>

#include <sqlite3.h>

enum health_state {
	HEALTH_CLOSED,
	HEALTH_HALF_OPEN,	/* usable: a trial after a cooldown */
	HEALTH_COOLDOWN,	/* 429 */
	HEALTH_OPEN,		/* repeated transient failures */
	HEALTH_BENCHED,		/* 401/402/403 */
	HEALTH_GONE		/* 404 */
};

#define HEALTH_BENCH_SECONDS (6 * 3600)
#define HEALTH_MAX_COOLDOWN 3600
#define HEALTH_OPEN_AFTER 3	/* transient failures in a row */
#define HEALTH_FOREVER ((time_t)0x7fffffffffffffffLL)	/* a stable_until without end */

struct health {
	enum health_state state;
	time_t		 since;		/* the outcome that decided it */
	time_t		 until;		/* end of the cooldown, 0 if none */
	int		 status;	/* that outcome's HTTP status */
	int		 failures;	/* failures in a row */
	time_t		 stable_until;	/* the state holds until then unless usage is added */
};

struct health_db;

/* Prepare the queries on an open catalog; NULL after reporting. */
struct health_db *health_open(sqlite3 *db);

/* The state of provider/model at time now into *h.  0, or -1 after reporting. */
int health_of(struct health_db *hd, const char *provider, const char *model, time_t now,
    struct health *h);

/* 1 if a model in state s may be offered a request. */
int health_usable(enum health_state s);

/* "closed", "half-open", "cooldown", "open", "benched", "gone". */
const char *health_name(enum health_state s);

void health_close(struct health_db *hd);

/* Forget what one decision learnt of providers (a kept hd serves many). */
void health_forget(struct health_db *hd);

#endif
