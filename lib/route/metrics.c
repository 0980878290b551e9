/*
 * metrics: the families of GET /metrics, read from usage_totals, the route
 * snapshot and the providers table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "health.h"
#include "metrics.h"
#include "routekeep.h"
#include "routesnap.h"
#include "strset.h"
#include "usage.h"
#include "utctime.h"
#include "utf8.h"

static metrics_load_fn *load_source;

void
metrics_set_load(metrics_load_fn *fn)
{
	load_source = fn;
}

void
metrics_label_value(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	while (*s != '\0') {
		if (*s == '\\' || *s == '"') {
			putc('\\', f);
			putc(*s++, f);
		} else if (*s == '\n') {
			fputs("\\n", f);
			s++;
		} else if ((n = utf8_len(s)) == 0) {
			fputs("\xef\xbf\xbd", f);
			s++;
		} else {
			fwrite(s, 1, (size_t)n, f);
			s += n;
		}
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{provider="p"[,model="m"][,k="v"]} with the sample's value to follow. */
static void
sample(FILE *f, const char *name, const char *provider, const char *model, const char *k,
    const char *v)
{
	fprintf(f, "%s{provider=\"", name);
	metrics_label_value(f, provider);
	if (model != NULL) {
		fputs("\",model=\"", f);
		metrics_label_value(f, model);
	}
	if (k != NULL) {
		fprintf(f, "\",%s=\"", k);
		metrics_label_value(f, v);
	}
	fputs("\"} ", f);
}

/* --- usage_totals ---------------------------------------------------------- */

enum { V_REQUESTS, V_PROMPT, V_COMPLETION, V_ATTEMPTS, V_FALLBACKS, V_LAT_N, V_LAT_SUM,
	V_BUCKET, V_COUNT = V_BUCKET + USAGE_BUCKETS };

struct row {
	char		*provider, *model;
	char		 class[8];
	int64_t		 v[V_COUNT];
};

struct totals {
	struct row	*r;
	size_t		 n, cap;
};

static void
totals_free(struct totals *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->r[i].provider);
		free(t->r[i].model);
	}
	free(t->r);
}

/* One row of the statement into t.  0, or -1 when out of memory. */
static int
totals_add(struct totals *t, sqlite3_stmt *st)
{
	struct row *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;

		if ((r = realloc(t->r, cap * sizeof *r)) == NULL)
			return -1;
		t->r = r;
		t->cap = cap;
	}
	r = &t->r[t->n];
	r->provider = strdup((const char *)sqlite3_column_text(st, 0));
	r->model = strdup((const char *)sqlite3_column_text(st, 1));
	snprintf(r->class, sizeof r->class, "%s", (const char *)sqlite3_column_text(st, 2));
	for (int i = 0; i < V_COUNT; i++)
		r->v[i] = sqlite3_column_int64(st, 3 + i);
	t->n++;
	if (r->provider == NULL || r->model == NULL)
		return -1;
	return 0;
}

static int
totals_read(sqlite3 *db, struct totals *t)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT provider, model, class, requests, "
	    "prompt_tokens, completion_tokens, attempts, fallbacks, latency_n, latency_sum, "
	    "b50, b100, b250, b500, b1000, b2500, b5000, b10000, b20000, b30000, b60000, b120000 "
	    "FROM usage_totals ORDER BY provider, model, class");
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (totals_add(t, st) == -1) {
			sqlite3_finalize(st);
			err_warn("metrics: out of memory");
			return -1;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(db, rc, "read usage_totals");
		return -1;
	}
	return 0;
}

/* The end of the model of row i: the first row of another model. */
static size_t
model_end(const struct totals *t, size_t i)
{
	size_t j = i + 1;

	while (j < t->n && strcmp(t->r[j].model, t->r[i].model) == 0 &&
	    strcmp(t->r[j].provider, t->r[i].provider) == 0)
		j++;
	return j;
}

/* Which classes a sum takes: all, successes (as usage_daily counts them), failures. */
enum { ALL, OK, FAILED };

static int
counts(const struct row *r, int which)
{
	int ok = strcmp(r->class, "2xx") == 0 || strcmp(r->class, "unknown") == 0;

	return which == ALL || (which == OK) == ok;
}

