/*
 * fetch: which providers to ask, how, and what to do with each answer.
 *
 * The plan is made from the descriptors: URL (with ${VAR} taken from the
 * environment), the key from the variable the descriptor names, the
 * validators of the last good answer.  Each answer, as soon as it is in, is
 * archived raw, turned into a fetch record, written and flushed, and its
 * validators saved: a slow provider never holds back the others.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "condcache.h"
#include "err.h"
#include "fetch.h"
#include "fetchline.h"
#include "jsonl.h"
#include "paths.h"
#include "registry.h"
#include "runarchive.h"
#include "utctime.h"

/* Longest URL made from a descriptor, and longest ${VAR} value put in one. */
#define FETCH_MAX_URL 2048
#define FETCH_MAX_VAR 256

struct target {
	char *name;
	char *url;
	char *accept;
	char *key_env;			/* NULL when the request goes without a key */
	char *key_header;
	char *key_scheme;
	const char *key;		/* from getenv: not ours */
	struct condcache_entry cc;
};

struct run {
	const struct fetch_config *c;
	struct target *t;
	FILE *out;
	struct runarchive *archive;
	char *cache_dir;
	int failures;
	int local;			/* archive, cache or output failed */
};

/* A string member of the object d (borrowed), strdup'ed; NULL when absent or not a string. */
static char *
member(jv d, const char *k)
{
	jv v = jv_object_get(jv_copy(d), jv_string(k));
	char *s = jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;

	jv_free(v);
	return s;
}

static int
flag(jv d, const char *k, int dflt)
{
	jv v = jv_object_get(jv_copy(d), jv_string(k));
	int f = jv_get_kind(v) == JV_KIND_TRUE ? 1 : jv_get_kind(v) == JV_KIND_FALSE ? 0 : dflt;

	jv_free(v);
	return f;
}

/* 1 if every byte of s may go in a URL as it is (RFC 3986 unreserved). */
static int
url_safe(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("-._~", *s) == NULL)
			return 0;
	return 1;
}

/*
 * The URL with each ${VAR} replaced by the environment variable's value.
 * NULL after reporting (variable unset or unsafe, the key's own variable).
 */
static char *
expand_url(const char *provider, const char *tmpl, const char *key_env)
{
	char out[FETCH_MAX_URL], var[65];
	size_t n = 0;

	for (const char *p = tmpl; *p; ) {
		const char *end, *val;
		size_t vl, k;

		if (p[0] != '$' || p[1] != '{') {
			if (n + 1 >= sizeof out)
				goto long_url;
			out[n++] = *p++;
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL || (k = (size_t)(end - p - 2)) == 0 ||
		    k >= sizeof var) {
			err_warn("%s: models_url: bad ${...}, skipped", provider);
			return NULL;
		}
		memcpy(var, p + 2, k);
		var[k] = '\0';
		if (key_env != NULL && strcmp(var, key_env) == 0) {
			err_warn("%s: models_url must not hold the key (%s), skipped", provider, var);
			return NULL;
		}
		if ((val = getenv(var)) == NULL || *val == '\0') {
			err_warn("%s: %s is not set, skipped", provider, var);
			return NULL;
		}
		if ((vl = strlen(val)) > FETCH_MAX_VAR || !url_safe(val)) {
			err_warn("%s: %s is not a plain URL word, skipped", provider, var);
			return NULL;
		}
		if (n + vl >= sizeof out)
			goto long_url;
		memcpy(out + n, val, vl);
		n += vl;
		p = end + 1;
	}
	out[n] = '\0';
	return strdup(out);
long_url:
	err_warn("%s: models_url longer than %d bytes, skipped", provider, FETCH_MAX_URL);
	return NULL;
}

static void
target_free(struct target *t)
{
	free(t->name);
	free(t->url);
	free(t->accept);
	free(t->key_env);
	free(t->key_header);
	free(t->key_scheme);
}

