/*
 * usage: how the usage store (usage.h) keeps rows: a row's INSERT bindings
 * and dedupe digest (a row read twice counts once), the usage_models id of
 * each provider and model (looked up or made once, then kept in a strset),
 * and the daily roll-ups of added rows (a strset maps each kind, name(s) and
 * UTC day to its totals; each model's day keeps its latency histogram,
 * latency.h).  outcome.c writes one outcome with them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "fnv.h"
#include "latency.h"
#include "strset.h"
#include "usage.h"

/* --- rows --------------------------------------------------------------- */

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
	catalog_bind_int64(st, 15, u->estimated, 1);
	catalog_bind_int64(st, 16, u->attempt > 0, u->attempt);
	catalog_bind_int64(st, 17, u->cached, 1);
}

/* --- model ids ------------------------------------------------------------ */

struct usage_keys {
	sqlite3		*db;
	sqlite3_stmt	*find, *add;
	struct strset	*ids;
};

struct usage_keys *
usage_keys_new(sqlite3 *db)
{
	struct usage_keys *k = calloc(1, sizeof *k);

	if (k == NULL || (k->ids = strset_new()) == NULL) {
		free(k);
		err_warn("usage model keys: out of memory");
		return NULL;
	}
	k->db = db;
	return k;
}

/* The id from the catalog, adding the pair when it is new; -1 on error. */
static int64_t
stored_id(struct usage_keys *k, const char *provider, const char *model)
{
	int64_t id = -1;
	int rc;

	if (catalog_prepare_once(k->db, &k->find,
	    "SELECT id FROM usage_models WHERE provider = ?1 AND model = ?2") == NULL ||
	    catalog_prepare_once(k->db, &k->add,
	    "INSERT INTO usage_models (provider, model) VALUES (?1, ?2)") == NULL)
		return -1;
	sqlite3_bind_text(k->find, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->find, 2, model, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(k->find)) == SQLITE_ROW)
		id = sqlite3_column_int64(k->find, 0);
	sqlite3_reset(k->find);
	if (rc == SQLITE_ROW)
		return id;
	if (rc != SQLITE_DONE) {
		catalog_fail(k->db, rc, "find a usage model");
		return -1;
	}
	sqlite3_bind_text(k->add, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->add, 2, model, -1, SQLITE_STATIC);
	rc = sqlite3_step(k->add);
	sqlite3_reset(k->add);
	if (rc != SQLITE_DONE) {
		catalog_fail(k->db, rc, "add a usage model");
		return -1;
	}
	return sqlite3_last_insert_rowid(k->db);
}

int64_t
usage_keys_of(struct usage_keys *k, const char *provider, const char *model)
{
	size_t lp = strlen(provider) + 1, lm = strlen(model);
	char stack[1024], *pair = lp + lm <= sizeof stack ? stack : malloc(lp + lm);
	int64_t *id = NULL;
	int added;

	if (pair != NULL) {
		memcpy(pair, provider, lp);
		memcpy(pair + lp, model, lm);
		if (strset_count(k->ids) >= USAGE_KEYS_MAX_CACHED)
			strset_clear(k->ids);
		id = strset_value(k->ids, pair, lp + lm, &added);
	}
	if (pair != stack)
		free(pair);
	if (id == NULL) {
		err_warn("usage model keys: out of memory");
		return -1;
	}
	if (added && (*id = stored_id(k, provider, model)) == -1) {
		strset_clear(k->ids);	/* no pair is kept without its id */
		return -1;
	}
	return *id;
}

void
usage_keys_free(struct usage_keys *k)
{
	if (k == NULL)
		return;
	strset_free(k->ids);
	sqlite3_finalize(k->find);
	sqlite3_finalize(k->add);
	free(k);
}

/* --- daily roll-ups ------------------------------------------------------- */

#define DAY_LEN 10	/* YYYY-MM-DD */

/*
 * Kinds of totals: a model's day (usage_daily, usage_latency), a client's day
 * (usage_clients), a model's status class for ever (usage_totals: the class
 * where the others have the day).
 */
enum { MODEL_DAY = 'm', CLIENT_DAY = 'c', MODEL_CLASS = 't' };

const long usage_bucket_ms[USAGE_BUCKETS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000, 30000, 60000, 120000
};

/* Bytes of a key: kind, "a\0b\0", day (provider and model, or client and ""). */
#define KEY_MAX 1024

struct total {
	sqlite3_int64	 requests, errors, prompt_tokens, completion_tokens;
	sqlite3_int64	 latency_sum, latency_n;
	sqlite3_int64	 cached, cached_tokens;	/* answered from the cache: no provider's */
	struct latency_hist hist;
	sqlite3_int64	 attempts, fallbacks, bucket[USAGE_BUCKETS];	/* usage_totals' */
};

struct usage_sum {
	struct strset	*keys;		/* key -> index in totals */
	struct total	*totals;
	size_t		 cap;		/* of totals */
};

