/*
 * usagerow: the rows of the usage store (usage.h): the INSERT's bindings and
 * the dedupe digest that makes a row read twice count once.  The per-day
 * totals are usagesum.c's.
 */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "fnv.h"
#include "usage.h"

/* Continue hash h over s (may be NULL) and a separator. */
static uint64_t
field(uint64_t h, const char *s)
{
	return fnv1a(s != NULL ? fnv1a(h, s, strlen(s)) : h, "\x1f", 1);
}

void
usage_digest(struct usage *u)
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
usage_bind(sqlite3_stmt *st, const struct usage *u)
{
	sqlite3_bind_int64(st, 1, u->t);
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
	sqlite3_bind_int64(st, 14, u->mid);
}
