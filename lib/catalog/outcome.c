/*
 * outcome: the usage store's one outcome (usage.h): a usage row, its day's
 * totals and learned rate limits, written together.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "catalog.h"
#include "fnv.h"
#include "names.h"
#include "param.h"
#include "usage.h"

void
outcome_init(struct outcome *o, time_t now)
{
	memset(o, 0, sizeof *o);
	o->now = now;
}

/* A kept copy of s when it is text of 1..max bytes without control characters. */
static const char *
text(struct outcome *o, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !names_clean_text(s, n))
		return NULL;
	return strpool_keep(&o->store, s);
}

/* A kept copy of s (checked by the table); NULL for the setter's "too long". */
static const char *
kept(void *o, const char *s, const char **slot)
{
	*slot = strpool_keep(&((struct outcome *)o)->store, s);
	return *slot == NULL ? "the outcome is too long" : NULL;
}

static const char *
set_provider(void *o, const char *v, double d)
{
	(void)d;
	if (!names_provider_ok(v))
		return "provider must be a provider name";
	return kept(o, v, &((struct outcome *)o)->u.provider);
}

static const char *
set_model(void *o, const char *v, double d)
{
	(void)d;
	return kept(o, v, &((struct outcome *)o)->u.model);
}

static const char *
set_request_id(void *o, const char *v, double d)
{
	(void)d;
	return kept(o, v, &((struct outcome *)o)->u.request_id);
}

static const char *
set_client(void *o, const char *v, double d)
{
	(void)d;
	return kept(o, v, &((struct outcome *)o)->u.client);
}

static const char *
set_error(void *o, const char *v, double d)
{
	(void)d;
	return kept(o, v, &((struct outcome *)o)->u.error);
}

static const char *
set_status(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.status = (int64_t)d;
	((struct outcome *)o)->u.has_status = 1;
	return NULL;
}

static const char *
set_latency(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.latency_ms = (int64_t)d;
	((struct outcome *)o)->u.has_latency = 1;
	return NULL;
}

static const char *
set_prompt_tokens(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.prompt_tokens = (int64_t)d;
	return NULL;
}

static const char *
set_completion_tokens(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.completion_tokens = (int64_t)d;
	return NULL;
}

static const char *
set_retry_after(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.retry_after = (int64_t)d;
	((struct outcome *)o)->u.has_retry_after = 1;
	return NULL;
}

static const char *
set_estimated(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.estimated = d > 0;
	return NULL;
}

static const char *
set_attempt(void *o, const char *v, double d)
{
	(void)v;
	((struct outcome *)o)->u.attempt = (int)d;
	return NULL;
}

static const struct param outcome_tokens[] = {
	{ "prompt_tokens", NULL, PARAM_DIGITS, 0, USAGE_MAX_TOKENS,
	    "tokens must be IN,OUT, whole numbers up to 1e9", set_prompt_tokens },
	{ "completion_tokens", NULL, PARAM_DIGITS, 0, USAGE_MAX_TOKENS,
	    "tokens must be IN,OUT, whole numbers up to 1e9", set_completion_tokens },
};

/* "IN,OUT": prompt and completion tokens, each checked as its own field is. */
static const char *
set_tokens(void *o, const char *v, double d)
{
	const char *comma = strchr(v, ','), *why;
	char in[24];

	(void)d;
	if (comma == NULL || (size_t)(comma - v) >= sizeof in)
		return "tokens must be IN,OUT";
	memcpy(in, v, (size_t)(comma - v));
	in[comma - v] = '\0';
	if ((why = param_apply(&outcome_tokens[0], o, in)) != NULL)
		return why;
	return param_apply(&outcome_tokens[1], o, comma + 1);
}

