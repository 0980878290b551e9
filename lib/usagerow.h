/*
 * usagerow: a usage record (one request made through a model) in C form, and
 * how it is stored: afmts-track ingests usage lines, afmts-route --report
 * records one outcome (both keep the per-day totals with lib/usagesum).
 * Nothing here needs libjq.
 */
#ifndef AFMTS_USAGEROW_H
#define AFMTS_USAGEROW_H

#include <stdint.h>

#include <sqlite3.h>

#include "utctime.h"

struct usage {
	const char	*ts, *provider, *model, *error, *client, *request_id;
	char		 tsz[UTCTIME_LEN];	/* ts, canonical UTC (its day keys the totals) */
	int64_t		 t;		/* ts in seconds since the epoch: what is stored */
	int64_t		 prompt_tokens, completion_tokens, latency_ms, status, retry_after;
	int		 has_latency, has_status, has_cost, has_retry_after;
	double		 cost;
	int64_t		 dedupe;	/* digest of request_id, else of the fields */
	int64_t		 mid;		/* usage_models id of provider and model (usagekey) */
};

/* Statement that adds one usage row, unless its dedupe digest is stored. */
#define USAGEROW_INSERT \
	"INSERT OR IGNORE INTO usage (ts, provider, model, prompt_tokens, completion_tokens, " \
	"latency_ms, status, error, client, request_id, cost, dedupe, retry_after, mid) " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"

/* Set u->dedupe from its request id, else from its fields. */
void usagerow_digest(struct usage *u);

/* Bind u's fields to a statement prepared from USAGEROW_INSERT (u must outlive the step). */
void usagerow_bind(sqlite3_stmt *st, const struct usage *u);

#endif