/* 1 if a key can go in a header: printable, no spaces at the ends, bounded. */
static int
key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > 4096 || k[0] == ' ' || k[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * Fill t for descriptor d of provider name.  Returns 1 when it is to be
 * fetched, 0 when it is skipped (said why), -1 when out of memory.
 */
static int
target_make(struct target *t, const char *name, jv d, const char *cache_dir)
{
	jv auth = jv_object_get(jv_copy(d), jv_string("auth"));
	char *tmpl = member(d, "models_url");
	int pub = flag(d, "public", 0);

	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	t->accept = member(d, "accept");
	if (jv_get_kind(auth) == JV_KIND_OBJECT) {
		t->key_env = member(auth, "key_env");
		t->key_header = member(auth, "header");
		t->key_scheme = member(auth, "scheme");
	}
	jv_free(auth);
	if (t->name == NULL || tmpl == NULL) {
		free(tmpl);
		return -1;
	}
	t->url = expand_url(name, tmpl, t->key_env);
	free(tmpl);
	if (t->url == NULL)
		return 0;
	if (t->key_env != NULL) {
		const char *k = getenv(t->key_env);

		if (k != NULL && *k != '\0' && !key_ok(k)) {
			err_warn("%s: %s is not a usable key (control characters or spaces), skipped",
			    name, t->key_env);
			return 0;
		}
		if ((k == NULL || *k == '\0') && !pub) {
			err_warn("%s: %s is not set, skipped", name, t->key_env);
			return 0;
		}
		if (k != NULL && *k != '\0' && t->key_header != NULL)
			t->key = k;
	}
	if (cache_dir != NULL)
		condcache_load(cache_dir, name, t->url, &t->cc);
	return 1;
}

/* The targets to fetch, in name order; *n of them.  NULL with *status set on failure. */
static struct target *
plan(const struct fetch_config *c, const char *cache_dir, size_t *n, int *status)
{
	int bad;
	jv reg = registry_load(c->providers_dir, &bad), only = jv_null(), names;
	struct target *ts = NULL;
	int len;

	*n = 0;
	if (!jv_is_valid(reg)) {
		*status = FETCH_LOCAL;
		return NULL;
	}
	if (c->only != NULL && !jv_is_valid(only = registry_only(c->only))) {
		jv_free(reg);
		*status = CLI_USAGE;
		return NULL;
	}
	for (int i = 0; jv_get_kind(only) == JV_KIND_ARRAY && i < jv_array_length(jv_copy(only)); i++) {
		jv x = jv_array_get(jv_copy(only), i);
		int known = jv_object_has(jv_copy(reg), jv_copy(x));

		if (!known) {
			err_warn("--only: no provider named '%s'", jv_string_value(x));
			*status = CLI_USAGE;
		}
		jv_free(x);
	}
	names = jv_keys(jv_copy(reg));
	len = jv_array_length(jv_copy(names));
	if (*status == CLI_USAGE || (ts = calloc((size_t)len + 1, sizeof *ts)) == NULL) {
		if (*status != CLI_USAGE) {
			err_warn("out of memory");
			*status = FETCH_LOCAL;
		}
		goto out;
	}
	for (int i = 0; i < len; i++) {
		jv name = jv_array_get(jv_copy(names), i);
		jv d = jv_object_get(jv_copy(reg), jv_copy(name));
		int wanted = registry_only_has(only, jv_string_value(name)), rc = 0;

		/* Local servers ship disabled: asked for only by name. */
		if (wanted && (jv_get_kind(only) == JV_KIND_ARRAY || flag(d, "enabled", 1)))
			rc = target_make(&ts[*n], jv_string_value(name), d, cache_dir);
		if (rc == 1)
			(*n)++;
		else
			target_free(&ts[*n]);
		jv_free(name);
		jv_free(d);
		if (rc == -1) {
			err_warn("out of memory");
			*status = FETCH_LOCAL;
			break;
		}
	}
	if (bad > 0 && *status == 0)
		*status = CLI_PARTIAL;
out:
	jv_free(names);
	jv_free(only);
	jv_free(reg);
	if (*status == CLI_USAGE || *status == FETCH_LOCAL) {
		for (size_t i = 0; ts != NULL && i < *n; i++)
			target_free(&ts[i]);
		free(ts);
		return NULL;
	}
	return ts;
}

static void
dry_run(const struct target *ts, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &ts[i];

		fprintf(out, "%s\t%s\t%s%s\t%s%s%s\n", t->name, t->url,
		    t->key ? "key from " : t->key_env ? "anonymous, no " : "no key",
		    t->key ? t->key_env : t->key_env ? t->key_env : "",
		    t->cc.etag[0] ? "if-none-match " : "",
		    t->cc.last_modified[0] ? "if-modified-since" : "",
		    t->cc.etag[0] || t->cc.last_modified[0] ? "" : "unconditional");
	}
	fflush(out);
}

/* One line on stderr about an answer: always for failures, with -v for all. */
static void
say(const struct run *run, const char *name, const struct http_response *r, jv line)
{
	jv e = jv_object_get(jv_copy(line), jv_string("error"));

	if (jv_get_kind(e) == JV_KIND_OBJECT) {
		jv kind = jv_object_get(jv_copy(e), jv_string("kind"));
		jv msg = jv_object_get(jv_copy(e), jv_string("message"));

		err_warn("%s: %s: %s (%ld attempt%s, %ld ms)", name, jv_string_value(kind),
		    jv_string_value(msg), r->attempts, r->attempts == 1 ? "" : "s", r->elapsed_ms);
		jv_free(kind);
		jv_free(msg);
	} else if (run->c->verbose)
		err_warn("%s: %ld%s in %ld ms, %ld attempt%s, %zu bytes", name, r->status,
		    r->status == 304 ? " not modified" : "", r->elapsed_ms, r->attempts,
		    r->attempts == 1 ? "" : "s", r->len);
	jv_free(e);
}

