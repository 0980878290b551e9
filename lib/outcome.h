/*
 * outcome: recording what happened to one request (afmts-route --report and
 * POST /report).  An outcome is a usage row, so the breaker and budgets of
 * the very next decision see it; x-ratelimit-* headers reported with it are
 * kept as the provider's own word on what is left.
 */
#ifndef AFMTS_OUTCOME_H
#define AFMTS_OUTCOME_H

#include <time.h>

#include <sqlite3.h>

#include "strpool.h"
#include "usagerow.h"

#define OUTCOME_MAX_HEADERS 16

struct outcome {
	struct usage	 u;		/* provider may be NULL: found from the catalog */
	const char	*header_name[OUTCOME_MAX_HEADERS], *header_value[OUTCOME_MAX_HEADERS];
	int		 nheaders, has_model_status;
	time_t		 now;
	struct strpool	 store;		/* copies of the strings above */
};

void outcome_init(struct outcome *o, time_t now);

/*
 * Set one field by name: provider, model, status, latency_ms, prompt_tokens,
 * completion_tokens, tokens ("IN,OUT"), retry_after, request_id, client,
 * error, or an x-ratelimit-* header.  NULL, or what is wrong.
 */
const char *outcome_param(struct outcome *o, const char *name, const char *value);

/* Add "Name: value" (an x-ratelimit-* or retry-after header).  NULL, or what is wrong. */
const char *outcome_header(struct outcome *o, const char *line);

enum {
	OUTCOME_OK = 0,
	OUTCOME_INVALID = 1,	/* missing field, unknown or ambiguous model: msg says */
	OUTCOME_BUSY = 3,	/* CATALOG_BUSY */
	OUTCOME_ERROR = 4,	/* CATALOG_ERROR, reported */
	OUTCOME_MISSING = 5	/* CATALOG_MISSING: no catalog to record in */
};

/*
 * Store o in one transaction: only writes (decide_record, decide.h, also
 * judges the route snapshot again).  Returns an OUTCOME_* code; msg (size n)
 * says why.
 */
int outcome_record(sqlite3 *db, struct outcome *o, char *msg, size_t n);

#endif
