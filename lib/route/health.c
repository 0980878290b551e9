/*
 * health: a model's breaker state from its newest usage rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "health.h"
#include "utctime.h"

/* How far back outcomes count (the newest 8 of them are read). */
#define LOOKBACK (7 * 86400)

/* One provider's key state, read once per process. */
struct bench {
	char	 provider[64];
	time_t	 since, last_ok;
	int	 status;
};

struct health_db {
	sqlite3		*db;
	sqlite3_stmt	*recent, *key_failure, *last_ok;
	struct bench	 cache[8];
	int		 ncache;
};

/* A cache hit reached no provider: it says nothing of the model's health. */
static const char recent_sql[] =
    "SELECT ts, status, retry_after FROM usage "
    "WHERE mid = (SELECT id FROM usage_models WHERE provider = ?1 AND model = ?2) "
    "AND ts BETWEEN ?3 AND ?4 AND cached IS NULL "
    "ORDER BY ts DESC, id DESC LIMIT 8";

/* The partial index usage_failures needs its own condition spelled out. */
static const char key_failure_sql[] =
    "SELECT ts, status FROM usage "
    "WHERE provider = ?1 AND status NOT BETWEEN 200 AND 299 AND status IN (401, 402, 403) "
    "AND ts BETWEEN ?2 AND ?3 ORDER BY ts DESC LIMIT 1";

static const char last_ok_sql[] = "SELECT last_ok_at FROM providers WHERE name = ?1";

void
health_forget(struct health_db *hd)
{
	hd->ncache = 0;
}

struct health_db *
health_open(sqlite3 *db)
{
	struct health_db *hd = calloc(1, sizeof *hd);

	if (hd == NULL)
		return NULL;
	hd->db = db;
	return hd;
}


void
health_close(struct health_db *hd)
{
	if (hd == NULL)
		return;
	sqlite3_finalize(hd->recent);
	sqlite3_finalize(hd->key_failure);
	sqlite3_finalize(hd->last_ok);
	free(hd);
}

/* A time column: seconds (usage.ts) or RFC 3339 text (the providers table); 0 when none. */
static time_t
column_time(sqlite3_stmt *st, int i)
{
	const char *s;
	time_t t;

	if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		return (time_t)sqlite3_column_int64(st, i);
	s = (const char *)sqlite3_column_text(st, i);
	return s != NULL && utctime_parse(s, &t) == 0 ? t : 0;
}

/* The provider's key failure and last good discovery, cached per process. */
static struct bench *
bench_of(struct health_db *hd, const char *provider, time_t now)
{
	struct bench *b;
	int rc;

	for (int i = 0; i < hd->ncache; i++)
		if (strcmp(hd->cache[i].provider, provider) == 0)
			return &hd->cache[i];
	b = &hd->cache[hd->ncache < 8 ? hd->ncache++ : 7];
	memset(b, 0, sizeof *b);
	snprintf(b->provider, sizeof b->provider, "%s", provider);
	if (catalog_prepare_once(hd->db, &hd->key_failure, key_failure_sql) == NULL ||
	    catalog_prepare_once(hd->db, &hd->last_ok, last_ok_sql) == NULL) {
		hd->ncache--;
		return NULL;
	}
	sqlite3_bind_text(hd->key_failure, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(hd->key_failure, 2, (sqlite3_int64)(now - HEALTH_BENCH_SECONDS));
	sqlite3_bind_int64(hd->key_failure, 3, (sqlite3_int64)now);
	if ((rc = sqlite3_step(hd->key_failure)) == SQLITE_ROW) {
		b->since = column_time(hd->key_failure, 0);
		b->status = sqlite3_column_int(hd->key_failure, 1);
	}
	sqlite3_reset(hd->key_failure);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		catalog_fail(hd->db, rc, "read key failures");
		hd->ncache--;
		return NULL;
	}
	sqlite3_bind_text(hd->last_ok, 1, provider, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(hd->last_ok)) == SQLITE_ROW)
		b->last_ok = column_time(hd->last_ok, 0);
	sqlite3_reset(hd->last_ok);
	return b;
}

enum outcome { NEUTRAL, SUCCESS, THROTTLED, TRANSIENT, KEY, MISSING };

static enum outcome
classify(int has_status, int status)
{
	if (!has_status)
		return NEUTRAL;
	if (status >= 200 && status <= 299)
		return SUCCESS;
	if (status == 429)
		return THROTTLED;
	if (status == 401 || status == 402 || status == 403)
		return KEY;
	if (status == 404)
		return MISSING;
	if (status == 0 || status == 408 || status >= 500)
		return TRANSIENT;
	return NEUTRAL;
}

/* base seconds doubled per step after the first, at most HEALTH_MAX_COOLDOWN. */
static time_t
growing(time_t base, int steps)
{
	time_t d = base;

	while (--steps > 0 && d < HEALTH_MAX_COOLDOWN)
		d *= 2;
	return d < HEALTH_MAX_COOLDOWN ? d : HEALTH_MAX_COOLDOWN;
}