/* The same rules as the usage_daily and usage_latency columns say. */
static int
failed(const struct usage *u)
{
	return u->has_status && (u->status < 200 || u->status > 299);
}

struct usage_sum *
usage_sum_new(void)
{
	struct usage_sum *s = calloc(1, sizeof *s);

	if (s == NULL || (s->keys = strset_new()) == NULL) {
		free(s);
		err_warn("usage totals: out of memory");
		return NULL;
	}
	return s;
}

size_t
usage_sum_keys(const struct usage_sum *s)
{
	return strset_count(s->keys);
}

/* The total of kind for a, b and day, made (zero) when new; NULL when out of memory. */
static struct total *
total_of(struct usage_sum *s, char kind, const char *a, const char *b, const char *day)
{
	size_t la = strlen(a) + 1, lb = strlen(b) + 1, n = 1 + la + lb + DAY_LEN;
	char key[KEY_MAX];
	int64_t *i;
	int added;

	if (n > sizeof key)
		return NULL;	/* names are checked far shorter (63, 512, 128 bytes) */
	key[0] = kind;
	memcpy(key + 1, a, la);
	memcpy(key + 1 + la, b, lb);
	memcpy(key + 1 + la + lb, day, DAY_LEN);
	if ((i = strset_value(s->keys, key, n, &added)) == NULL)
		return NULL;
	if (added) {
		size_t count = strset_count(s->keys);

		if (count > s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct total *t = realloc(s->totals, cap * sizeof *t);

			if (t == NULL)
				return NULL;
			s->totals = t;
			s->cap = cap;
		}
		*i = (int64_t)count - 1;
		memset(&s->totals[*i], 0, sizeof s->totals[*i]);
	}
	return &s->totals[*i];
}

const char *
usage_class(const struct usage *u, char buf[4])
{
	if (!u->has_status)
		return "unknown";
	if (u->status < 100 || u->status > 599)
		return "none";
	snprintf(buf, 4, "%dxx", (int)(u->status / 100));
	return buf;
}

/* Count u into its model's lifetime totals of its status class.  0, or -1. */
static int
class_add(struct usage_sum *s, const struct usage *u)
{
	char buf[4], key[DAY_LEN] = { 0 };
	const char *class = usage_class(u, buf);
	struct total *t;
	int i;

	memcpy(key, class, strlen(class));	/* at most 7 bytes, NUL-padded like a day */
	if ((t = total_of(s, MODEL_CLASS, u->provider, u->model, key)) == NULL)
		return -1;
	t->requests++;
	t->prompt_tokens += u->prompt_tokens;
	t->completion_tokens += u->completion_tokens;
	t->attempts += u->attempt > 0;
	t->fallbacks += u->attempt > 1;
	if (u->has_latency) {
		t->latency_sum += u->latency_ms;
		t->latency_n++;
		for (i = 0; i < USAGE_BUCKETS && u->latency_ms > usage_bucket_ms[i]; i++)
			continue;
		if (i < USAGE_BUCKETS)
			t->bucket[i]++;
	}
	return 0;
}

