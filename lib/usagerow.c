/*
 * usagerow: storing usage rows and their per-day totals.
 */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "fnv.h"
#include "usagerow.h"

/* Continue hash h over s (may be NULL) and a separator. */
static uint64_t
field(uint64_t h, const char *s)
{
	return fnv1a(s != NULL ? fnv1a(h, s, strlen(s)) : h, "\x1f", 1);
}

void
usagerow_digest(struct usage *u)
{
	char num[96];
	uint64_t h;

	if (u->request_id != NULL) {
		u->dedupe = (int64_t)field(FNV_SEED, u->request_id);
		return;
	}
	/* No request id: the same record read twice must still count once. */
	snprintf(num, sizeof num, "%lld/%lld/%lld/%lld", (long long)u->prompt_tokens,
	    (long long)u->completion_tokens, u->has_latency ? (long long)u->latency_ms : -1LL,
	    u->has_status ? (long long)u->status : -1LL);
	h = field(field(field(field(field(field(FNV_SEED, u->ts), u->provider), u->model),
	    num), u->client), u->error);
	/* Another seed than request ids': a record cannot pose as an id. */
	u->dedupe = (int64_t)(h ^ 0x5bd1e9955bd1e995ULL);
}

void
usagerow_bind(sqlite3_stmt *st, const struct usage *u)
{
	sqlite3_bind_text(st, 1, u->tsz, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, u->prompt_tokens);
	sqlite3_bind_int64(st, 5, u->completion_tokens);
	catalog_bind_int64(st, 6, u->has_latency, u->latency_ms);
	catalog_bind_int64(st, 7, u->has_status, u->status);
	catalog_bind_text(st, 8, u->error);
	catalog_bind_text(st, 9, u->client);
	catalog_bind_text(st, 10, u->request_id);
	catalog_bind_double(st, 11, u->has_cost, u->cost);
	sqlite3_bind_int64(st, 12, u->dedupe);
	catalog_bind_int64(st, 13, u->has_retry_after, u->retry_after);
}

sqlite3_int64
usagerow_last_id(sqlite3 *db)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT coalesce(max(id), 0) FROM usage");
	sqlite3_int64 id = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		catalog_fail(db, sqlite3_errcode(db), "read the last usage row");
	sqlite3_finalize(st);
	return id;
}

/* Run one roll-up statement over the usage rows whose id is above after. */
static int
rollup_step(sqlite3 *db, const char *sql, sqlite3_int64 after, const char *what)
{
	sqlite3_stmt *st = catalog_prepare(db, sql);
	int rc;

	if (st == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_int64(st, 1, after);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CATALOG_OK : catalog_fail(db, rc, what);
}

int
usagerow_rollup(sqlite3 *db, sqlite3_int64 after)
{
	/* NOT INDEXED: the new rows are a range of ids; grouping through an index
	 * would read every row of the table. */
	static const char sql[] =
	    "INSERT INTO usage_daily SELECT provider, model, substr(ts, 1, 10), count(*), "
	    "sum(status IS NOT NULL AND status NOT BETWEEN 200 AND 299), "
	    "sum(prompt_tokens), sum(completion_tokens), "
	    "coalesce(sum(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 "
	    "THEN latency_ms END), 0), "
	    "count(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 THEN latency_ms END) "
	    "FROM usage NOT INDEXED WHERE id > ?1 GROUP BY provider, model, substr(ts, 1, 10) "
	    "ON CONFLICT (provider, model, day) DO UPDATE SET "
	    "requests = requests + excluded.requests, errors = errors + excluded.errors, "
	    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
	    "completion_tokens = completion_tokens + excluded.completion_tokens, "
	    "latency_sum = latency_sum + excluded.latency_sum, "
	    "latency_n = latency_n + excluded.latency_n";
	static const char latency[] =
	    "INSERT INTO usage_latency SELECT substr(ts, 1, 10), provider, model, "
	    "afmts_hist(latency_ms) FROM usage NOT INDEXED WHERE id > ?1 AND latency_ms IS NOT NULL "
	    "AND (status IS NULL OR status BETWEEN 200 AND 299) "
	    "GROUP BY substr(ts, 1, 10), provider, model "
	    "ON CONFLICT (day, provider, model) DO UPDATE SET "
	    "hist = afmts_hist_add(hist, excluded.hist)";
	int code = rollup_step(db, sql, after, "add up the day's usage");

	return code != CATALOG_OK ? code : rollup_step(db, latency, after, "count the day's latencies");
}