static int64_t
sum(const struct totals *t, size_t i, size_t j, int v, int which)
{
	int64_t s = 0;

	for (; i < j; i++)
		if (counts(&t->r[i], which))
			s += t->r[i].v[v];
	return s;
}

/* A counter per model of column v (over which classes); skip_zero leaves zeros out. */
static void
per_model(FILE *f, const struct totals *t, const char *name, int v, int which, int skip_zero)
{
	for (size_t i = 0, j; i < t->n; i = j) {
		int64_t s;

		j = model_end(t, i);
		if ((s = sum(t, i, j, v, which)) == 0 && skip_zero)
			continue;
		sample(f, name, t->r[i].provider, t->r[i].model, NULL, NULL);
		fprintf(f, "%lld\n", (long long)s);
	}
}

static void
histogram(FILE *f, const struct totals *t)
{
	static const char *const le[USAGE_BUCKETS] = { "0.05", "0.1", "0.25", "0.5", "1", "2.5",
	    "5", "10", "20", "30", "60", "120" };
	const char *name = "afmts_request_duration_seconds";

	family(f, name, "histogram", "Latency of successful requests (2xx or no status).");
	for (size_t i = 0, j; i < t->n; i = j) {
		const char *p = t->r[i].provider, *m = t->r[i].model;
		int64_t cum = 0;

		j = model_end(t, i);
		for (int b = 0; b < USAGE_BUCKETS; b++) {
			cum += sum(t, i, j, V_BUCKET + b, OK);
			sample(f, "afmts_request_duration_seconds_bucket", p, m, "le", le[b]);
			fprintf(f, "%lld\n", (long long)cum);
		}
		sample(f, "afmts_request_duration_seconds_bucket", p, m, "le", "+Inf");
		fprintf(f, "%lld\n", (long long)sum(t, i, j, V_LAT_N, OK));
		sample(f, "afmts_request_duration_seconds_sum", p, m, NULL, NULL);
		fprintf(f, "%.3f\n", (double)sum(t, i, j, V_LAT_SUM, OK) / 1000);
		sample(f, "afmts_request_duration_seconds_count", p, m, NULL, NULL);
		fprintf(f, "%lld\n", (long long)sum(t, i, j, V_LAT_N, OK));
	}
}

static void
usage_families(FILE *f, const struct totals *t)
{
	family(f, "afmts_requests_total", "counter",
	    "Requests by provider, model and status class (none: no answer).");
	for (size_t i = 0; i < t->n; i++) {
		sample(f, "afmts_requests_total", t->r[i].provider, t->r[i].model, "class",
		    t->r[i].class);
		fprintf(f, "%lld\n", (long long)t->r[i].v[V_REQUESTS]);
	}
	family(f, "afmts_request_errors_total", "counter",
	    "Failed requests (a status outside 200..299, or none).");
	per_model(f, t, "afmts_request_errors_total", V_REQUESTS, FAILED, 0);
	family(f, "afmts_tokens_total", "counter", "Tokens by direction (in: prompt, out: completion).");
	for (size_t i = 0, j; i < t->n; i = j) {
		j = model_end(t, i);
		sample(f, "afmts_tokens_total", t->r[i].provider, t->r[i].model, "direction", "in");
		fprintf(f, "%lld\n", (long long)sum(t, i, j, V_PROMPT, ALL));
		sample(f, "afmts_tokens_total", t->r[i].provider, t->r[i].model, "direction", "out");
		fprintf(f, "%lld\n", (long long)sum(t, i, j, V_COMPLETION, ALL));
	}
	histogram(f, t);
	family(f, "afmts_gateway_attempts_total", "counter",
	    "Attempts afmts-gateway made on the model.");
	per_model(f, t, "afmts_gateway_attempts_total", V_ATTEMPTS, ALL, 1);
	family(f, "afmts_gateway_fallbacks_total", "counter",
	    "Attempts on the model that were not their request's first (fallbacks).");
	per_model(f, t, "afmts_gateway_fallbacks_total", V_FALLBACKS, ALL, 1);
}

/* --- the route snapshot ------------------------------------------------------ */