int
usage_sum_add(struct usage_sum *s, const struct usage *u)
{
	struct total *t;

	if (u->client != NULL) {
		if ((t = total_of(s, CLIENT_DAY, u->client, "", u->tsz)) == NULL) {
			err_warn("usage totals: out of memory");
			return -1;
		}
		t->requests++;
	}
	/* The class's totals first: adding them may move the array t points into. */
	if (class_add(s, u) == -1 ||
	    (t = total_of(s, MODEL_DAY, u->provider, u->model, u->tsz)) == NULL) {
		err_warn("usage totals: out of memory");
		return -1;
	}
	t->requests++;
	t->errors += failed(u);
	t->prompt_tokens += u->prompt_tokens;
	t->completion_tokens += u->completion_tokens;
	if (u->cached) {
		t->cached++;
		t->cached_tokens += u->prompt_tokens + u->completion_tokens;
	}
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
clear(struct usage_sum *s)
{
	for (size_t i = 0; i < strset_count(s->keys); i++)
		latency_hist_free(&s->totals[i].hist);
	strset_clear(s->keys);
}

/* The statements that write totals. */
enum { S_DAILY, S_LATENCY, S_CLIENT, S_TOTALS, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_DAILY] = "INSERT INTO usage_daily (provider, model, day, requests, errors, "
	    "prompt_tokens, completion_tokens, latency_sum, latency_n, cached, cached_tokens) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT (provider, model, day) DO UPDATE SET "
	    "requests = requests + excluded.requests, errors = errors + excluded.errors, "
	    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
	    "completion_tokens = completion_tokens + excluded.completion_tokens, "
	    "latency_sum = latency_sum + excluded.latency_sum, "
	    "latency_n = latency_n + excluded.latency_n, cached = cached + excluded.cached, "
	    "cached_tokens = cached_tokens + excluded.cached_tokens",
	[S_LATENCY] = "INSERT INTO usage_latency VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (day, provider, model) DO UPDATE SET "
	    "hist = afmts_hist_add(hist, excluded.hist)",
	[S_CLIENT] = ("INSERT INTO usage_clients VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (client, day) DO UPDATE SET requests = requests + excluded.requests"),
	[S_TOTALS] = "INSERT INTO usage_totals VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) "
	    "ON CONFLICT (provider, model, class) DO UPDATE SET "
	    "requests = requests + excluded.requests, "
	    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
	    "completion_tokens = completion_tokens + excluded.completion_tokens, "
	    "attempts = attempts + excluded.attempts, fallbacks = fallbacks + excluded.fallbacks, "
	    "latency_n = latency_n + excluded.latency_n, "
	    "latency_sum = latency_sum + excluded.latency_sum, "
	    "b50 = b50 + excluded.b50, b100 = b100 + excluded.b100, b250 = b250 + excluded.b250, "
	    "b500 = b500 + excluded.b500, b1000 = b1000 + excluded.b1000, "
	    "b2500 = b2500 + excluded.b2500, b5000 = b5000 + excluded.b5000, "
	    "b10000 = b10000 + excluded.b10000, b20000 = b20000 + excluded.b20000, "
	    "b30000 = b30000 + excluded.b30000, b60000 = b60000 + excluded.b60000, "
	    "b120000 = b120000 + excluded.b120000",
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
write_client(sqlite3 *db, sqlite3_stmt **st, const char *key, const struct total *t)
{
	const char *client = key + 1, *day = client + strlen(client) + 2;

	sqlite3_bind_text(st[S_CLIENT], 1, client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[S_CLIENT], 2, day, DAY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st[S_CLIENT], 3, t->requests);
	return step(db, st[S_CLIENT], "count the client's requests");
}

/* Write a model's lifetime totals of one status class. */
static int
write_class(sqlite3 *db, sqlite3_stmt **st, const char *key, const struct total *t)
{
	const char *provider = key + 1, *model = provider + strlen(provider) + 1;
	const char *class = model + strlen(model) + 1;
	sqlite3_stmt *s = st[S_TOTALS];
	const sqlite3_int64 v[] = { t->requests, t->prompt_tokens, t->completion_tokens,
	    t->attempts, t->fallbacks, t->latency_n, t->latency_sum };
	int i, n = (int)(sizeof v / sizeof v[0]);

	sqlite3_bind_text(s, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, class, -1, SQLITE_STATIC);
	for (i = 0; i < n; i++)
		sqlite3_bind_int64(s, 4 + i, v[i]);
	for (i = 0; i < USAGE_BUCKETS; i++)
		sqlite3_bind_int64(s, 4 + n + i, t->bucket[i]);
	return step(db, s, "add up the lifetime usage");
}

/* Write a model's day with the two upserts. */
static int
write_model(sqlite3 *db, sqlite3_stmt **st, const char *key, const struct total *t)
{
	const char *provider = key + 1, *model = provider + strlen(provider) + 1;
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
	sqlite3_bind_int64(daily, 10, t->cached);
	sqlite3_bind_int64(daily, 11, t->cached_tokens);
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

/* What a flush writes with: the statements, and the totals the keys index. */
struct flush {
	sqlite3		*db;
	sqlite3_stmt	*st[S_COUNT];
	const struct total *totals;
};

static int
write_total(void *arg, const char *key, size_t n, int64_t i)
{
	struct flush *f = arg;

	(void)n;
	if (key[0] == MODEL_CLASS)
		return write_class(f->db, f->st, key, &f->totals[i]);
	return key[0] == CLIENT_DAY ? write_client(f->db, f->st, key, &f->totals[i]) :
	    write_model(f->db, f->st, key, &f->totals[i]);
}

int
usage_sum_flush(struct usage_sum *s, sqlite3 *db)
{
	struct flush f = { db, { NULL }, s->totals };
	int code = CATALOG_ERROR;

	if (strset_count(s->keys) == 0)
		return CATALOG_OK;
	for (int i = 0; i < S_COUNT; i++)
		if ((f.st[i] = catalog_prepare(db, sql[i])) == NULL)
			goto out;
	code = strset_each(s->keys, write_total, &f);
out:
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(f.st[i]);
	clear(s);
	return code;
}

void
usage_sum_free(struct usage_sum *s)
{
	if (s == NULL)
		return;
	clear(s);
	strset_free(s->keys);
	free(s->totals);
	free(s);
}

long
usage_client_today(sqlite3 *db, const char *client, time_t now)
{
	sqlite3_stmt *st = catalog_prepare(db,
	    "SELECT coalesce(sum(requests), 0) FROM usage_clients WHERE client = ?1 AND day >= ?2");
	char day[UTCTIME_LEN];
	long n = -1;

	if (st == NULL || utctime_format(now, day) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, 10, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