const struct param outcome_params[] = {
	{ "provider", NULL, PARAM_ANY, 0, 0, NULL, set_provider },
	{ "model", "report", PARAM_TEXT, 0, NAMES_MODEL_MAX,
	    "model must be 1 to 512 bytes without control characters", set_model },
	{ "status", "status", PARAM_DIGITS, 0, 599,
	    "status must be an HTTP status (0 when there was no response)", set_status },
	{ "latency_ms", "latency", PARAM_DIGITS, 0, USAGE_MAX_LATENCY,
	    "latency must be whole milliseconds", set_latency },
	{ "prompt_tokens", NULL, PARAM_DIGITS, 0, USAGE_MAX_TOKENS,
	    "prompt_tokens must be a whole number up to 1e9", set_prompt_tokens },
	{ "completion_tokens", NULL, PARAM_DIGITS, 0, USAGE_MAX_TOKENS,
	    "completion_tokens must be a whole number up to 1e9", set_completion_tokens },
	{ "tokens", "tokens", PARAM_ANY, 0, 0, NULL, set_tokens },
	{ "retry_after", "retry-after", PARAM_DIGITS, 0, USAGE_MAX_RETRY_AFTER,
	    "retry_after must be whole seconds, at most a week", set_retry_after },
	{ "request_id", "request-id", PARAM_TEXT, 0, USAGE_MAX_ID,
	    "request_id must be 1 to 128 printable bytes", set_request_id },
	{ "client", "client", PARAM_TEXT, 0, USAGE_MAX_ID,
	    "client must be 1 to 128 printable bytes", set_client },
	{ "error", "error", PARAM_TEXT, 0, USAGE_MAX_TEXT,
	    "error must be 1 to 1024 printable bytes", set_error },
	{ "estimated", NULL, PARAM_DIGITS, 0, 1,
	    "estimated must be 1 (the tokens are an estimate) or 0", set_estimated },
	{ "attempt", NULL, PARAM_DIGITS, 1, 100,
	    "attempt must be 1 (the first model tried) to 100", set_attempt },
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

/* An x-ratelimit-* header of a provider's answer, kept as its word on what is left. */
static const char *
ratelimit_header(struct outcome *o, const char *name, const char *value)
{
	if (o->nheaders == OUTCOME_MAX_HEADERS)
		return "at most 16 x-ratelimit headers";
	if ((o->header_name[o->nheaders] = text(o, name, 64)) == NULL ||
	    (o->header_value[o->nheaders] = text(o, value, 64)) == NULL)
		return "an x-ratelimit header must be short printable text";
	o->nheaders++;
	return NULL;
}

const char *
outcome_param(struct outcome *o, const char *name, const char *value)
{
	const struct param *p;

	if (strncasecmp(name, "x-ratelimit-", 12) == 0)
		return ratelimit_header(o, name, value);
	if ((p = param_named(outcome_params, name)) == NULL)
		return "unknown field";
	return param_apply(p, o, value);
}

const char *
outcome_header(struct outcome *o, const char *line)
{
	char name[65];
	const char *colon = strchr(line, ':'), *v;
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - line)) == 0 || n >= sizeof name)
		return "a header must be 'Name: value'";
	memcpy(name, line, n);
	name[n] = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		continue;
	if (strcasecmp(name, "retry-after") == 0)
		return outcome_param(o, "retry_after", v);
	if (strncasecmp(name, "x-ratelimit-", 12) != 0)
		return "only x-ratelimit-* and retry-after headers are kept";
	return outcome_param(o, name, v);
}

/*
 * A reset header's time: a duration ("2m59.56s", "7.66s", "250ms", "30"), or
 * an epoch time in seconds or milliseconds (OpenRouter).  -1 if none.
 */
static time_t
reset_time(const char *s, time_t now)
{
	double total = 0, v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	if (*end == '\0') {
		if (v > 1e12)
			return (time_t)(v / 1000);
		return v > 1e9 ? (time_t)v : now + (time_t)ceil(v);
	}
	for (;;) {
		if (strncmp(end, "ms", 2) == 0) {
			total += v / 1000;
			end += 2;
		} else if (*end == 'h' || *end == 'm' || *end == 's') {
			total += v * (*end == 'h' ? 3600 : *end == 'm' ? 60 : 1);
			end++;
		} else {
			return -1;
		}
		if (*end == '\0')
			break;
		s = end;
		v = strtod(s, &end);
		if (end == s || !isfinite(v) || v < 0)
			return -1;
	}
	return total > 1e7 ? -1 : now + (time_t)ceil(total);
}

