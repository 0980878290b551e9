/*
 * usagesum: per-day totals of added usage rows, kept in an open-addressing
 * table keyed by provider, model and UTC day.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "fnv.h"
#include "latency.h"
#include "usagesum.h"

#define DAY_LEN 10	/* YYYY-MM-DD */

/* Kinds of totals: a model's day (usage_daily, usage_latency), a client's day (usage_clients). */
enum { MODEL_DAY = 'm', CLIENT_DAY = 'c' };

struct total {
	char		*key;		/* kind, "a\0b\0YYYY-MM-DD\0"; NULL when free */
	uint64_t	 hash;
	sqlite3_int64	 requests, errors, prompt_tokens, completion_tokens;
	sqlite3_int64	 latency_sum, latency_n;
	struct latency_hist hist;
};

struct usagesum {
	struct total	*slot;
	size_t		 cap, n;	/* cap a power of two */
};

/* The same rules as the usage_daily and usage_latency columns say. */
static int
failed(const struct usage *u)
{
	return u->has_status && (u->status < 200 || u->status > 299);
}

static int
grow(struct usagesum *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct total *slot = calloc(cap, sizeof *slot);

	if (slot == NULL)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (s->slot[i].key == NULL)
			continue;
		for (j = s->slot[i].hash & (cap - 1); slot[j].key != NULL; j = (j + 1) & (cap - 1))
			;
		slot[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

struct usagesum *
usagesum_new(void)
{
	struct usagesum *s = calloc(1, sizeof *s);

	if (s == NULL || grow(s) == -1) {
		free(s);
		err_warn("usage totals: out of memory");
		return NULL;
	}
	return s;
}

size_t
usagesum_keys(const struct usagesum *s)
{
	return s->n;
}

/* The total of kind for a, b and day, made when new; NULL when out of memory. */
static struct total *
total_of(struct usagesum *s, char kind, const char *a, const char *b, const char *day)
{
	size_t la = strlen(a) + 1, lb = strlen(b) + 1, j;
	uint64_t h = fnv1a(fnv1a(fnv1a(fnv1a(FNV_SEED, &kind, 1), a, la), b, lb), day, DAY_LEN);
	struct total *t;

	for (j = h & (s->cap - 1); (t = &s->slot[j])->key != NULL; j = (j + 1) & (s->cap - 1))
		if (t->hash == h && t->key[0] == kind && memcmp(t->key + 1, a, la) == 0 &&
		    memcmp(t->key + 1 + la, b, lb) == 0 &&
		    memcmp(t->key + 1 + la + lb, day, DAY_LEN) == 0)
			return t;
	if ((s->n + 1) * 4 > s->cap * 3) {
		if (grow(s) == -1)
			return NULL;
		return total_of(s, kind, a, b, day);
	}
	if ((t->key = malloc(1 + la + lb + DAY_LEN + 1)) == NULL)
		return NULL;
	t->key[0] = kind;
	memcpy(t->key + 1, a, la);
	memcpy(t->key + 1 + la, b, lb);
	memcpy(t->key + 1 + la + lb, day, DAY_LEN);
	t->key[1 + la + lb + DAY_LEN] = '\0';
	t->hash = h;
	s->n++;
	return t;
}

int
usagesum_add(struct usagesum *s, const struct usage *u)
{
	struct total *t;

	if (u->client != NULL) {
		if ((t = total_of(s, CLIENT_DAY, u->client, "", u->tsz)) == NULL) {
			err_warn("usage totals: out of memory");
			return -1;
		}
		t->requests++;
	}
	if ((t = total_of(s, MODEL_DAY, u->provider, u->model, u->tsz)) == NULL) {
		err_warn("usage totals: out of memory");
		return -1;
	}
	t->requests++;
	t->errors += failed(u);
	t->prompt_tokens += u->prompt_tokens;
	t->completion_tokens += u->completion_tokens;
	if (u->has_latency && !failed(u)) {
		t->latency_sum += u->latency_ms;
		t->latency_n++;
		if (latency_hist_add(&t->hist, (uint64_t)u->latency_ms, 1) == -1) {
			err_warn("usage totals: out of memory");
			return -1;
		}
	}
	return 0;
}

static void
clear(struct usagesum *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slot[i].key);
		latency_hist_free(&s->slot[i].hist);
	}
	memset(s->slot, 0, s->cap * sizeof *s->slot);
	s->n = 0;
}

