/*
 * latency: histograms of latencies as varint BLOBs, and SQL functions on them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "latency.h"

#define MAX_VARINT 10

static size_t
slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static int
grow(struct latency_hist *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	uint64_t *key = calloc(cap, sizeof *key), *count = calloc(cap, sizeof *count);

	if (key == NULL || count == NULL) {
		free(key);
		free(count);
		return -1;
	}
	for (size_t i = 0; i < h->cap; i++) {
		size_t s;

		if (h->count[i] == 0)
			continue;
		for (s = slot_of(h->key[i], cap); count[s] != 0; s = (s + 1) & (cap - 1))
			;
		key[s] = h->key[i];
		count[s] = h->count[i];
	}
	free(h->key);
	free(h->count);
	h->key = key;
	h->count = count;
	h->cap = cap;
	return 0;
}

int
latency_hist_add(struct latency_hist *h, uint64_t key, uint64_t n)
{
	size_t s;

	if (n == 0)
		return 0;
	if ((h->n + 1) * 4 > h->cap * 3 && grow(h) == -1)
		return h->failed = 1, -1;
	for (s = slot_of(key, h->cap); h->count[s] != 0; s = (s + 1) & (h->cap - 1))
		if (h->key[s] == key) {
			h->count[s] += n;
			return 0;
		}
	h->key[s] = key;
	h->count[s] = n;
	h->n++;
	return 0;
}

void
latency_hist_free(struct latency_hist *h)
{
	free(h->key);
	free(h->count);
	memset(h, 0, sizeof *h);
}

static size_t
put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	return n;
}

/* Read a varint at *p (before end); -1 when it is cut or too long. */
static int
get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -1;
}

/* Add every pair of a BLOB to h.  0, or -1 if it is not a histogram. */
static int
hist_add_blob(struct latency_hist *h, const unsigned char *p, int len)
{
	const unsigned char *end = p + len;
	uint64_t key = 0, step, n;

	while (p < end) {
		if (get_varint(&p, end, &step) == -1 || get_varint(&p, end, &n) == -1)
			return -1;
		key += step;
		if (latency_hist_add(h, key, n) == -1)
			return -1;
	}
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];

	return x < y ? -1 : x > y;
}

unsigned char *
latency_hist_blob(const struct latency_hist *h, size_t *len)
{
	uint64_t *pairs;
	unsigned char *blob, *p;
	uint64_t prev = 0;
	size_t k = 0;

	*len = 0;
	if (h->failed || h->n == 0)
		return NULL;
	pairs = malloc(h->n * 2 * sizeof *pairs);
	blob = malloc(h->n * 2 * MAX_VARINT);
	if (pairs == NULL || blob == NULL) {
		free(pairs);
		free(blob);
		return NULL;
	}
	for (size_t i = 0; i < h->cap; i++)
		if (h->count[i] != 0) {
			pairs[2 * k] = h->key[i];
			pairs[2 * k + 1] = h->count[i];
			k++;
		}
	qsort(pairs, h->n, 2 * sizeof *pairs, by_key);
	p = blob;
	for (size_t i = 0; i < h->n; i++) {
		p += put_varint(p, pairs[2 * i] - prev);
		p += put_varint(p, pairs[2 * i + 1]);
		prev = pairs[2 * i];
	}
	free(pairs);
	*len = (size_t)(p - blob);
	return blob;
}

/* Set the function's result to h as a BLOB (NULL when empty). */
static void
result_hist(sqlite3_context *ctx, struct latency_hist *h)
{
	size_t len;
	unsigned char *blob = latency_hist_blob(h, &len);

	if (blob != NULL)
		sqlite3_result_blob64(ctx, blob, len, free);
	else if (h->failed || h->n > 0)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_null(ctx);
}

/* The aggregate's histogram: a struct latency_hist * kept in SQLite's context. */
static struct latency_hist *
agg_hist(sqlite3_context *ctx, int create)
{
	struct latency_hist **hp = sqlite3_aggregate_context(ctx, create ? (int)sizeof *hp : 0);

	if (hp == NULL)
		return NULL;
	if (*hp == NULL && create)
		*hp = calloc(1, sizeof **hp);
	return *hp;
}

static void
hist_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct latency_hist *h = agg_hist(ctx, 1);
	sqlite3_int64 v;

	(void)argc;
	if (h == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER || (v = sqlite3_value_int64(argv[0])) < 0)
		return;		/* no latency, or not one */
	if (latency_hist_add(h, (uint64_t)v, 1) == -1)
		sqlite3_result_error_nomem(ctx);
}

static void
merge_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct latency_hist *h = agg_hist(ctx, 1);

	(void)argc;
	if (h == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
	    hist_add_blob(h, sqlite3_value_blob(argv[0]), sqlite3_value_bytes(argv[0])) == -1)
		sqlite3_result_error(ctx, "afmts_hist_merge: not a latency histogram", -1);
}

static void
hist_final(sqlite3_context *ctx)
{
	struct latency_hist *h = agg_hist(ctx, 0), empty = { 0 };

	result_hist(ctx, h ? h : &empty);
	if (h != NULL) {
		latency_hist_free(h);
		free(h);
	}
}

/* Add a value (a histogram BLOB or NULL) to h; -1 if it is something else. */
static int
add_value(struct latency_hist *h, sqlite3_value *v)
{
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return 0;
	if (sqlite3_value_type(v) != SQLITE_BLOB)
		return -1;
	return hist_add_blob(h, sqlite3_value_blob(v), sqlite3_value_bytes(v));
}

static void
hist_sum(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct latency_hist h = { 0 };

	(void)argc;
	if (add_value(&h, argv[0]) == -1 || add_value(&h, argv[1]) == -1) {
		if (!h.failed)
			sqlite3_result_error(ctx, "afmts_hist_add: not a latency histogram", -1);
		else
			sqlite3_result_error_nomem(ctx);
	} else {
		result_hist(ctx, &h);
	}
	latency_hist_free(&h);
}

static void
hist_rank(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *p, *end, *start;
	uint64_t key = 0, step, n, total = 0, cum = 0;
	double pct = sqlite3_value_double(argv[1]);

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB || !(pct > 0 && pct <= 100)) {
		sqlite3_result_null(ctx);
		return;
	}
	start = sqlite3_value_blob(argv[0]);
	end = start + sqlite3_value_bytes(argv[0]);
	for (p = start; p < end; total += n)
		if (get_varint(&p, end, &step) == -1 || get_varint(&p, end, &n) == -1) {
			sqlite3_result_error(ctx, "afmts_hist_rank: not a latency histogram", -1);
			return;
		}
	for (p = start; p < end; ) {
		get_varint(&p, end, &step);
		get_varint(&p, end, &n);
		key += step;
		cum += n;
		/* cum >= pct% of total, in exact arithmetic for whole percentages. */
		if ((double)cum * 100 >= pct * (double)total) {
			sqlite3_result_int64(ctx, (sqlite3_int64)key);
			return;
		}
	}
	sqlite3_result_null(ctx);
}

int
latency_register(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "afmts_hist", 1, flags, NULL, NULL, hist_step,
	    hist_final) != SQLITE_OK ||
	    sqlite3_create_function(db, "afmts_hist_merge", 1, flags, NULL, NULL, merge_step,
	    hist_final) != SQLITE_OK ||
	    sqlite3_create_function(db, "afmts_hist_add", 2, flags, NULL, hist_sum, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "afmts_hist_rank", 2, flags, NULL, hist_rank, NULL,
	    NULL) != SQLITE_OK) {
		err_warn("latency functions: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