/* "limit", "remaining" or "reset" and the kind of an x-ratelimit header. */
static int
split_header(const char *name, char *field, char *kind, size_t n)
{
	const char *rest = name + 12, *dash;
	size_t k;

	dash = strchr(rest, '-');
	k = dash != NULL ? (size_t)(dash - rest) : strlen(rest);
	if (k == 0 || k >= n)
		return -1;
	memcpy(field, rest, k);
	field[k] = '\0';
	for (char *p = field; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(field, "limit") != 0 && strcmp(field, "remaining") != 0 &&
	    strcmp(field, "reset") != 0)
		return -1;
	snprintf(kind, n, "%s", dash != NULL ? dash + 1 : "requests");
	for (char *p = kind; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

static int
step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return catalog_fail(db, rc, what);
	return CATALOG_OK;
}

/* Provider of a model when o did not name one; a message when it cannot. */
static int
resolve(sqlite3 *db, struct outcome *o, char *msg, size_t n)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT provider FROM models WHERE model = ?1 "
	    "ORDER BY present DESC, provider LIMIT 2");
	int rows = 0, rc;

	if (st == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_text(st, 1, o->u.model, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows++ == 0)
			o->u.provider = strpool_keep(&o->store, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return catalog_fail(db, rc, "find the model's provider") == CATALOG_BUSY ?
		    OUTCOME_BUSY : OUTCOME_ERROR;
	if (rows == 1 && o->u.provider != NULL)
		return OUTCOME_OK;
	snprintf(msg, n, rows == 0 ? "model not in the catalog: name its provider" :
	    "model offered by several providers: name one");
	return OUTCOME_INVALID;
}

/* Whether the model's limits are the provider's (scope provider, key or ip): 1, 0, or -1. */
static int
shared_limits(sqlite3 *db, struct outcome *o)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT json_extract(limits, '$.scope') "
	    "IN ('provider', 'key', 'ip') FROM models WHERE provider = ?1 AND model = ?2");
	int shared = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, o->u.provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->u.model, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		shared = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return shared;
}