int
metrics_each_judgment(sqlite3 *db, const char *catalog, time_t now, metrics_judgment_fn *fn,
    void *arg)
{
	struct routesnap s;
	int rc = 0;

	/* As a decision does: build the snapshot, or judge its expired entries again. */
	routekeep_refresh(db, catalog, now);
	if (routesnap_open(&s, catalog) == -1)
		return -1;
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		const char *p = routesnap_str(&s, i, RS_PROVIDER), *m = routesnap_str(&s, i, RS_MODEL);

		if (p != NULL && m != NULL)
			rc = fn(arg, p, m, &s.e[i].j);
	}
	routesnap_close(&s);
	return 0;
}

/* The judgments of the models with usage, in the order of their totals. */
struct judged {
	struct strset	*index;		/* "provider\0model" -> model number */
	struct routesnap_judgment *j;
	unsigned char	*have;
};

static int
judged_one(void *arg, const char *provider, const char *model, const struct routesnap_judgment *j)
{
	struct judged *jd = arg;
	size_t lp = strlen(provider) + 1, lm = strlen(model);
	char key[1024];

	if (lp + lm > sizeof key)
		return 0;
	memcpy(key, provider, lp);
	memcpy(key + lp, model, lm);
	if (strset_has(jd->index, key, lp + lm)) {
		int added;
		int64_t *k = strset_value(jd->index, key, lp + lm, &added);

		if (k != NULL) {
			jd->j[*k] = *j;
			jd->have[*k] = 1;
		}
	}
	return 0;
}

/* The judgments of t's models.  0, or -1 (none to be had, or out of memory). */
static int
judged_read(struct judged *jd, const struct totals *t, size_t models, sqlite3 *db,
    const char *catalog, time_t now)
{
	size_t k = 0;

	memset(jd, 0, sizeof *jd);
	if ((jd->index = strset_new()) == NULL || (jd->j = calloc(models + 1, sizeof *jd->j)) == NULL ||
	    (jd->have = calloc(models + 1, 1)) == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i = model_end(t, i), k++) {
		size_t lp = strlen(t->r[i].provider) + 1, lm = strlen(t->r[i].model);
		char key[1024];
		int64_t *v;
		int added;

		if (lp + lm > sizeof key)
			continue;
		memcpy(key, t->r[i].provider, lp);
		memcpy(key + lp, t->r[i].model, lm);
		if ((v = strset_value(jd->index, key, lp + lm, &added)) == NULL)
			return -1;
		*v = (int64_t)k;
	}
	return metrics_each_judgment(db, catalog, now, judged_one, jd);
}

static void
judged_free(struct judged *jd)
{
	strset_free(jd->index);
	free(jd->j);
	free(jd->have);
}

/* Seconds until a model judged j can take a request again: 0 now, -1 not known. */
static double
back_in(const struct routesnap_judgment *j, time_t now)
{
	int64_t until = 0;

	if (!health_usable((enum health_state)j->health_state)) {
		if (j->health_until == 0)
			return -1;
		until = j->health_until;
	}
	if (j->exhausted && j->budget_until > until)
		until = j->budget_until;
	return until > now ? (double)(until - now) : 0;
}

static void
judgment_families(FILE *f, const struct totals *t, const struct judged *jd, time_t now)
{
	static const enum health_state states[] = { HEALTH_CLOSED, HEALTH_HALF_OPEN,
	    HEALTH_COOLDOWN, HEALTH_OPEN, HEALTH_BENCHED, HEALTH_GONE };
	static const char *const names[] = { "afmts_model_breaker_state",
	    "afmts_model_available_in_seconds", "afmts_model_budget_exhausted",
	    "afmts_model_budget_day_left_ratio" };
	static const char *const help[] = {
	    "The model's circuit breaker: 1 for its state, 0 for the others.",
	    "Seconds until the model takes requests again (0: now; +Inf: not known).",
	    "1 when a rate limit of the model (or its provider) is used up.",
	    "Fraction of the requests-per-day limit left (1 without one)." };

	for (int fam = 0; fam < 4; fam++) {
		size_t k = 0;

		family(f, names[fam], "gauge", help[fam]);
		for (size_t i = 0; i < t->n; i = model_end(t, i), k++) {
			const struct routesnap_judgment *j = &jd->j[k];
			const char *p = t->r[i].provider, *m = t->r[i].model;
			double in;

			if (!jd->have[k])
				continue;
			if (fam == 0) {
				for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
					sample(f, names[0], p, m, "state", health_name(states[s]));
					fprintf(f, "%d\n", (int)states[s] == j->health_state);
				}
				continue;
			}
			sample(f, names[fam], p, m, NULL, NULL);
			if (fam == 1 && (in = back_in(j, now)) < 0)
				fputs("+Inf\n", f);
			else if (fam == 1)
				fprintf(f, "%.0f\n", in);
			else if (fam == 2)
				fprintf(f, "%d\n", j->exhausted != 0);
			else
				fprintf(f, "%.4f\n", j->day_left);
		}
	}
}

