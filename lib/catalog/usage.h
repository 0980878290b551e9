/*
 * usage: the usage store.  A usage row is one request made through a model:
 * its tokens, latency, status, cost and client.  The store adds rows once
 * each (a dedupe digest of the request id, else of the fields), names their
 * models by number (usage_models), keeps per-day roll-ups as it goes
 * (usage_daily; latency histograms in usage_latency, built with latency.h;
 * requests per client in usage_clients), and records one outcome reported by
 * the decision half together with the rate limits its headers tell.
 *
 * Two kinds of writer use it: afmts-track ingesting usage lines (checked by
 * usagecheck.h first), and afmts-route --report, POST /report and
 * afmts-gateway recording outcomes (through decide_record, decide.h).  The
 * store only writes: it never calls into routing (route, health, budget,
 * routekeep, decide).  Nothing here needs libjq.
 *
 * The code: usage.c (rows and their digest, model ids, daily roll-ups and
 * client counts), outcome.c (one outcome and the limits it teaches).
 */
#ifndef AFMTS_USAGE_H
#define AFMTS_USAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "param.h"
#include "strpool.h"
#include "utctime.h"

/* Bounds of a usage row's fields, for every writer. */
#define USAGE_MAX_TOKENS 1000000000	/* tokens of one request */
#define USAGE_MAX_LATENCY 10000000	/* milliseconds */
#define USAGE_MAX_RETRY_AFTER 604800	/* seconds */
#define USAGE_MAX_ID 128		/* bytes of client, request_id */
#define USAGE_MAX_TEXT 1024		/* bytes of error */
#define USAGE_MAX_COST 1e6		/* USD of one request */

/* --- rows ---------------------------------------------------------------- */

struct usage {
	const char	*ts, *provider, *model, *error, *client, *request_id;
	char		 tsz[UTCTIME_LEN];	/* ts, canonical UTC (its day keys the totals) */
	int64_t		 t;		/* ts in seconds since the epoch: what is stored */
	int64_t		 prompt_tokens, completion_tokens, latency_ms, status, retry_after;
	int		 has_latency, has_status, has_cost, has_retry_after;
	int		 estimated;	/* the tokens are an estimate (the provider gave none) */
	int		 cached;	/* answered from the exact-match cache (web/cache.h) */
	int		 attempt;	/* of a gateway request: 1 first model, 2... fallbacks; 0 none */
	double		 cost;
	int64_t		 dedupe;	/* digest of request_id, else of the fields */
	int64_t		 mid;		/* usage_models id of provider and model (usage_keys_of) */
};

/* Statement that adds one usage row, unless its dedupe digest is stored. */
#define USAGE_INSERT \
	"INSERT OR IGNORE INTO usage (ts, provider, model, prompt_tokens, completion_tokens, " \
	"latency_ms, status, error, client, request_id, cost, dedupe, retry_after, mid, " \
	"estimated, attempt, cached) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, " \
	"?13, ?14, ?15, ?16, ?17)"

/* Set u->dedupe from its request id, else from its fields. */
void usage_digest(struct usage *u);

/* Bind u's fields to a statement prepared from USAGE_INSERT (u must outlive the step). */
void usage_bind(sqlite3_stmt *st, const struct usage *u);

/* --- model ids ----------------------------------------------------------- */

/*
 * The number a usage row names its model by (usage_models.id of its provider
 * and model), made on first use and remembered, so that a writer binds an
 * integer instead of looking the pair up for every row.
 */
#define USAGE_KEYS_MAX_CACHED 65536	/* pairs remembered before starting afresh */

struct usage_keys;

/* A key maker for db (which must outlive it); NULL when out of memory (reported). */
struct usage_keys *usage_keys_new(sqlite3 *db);

/* The id of (provider, model), added to usage_models when new; -1 on error (reported). */
int64_t usage_keys_of(struct usage_keys *k, const char *provider, const char *model);

void usage_keys_free(struct usage_keys *k);

/* --- daily roll-ups ------------------------------------------------------- */

/*
 * Upper bounds (milliseconds) of the latency buckets usage_totals counts
 * (sql/011-usage-totals.sql: b50 ... b120000), for GET /metrics' histogram.
 */
#define USAGE_BUCKETS 12
extern const long usage_bucket_ms[USAGE_BUCKETS];

/* The status class of usage_totals: "2xx", "none" (0, no answer), "unknown" (no status)... */
const char *usage_class(const struct usage *u, char buf[4]);

/*
 * The per-day totals of the rows a writer adds (usage_daily, usage_latency
 * and usage_clients) and their lifetime totals per status class
 * (usage_totals), added up in memory as rows are stored and written in
 * one upsert per model and day.  A day of a million requests through a
 * thousand models is a thousand upserts instead of a GROUP BY that sorts a
 * million rows.  Memory is bounded: past USAGE_SUM_MAX_KEYS models and days
 * the caller flushes.
 */
#define USAGE_SUM_MAX_KEYS 4096

struct usage_sum;

/* An empty set of totals; NULL when out of memory (reported). */
struct usage_sum *usage_sum_new(void);

/* Count u, a row just stored.  0, or -1 when out of memory (reported). */
int usage_sum_add(struct usage_sum *s, const struct usage *u);

/* How many models and days are held: flush at USAGE_SUM_MAX_KEYS. */
size_t usage_sum_keys(const struct usage_sum *s);

/*
 * Add the totals to usage_daily, usage_latency, usage_clients and
 * usage_totals inside the caller's transaction, and start again from empty.
 * Returns a CATALOG_* code.
 */
int usage_sum_flush(struct usage_sum *s, sqlite3 *db);

void usage_sum_free(struct usage_sum *s);

/* Requests client made on now's UTC day, as counted in usage_clients; -1 on error. */
long usage_client_today(sqlite3 *db, const char *client, time_t now);

/* --- one outcome ---------------------------------------------------------- */

/*
 * What happened to one request (afmts-route --report, POST /report, the
 * gateway).  An outcome is a usage row, so the breaker and budgets of the
 * very next decision see it; x-ratelimit-* headers reported with it are kept
 * as the provider's own word on what is left.
 */
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
 * error, or an x-ratelimit-* header.  The bounds and the provider name rule
 * (names.h) are those of a usage line.  NULL, or what is wrong.
 */
const char *outcome_param(struct outcome *o, const char *name, const char *value);

/* The fields of an outcome (param.h), for POST /report's form and afmts-route's options. */
extern const struct param outcome_params[];

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
 * Store o in one transaction: its row, its day's totals and its learned
 * limits, and nothing else (decide_record, decide.h, also judges the route
 * snapshot again).  Returns an OUTCOME_* code; msg (size n) says why.
 */
int outcome_record(sqlite3 *db, struct outcome *o, char *msg, size_t n);

#endif