/* Drop the learned limits that o's model answered without (the headers': not the account's). */
static int
forget(sqlite3 *db, struct outcome *o)
{
	int shared = shared_limits(db, o), code;
	sqlite3_stmt *st;

	if (shared == -1 || (st = catalog_prepare(db, "DELETE FROM ratelimits "
	    "WHERE provider = ?1 AND model = ?2 AND kind NOT LIKE 'account:%'")) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_text(st, 1, o->u.provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, shared ? "" : o->u.model, -1, SQLITE_STATIC);
	code = step_done(db, st, "forget rate limits");
	sqlite3_finalize(st);
	return code;
}

/* The learned limits of the headers, per kind. */
static int
learn(sqlite3 *db, struct outcome *o, const char *at)
{
	struct {
		char	 kind[48];
		int	 has_lim, has_rem, has_reset;
		long long	 lim, rem;
		time_t	 reset;
	} k[OUTCOME_MAX_HEADERS];
	int nk = 0, code = CATALOG_OK, shared = 0;
	sqlite3_stmt *st;

	memset(k, 0, sizeof k);
	for (int i = 0; i < o->nheaders; i++) {
		char field[16], kind[48];
		int j;

		if (split_header(o->header_name[i], field, kind, sizeof kind) == -1)
			continue;
		for (j = 0; j < nk && strcmp(k[j].kind, kind) != 0; j++)
			continue;
		if (j == nk)
			snprintf(k[nk++].kind, sizeof k[0].kind, "%s", kind);
		if (strcmp(field, "limit") == 0)
			k[j].has_lim = param_digits(o->header_value[i], INT64_MAX / 2, &k[j].lim) == 0;
		else if (strcmp(field, "remaining") == 0)
			k[j].has_rem = param_digits(o->header_value[i], INT64_MAX / 2, &k[j].rem) == 0;
		else
			k[j].has_reset = (k[j].reset = reset_time(o->header_value[i], o->now)) != -1;
	}
	/* An answer without them: the provider stopped saying, and what it said goes. */
	if (nk == 0)
		return o->u.status >= 200 && o->u.status <= 299 ? forget(db, o) : CATALOG_OK;
	/* A provider-wide limit is learned for all its models at once. */
	if ((shared = shared_limits(db, o)) == -1)
		return CATALOG_ERROR;
	if ((st = catalog_prepare(db, "INSERT OR REPLACE INTO ratelimits (provider, model, kind, "
	    "lim, remaining, reset_at, observed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
		return CATALOG_ERROR;
	for (int j = 0; j < nk && code == CATALOG_OK; j++) {
		char reset[UTCTIME_LEN];

		sqlite3_bind_text(st, 1, o->u.provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, shared ? "" : o->u.model, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, k[j].kind, -1, SQLITE_STATIC);
		catalog_bind_int64(st, 4, k[j].has_lim, k[j].lim);
		catalog_bind_int64(st, 5, k[j].has_rem, k[j].rem);
		catalog_bind_text(st, 6, k[j].has_reset && utctime_format(k[j].reset, reset) == 0 ?
		    reset : NULL);
		sqlite3_bind_text(st, 7, at, -1, SQLITE_STATIC);
		code = step_done(db, st, "record rate limits");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return code;
}

static int
code_of(int catalog_code)
{
	return catalog_code == CATALOG_OK ? OUTCOME_OK :
	    catalog_code == CATALOG_BUSY ? OUTCOME_BUSY : OUTCOME_ERROR;
}

int
outcome_record(sqlite3 *db, struct outcome *o, char *msg, size_t n)
{
	struct usage *u = &o->u;
	sqlite3_stmt *st = NULL;
	struct usage_sum *sum = NULL;
	struct usage_keys *keys = NULL;
	struct timespec ts;
	int code;

	if (u->model == NULL || !u->has_status) {
		snprintf(msg, n, "an outcome needs a model and a status");
		return OUTCOME_INVALID;
	}
	if (utctime_format(o->now, u->tsz) == -1) {
		snprintf(msg, n, "the clock is out of range");
		return OUTCOME_INVALID;
	}
	u->ts = u->tsz;
	u->t = (int64_t)o->now;
	if ((code = catalog_exec(db, "BEGIN IMMEDIATE")) != CATALOG_OK)
		return code_of(code);
	if (u->provider == NULL && (code = resolve(db, o, msg, n)) != OUTCOME_OK)
		goto fail;
	usage_digest(u);
	/* Without a request id, two equal outcomes in one second are still two. */
	if (u->request_id == NULL) {
		clock_gettime(CLOCK_REALTIME, &ts);
		u->dedupe ^= (int64_t)fnv1a(fnv1a(FNV_SEED, &ts, sizeof ts), &(pid_t){ getpid() },
		    sizeof(pid_t));
	}
	code = OUTCOME_ERROR;
	if ((st = catalog_prepare(db, USAGE_INSERT)) == NULL || (sum = usage_sum_new()) == NULL ||
	    (keys = usage_keys_new(db)) == NULL ||
	    (u->mid = usage_keys_of(keys, u->provider, u->model)) == -1)
		goto fail;
	usage_bind(st, u);
	if ((code = code_of(step_done(db, st, "record the outcome"))) != OUTCOME_OK)
		goto fail;
	code = OUTCOME_ERROR;
	if (sqlite3_changes(db) > 0 && usage_sum_add(sum, u) == -1)
		goto fail;
	/* A cache hit came with no headers from anyone: it teaches and forgets nothing. */
	if ((code = code_of(usage_sum_flush(sum, db))) != OUTCOME_OK ||
	    (!u->cached && (code = code_of(learn(db, o, u->tsz))) != OUTCOME_OK))
		goto fail;
	sqlite3_finalize(st);
	usage_sum_free(sum);
	usage_keys_free(keys);
	return code_of(catalog_exec(db, "COMMIT"));
fail:
	sqlite3_finalize(st);
	usage_sum_free(sum);
	usage_keys_free(keys);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return code;
}