/* h->stable_until no later than t. */
static void
holds_until(struct health *h, time_t t)
{
	if (t < h->stable_until)
		h->stable_until = t;
}

/* A cooldown from since: in it, or half-open once it has passed. */
static void
cool(struct health *h, enum health_state state, time_t since, time_t wait, time_t now)
{
	h->since = since;
	h->until = since + wait;
	h->state = now < h->until ? state : HEALTH_HALF_OPEN;
	if (now < h->until)
		holds_until(h, h->until);
}

/* The newest telling outcome among recent rows, and how many like it in a row. */
struct run {
	enum outcome	 first;
	time_t		 first_at, success_at, oldest_read;
	long long	 first_retry;
	int		 n;
};

/* Walk st's rows newest first into r (and h->status).  0, or -1 after reporting. */
static int
recent_run(struct health_db *hd, sqlite3_stmt *st, struct health *h, struct run *r)
{
	int rc;

	memset(r, 0, sizeof *r);
	r->first = NEUTRAL;
	r->first_retry = -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int has = sqlite3_column_type(st, 1) != SQLITE_NULL;
		enum outcome o = classify(has, sqlite3_column_int(st, 1));

		r->oldest_read = column_time(st, 0);
		if (o == NEUTRAL)
			continue;
		if (r->first == NEUTRAL) {
			r->first = o;
			r->first_at = column_time(st, 0);
			h->status = sqlite3_column_int(st, 1);
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				r->first_retry = sqlite3_column_int64(st, 2);
			if (o == SUCCESS) {
				r->success_at = r->first_at;
				break;
			}
		}
		if (o != r->first)
			break;
		r->n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		catalog_fail(hd->db, rc, "read recent outcomes");
		return -1;
	}
	return 0;
}

/* The breaker's state after run r.  0, or -1 after reporting. */
static int
judge_run(struct health_db *hd, const char *provider, const struct run *r, time_t now,
    struct health *h)
{
	struct bench *b;

	h->failures = r->first == SUCCESS ? 0 : r->n;
	switch (r->first) {
	case THROTTLED:
		cool(h, HEALTH_COOLDOWN, r->first_at, r->first_retry >= 0 ?
		    (time_t)r->first_retry : growing(60, r->n), now);
		break;
	case TRANSIENT:
		if (r->n >= HEALTH_OPEN_AFTER)
			cool(h, HEALTH_OPEN, r->first_at, growing(30, r->n - HEALTH_OPEN_AFTER + 1),
			    now);
		else
			h->since = r->first_at;
		break;
	case KEY:
		cool(h, HEALTH_BENCHED, r->first_at, HEALTH_BENCH_SECONDS, now);
		break;
	case MISSING:
		if ((b = bench_of(hd, provider, now)) == NULL)
			return -1;
		h->since = r->first_at;
		if (b->last_ok < r->first_at)
			h->state = HEALTH_GONE;
		break;
	default:
		break;
	}
	return 0;
}

/* A key refused for any of the provider's models benches them all.  0, or -1. */
static int
provider_bench(struct health_db *hd, const char *provider, time_t success_at, time_t now,
    struct health *h)
{
	struct bench *b;

	if ((b = bench_of(hd, provider, now)) == NULL)
		return -1;
	if (b->since == 0 || now >= b->since + HEALTH_BENCH_SECONDS)
		return 0;
	/* Benched or not, the answer holds until the failure's bench ends. */
	holds_until(h, b->since + HEALTH_BENCH_SECONDS);
	if (b->since > success_at) {
		h->state = HEALTH_BENCHED;
		h->since = b->since;
		h->until = b->since + HEALTH_BENCH_SECONDS;
		h->status = b->status;
	}
	return 0;
}

int
health_of(struct health_db *hd, const char *provider, const char *model, time_t now,
    struct health *h)
{
	sqlite3_stmt *st = catalog_prepare_once(hd->db, &hd->recent, recent_sql);
	struct run r;

	memset(h, 0, sizeof *h);
	h->stable_until = HEALTH_FOREVER;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(now - LOOKBACK));
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (recent_run(hd, st, h, &r) == -1)
		return -1;
	/* What was read says the same until its oldest row leaves the window. */
	if (r.oldest_read != 0)
		holds_until(h, r.oldest_read + LOOKBACK + 1);
	if (judge_run(hd, provider, &r, now, h) == -1)
		return -1;
	if (h->state != HEALTH_CLOSED && h->state != HEALTH_HALF_OPEN)
		return 0;
	return provider_bench(hd, provider, r.success_at, now, h);
}

int
health_usable(enum health_state s)
{
	return s == HEALTH_CLOSED || s == HEALTH_HALF_OPEN;
}

const char *
health_name(enum health_state s)
{
	static const char *const names[] = {
		[HEALTH_CLOSED] = "closed", [HEALTH_HALF_OPEN] = "half-open",
		[HEALTH_COOLDOWN] = "cooldown", [HEALTH_OPEN] = "open",
		[HEALTH_BENCHED] = "benched", [HEALTH_GONE] = "gone",
	};

	return names[s];
}