/* --- providers and the gateway ------------------------------------------------ */

static int
provider_families(sqlite3 *db, time_t now, FILE *f)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT p.name, p.last_ok_at, "
	    "p.last_observed_at IS NOT NULL AND p.last_observed_at = p.last_ok_at, "
	    "(SELECT count(*) FROM models m WHERE m.provider = p.name AND m.present = 1), "
	    "(SELECT count(*) FROM models m WHERE m.provider = p.name AND m.present = 1 "
	    "AND m.free = 1) FROM providers p ORDER BY p.name");
	static const char *const names[] = { "afmts_provider_models", "afmts_provider_free_models",
	    "afmts_provider_up", "afmts_provider_last_discovery_age_seconds" };
	static const char *const help[] = { "Models the provider lists now.",
	    "Free models the provider lists now.",
	    "1 when the provider's last discovery run observed it completely.",
	    "Seconds since the provider's last complete discovery run." };
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	for (int fam = 0; fam < 4 && rc == SQLITE_DONE; fam++) {
		family(f, names[fam], "gauge", help[fam]);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *p = (const char *)sqlite3_column_text(st, 0);
			const char *ok = (const char *)sqlite3_column_text(st, 1);
			time_t t;

			if (fam == 3 && (ok == NULL || utctime_parse(ok, &t) == -1))
				continue;
			sample(f, names[fam], p, NULL, NULL, NULL);
			if (fam == 3)
				fprintf(f, "%lld\n", (long long)(now - t));
			else
				fprintf(f, "%lld\n", (long long)sqlite3_column_int64(st, fam == 2 ? 2 : 3 + fam));
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(db, rc, "read providers");
		return -1;
	}
	return 0;
}

/* The gateway's own figures; a figure not known is left out, not written as 0. */
static void
load_families(FILE *f)
{
	struct metrics_load load = { -1, -1 };

	if (load_source == NULL)
		return;
	load_source(&load);
	if (load.in_flight >= 0) {
		family(f, "afmts_gateway_in_flight_requests", "gauge",
		    "Requests afmts-gateway is answering now.");
		fprintf(f, "afmts_gateway_in_flight_requests %ld\n", load.in_flight);
	}
	if (load.waiting >= 0) {
		family(f, "afmts_gateway_waiting_requests", "gauge",
		    "Requests afmts-gateway holds until a model can take them.");
		fprintf(f, "afmts_gateway_waiting_requests %ld\n", load.waiting);
	}
}

int
metrics_write(sqlite3 *db, const char *catalog, time_t now, FILE *f)
{
	struct totals t = { NULL, 0, 0 };
	struct judged jd;
	size_t models = 0;
	int rc = -1, snap;

	if (totals_read(db, &t) == -1)
		goto out;
	for (size_t i = 0; i < t.n; i = model_end(&t, i))
		models++;
	usage_families(f, &t);
	snap = judged_read(&jd, &t, models, db, catalog, now) == 0;
	family(f, "afmts_route_snapshot_available", "gauge",
	    "1 when the breaker and budget families were read from the route snapshot.");
	fprintf(f, "afmts_route_snapshot_available %d\n", snap);
	if (snap)
		judgment_families(f, &t, &jd, now);
	judged_free(&jd);
	if (provider_families(db, now, f) == -1)
		goto out;
	load_families(f);
	rc = 0;
out:
	totals_free(&t);
	return rc;
}