/* http_run's callback: archive, record, cache, write.  Owns r. */
static void
on_done(void *ctx, size_t i, struct http_response *r)
{
	struct run *run = ctx;
	const struct target *t = &run->t[i];
	char now[UTCTIME_LEN];
	jv meta, line;
	int ok;

	utctime_format(utctime_now(), now);
	meta = fetchline_meta(t->name, t->url, now, r);
	if (run->archive != NULL && runarchive_add(run->archive, t->name, meta, r->body, r->len) == -1) {
		runarchive_abort(run->archive);
		run->archive = NULL;
		run->local = 1;
	}
	line = fetchline_finish(jv_copy(meta), r->body, r->len);
	ok = fetchline_ok(line);
	say(run, t->name, r, line);
	if (!ok)
		run->failures++;
	else if (run->cache_dir != NULL && r->status >= 200 && r->status <= 299 &&
	    condcache_save(run->cache_dir, t->name, t->url, r->headers, now) == -1)
		run->local = 1;
	if (jsonl_write(run->out, line) == -1)
		run->local = 1;
	jv_free(meta);
	http_response_free(r);
}

static int
status_of(const struct run *run)
{
	return run->local ? FETCH_LOCAL : run->failures ? CLI_PARTIAL : CLI_OK;
}

int
fetch_live(const struct fetch_config *c, FILE *out)
{
	struct run run = { .c = c, .out = out };
	struct http_request *reqs = NULL;
	size_t n = 0;
	int status = 0;

	if (c->use_cache) {
		char *state;

		if (c->cache_dir != NULL)
			run.cache_dir = strdup(c->cache_dir);
		else if ((state = paths_state_dir()) != NULL) {
			run.cache_dir = paths_join(state, "http-cache");
			free(state);
		}
		if (run.cache_dir == NULL) {
			err_warn("no state directory for the cache (HOME unset?); use --no-cache");
			return FETCH_LOCAL;
		}
	}
	if ((run.t = plan(c, run.cache_dir, &n, &status)) == NULL)
		goto out;
	if (c->dry_run) {
		dry_run(run.t, n, out);
		goto out;
	}
	if ((reqs = calloc(n ? n : 1, sizeof *reqs)) == NULL) {
		err_warn("out of memory");
		status = FETCH_LOCAL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &run.t[i];

		reqs[i] = (struct http_request){ t->name, t->url, t->accept, t->key, t->key_header,
		    t->key_scheme, t->cc.etag[0] ? t->cc.etag : NULL,
		    t->cc.last_modified[0] ? t->cc.last_modified : NULL };
	}
	if (c->archive_dir != NULL &&
	    (run.archive = runarchive_create(c->archive_dir, utctime_now())) == NULL) {
		status = FETCH_LOCAL;
		goto out;
	}
	if (http_run(reqs, n, &c->http, on_done, &run) == -1)
		run.local = 1;
	if (run.archive != NULL && runarchive_close(run.archive) == -1)
		run.local = 1;
	if (status_of(&run) > status)
		status = status_of(&run);
out:
	for (size_t i = 0; run.t != NULL && i < n; i++)
		target_free(&run.t[i]);
	free(run.t);
	free(reqs);
	free(run.cache_dir);
	return status;
}

int
fetch_replay(const char *file, const struct fetch_config *c, FILE *out)
{
	struct runreplay *r = runreplay_open(file, (size_t)c->http.max_size);
	struct run run = { .c = c, .out = out };
	jv only = jv_null(), meta;
	char *body;
	size_t len;
	int rc;

	if (r == NULL)
		return FETCH_LOCAL;
	if (c->only != NULL && !jv_is_valid(only = registry_only(c->only))) {
		runreplay_close(r);
		return CLI_USAGE;
	}
	while ((rc = runreplay_next(r, &meta, &body, &len)) != 0) {
		jv p, line;

		if (rc == -2) {
			run.local = 1;
			break;
		}
		if (rc == -1) {
			run.failures++;
			continue;
		}
		p = jv_object_get(jv_copy(meta), jv_string("provider"));
		if (registry_only_has(only, jv_string_value(p))) {
			line = fetchline_finish(jv_copy(meta), body, len);
			if (!fetchline_ok(line))
				run.failures++;
			if (jsonl_write(out, line) == -1)
				run.local = 1;
		}
		jv_free(p);
		jv_free(meta);
		free(body);
	}
	jv_free(only);
	runreplay_close(r);
	return status_of(&run);
}