/* The statements that write totals. */
enum { S_DAILY, S_LATENCY, S_CLIENT, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_DAILY] = "INSERT INTO usage_daily VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	    "ON CONFLICT (provider, model, day) DO UPDATE SET "
	    "requests = requests + excluded.requests, errors = errors + excluded.errors, "
	    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
	    "completion_tokens = completion_tokens + excluded.completion_tokens, "
	    "latency_sum = latency_sum + excluded.latency_sum, "
	    "latency_n = latency_n + excluded.latency_n",
	[S_LATENCY] = "INSERT INTO usage_latency VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (day, provider, model) DO UPDATE SET "
	    "hist = afmts_hist_add(hist, excluded.hist)",
	[S_CLIENT] = "INSERT INTO usage_clients VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (client, day) DO UPDATE SET requests = requests + excluded.requests",
};

static int
step(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? CATALOG_OK : catalog_fail(db, rc, what);
}

/* Write a client's day. */
static int
write_client(sqlite3 *db, sqlite3_stmt **st, const struct total *t)
{
	const char *client = t->key + 1, *day = client + strlen(client) + 2;

	sqlite3_bind_text(st[S_CLIENT], 1, client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[S_CLIENT], 2, day, DAY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st[S_CLIENT], 3, t->requests);
	return step(db, st[S_CLIENT], "count the client's requests");
}

/* Write a model's day with the two upserts. */
static int
write_model(sqlite3 *db, sqlite3_stmt **st, const struct total *t)
{
	const char *provider = t->key + 1, *model = provider + strlen(provider) + 1;
	const char *day = model + strlen(model) + 1;
	sqlite3_stmt *daily = st[S_DAILY], *latency = st[S_LATENCY];
	unsigned char *blob;
	size_t len;
	int rc;

	sqlite3_bind_text(daily, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(daily, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(daily, 3, day, DAY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(daily, 4, t->requests);
	sqlite3_bind_int64(daily, 5, t->errors);
	sqlite3_bind_int64(daily, 6, t->prompt_tokens);
	sqlite3_bind_int64(daily, 7, t->completion_tokens);
	sqlite3_bind_int64(daily, 8, t->latency_sum);
	sqlite3_bind_int64(daily, 9, t->latency_n);
	if ((rc = step(db, daily, "add up the day's usage")) != CATALOG_OK)
		return rc;
	if (t->hist.n == 0 && !t->hist.failed)
		return CATALOG_OK;
	if ((blob = latency_hist_blob(&t->hist, &len)) == NULL) {
		err_warn("usage totals: out of memory");
		return CATALOG_ERROR;
	}
	sqlite3_bind_text(latency, 1, day, DAY_LEN, SQLITE_STATIC);
	sqlite3_bind_text(latency, 2, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(latency, 3, model, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(latency, 4, blob, len, free);
	return step(db, latency, "count the day's latencies");
}

int
usagesum_flush(struct usagesum *s, sqlite3 *db)
{
	sqlite3_stmt *st[S_COUNT] = { NULL };
	int code = CATALOG_ERROR;

	if (s->n == 0)
		return CATALOG_OK;
	for (int i = 0; i < S_COUNT; i++)
		if ((st[i] = catalog_prepare(db, sql[i])) == NULL)
			goto out;
	code = CATALOG_OK;
	for (size_t i = 0; i < s->cap && code == CATALOG_OK; i++) {
		const struct total *t = &s->slot[i];

		if (t->key != NULL)
			code = t->key[0] == CLIENT_DAY ? write_client(db, st, t) : write_model(db, st, t);
	}
out:
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st[i]);
	clear(s);
	return code;
}

void
usagesum_free(struct usagesum *s)
{
	if (s == NULL)
		return;
	clear(s);
	free(s->slot);
	free(s);
}
