/*
 * fetch: which providers to ask, how, and what to do with each answer.
 *
 * The plan is made from the descriptors: URL (with ${VAR} taken from the
 * environment), the key from the variable the descriptor names, the
 * validators of the last good answer, the descriptor's extra headers.  Each
 * answer, as soon as it is in, is archived raw, turned into a fetch record,
 * written and flushed, and its validators saved: a slow provider never holds
 * back the others.  A paged list (the descriptor's "pages") goes on page after
 * page on the same transfer, and is written as one record once all are in.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "condcache.h"
#include "err.h"
#include "fetch.h"
#include "fetchline.h"
#include "jsonl.h"
#include "pagerule.h"
#include "pages.h"
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
	char **headers;			/* "Name: value" lines, NULL-terminated */
	jv retired;			/* why it is not asked (see fetchline_retirement), or null */
	jv paging;			/* the descriptor's "pages", or null */
	jv follow;			/* the descriptor's "follow", or null */
	struct pages *pages;		/* its pages so far, while fetching */
	struct condcache_entry cc;
};

struct run {
	const struct fetch_config *c;
	struct target *t;
	size_t *asked;			/* request i is target asked[i] */
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
	for (size_t i = 0; t->headers != NULL && t->headers[i] != NULL; i++)
		free(t->headers[i]);
	free(t->headers);
	jv_free(t->paging);
	jv_free(t->follow);
	jv_free(t->retired);
	pages_free(t->pages);
}

/*
 * The descriptor's "headers" (checked when it was loaded) as "Name: value"
 * lines; an Accept among them replaces the default.  0, or -1 out of memory.
 */
static int
target_headers(struct target *t, jv d)
{
	jv h = jv_object_get(jv_copy(d), jv_string("headers")), keys;
	int n, k = 0, rc = 0;

	if (jv_get_kind(h) != JV_KIND_OBJECT) {
		jv_free(h);
		return 0;
	}
	keys = jv_keys(jv_copy(h));
	n = jv_array_length(jv_copy(keys));
	if ((t->headers = calloc((size_t)n + 1, sizeof *t->headers)) == NULL)
		rc = -1;
	for (int i = 0; i < n && rc == 0; i++) {
		jv name = jv_array_get(jv_copy(keys), i);
		jv v = jv_object_get(jv_copy(h), jv_copy(name));
		const char *s = jv_string_value(name), *val = jv_string_value(v);
		size_t len = strlen(s) + strlen(val) + 3;

		if (strcasecmp(s, "accept") == 0) {
			free(t->accept);
			rc = (t->accept = strdup(val)) == NULL ? -1 : 0;
		} else if ((t->headers[k] = malloc(len)) == NULL) {
			rc = -1;
		} else {
			snprintf(t->headers[k++], len, "%s: %s", s, val);
		}
		jv_free(name);
		jv_free(v);
	}
	jv_free(keys);
	jv_free(h);
	return rc;
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
 * The follow steps (consumed) but those asked only when a key is given
 * ("when": "key"); null when none is left.  The archive keeps the steps
 * that were asked, so a replay asks the same.
 */
static jv
without_key_steps(jv follow)
{
	jv kept;

	if (jv_get_kind(follow) != JV_KIND_ARRAY)
		return follow;
	kept = jv_array();
	jv_array_foreach(follow, i, step) {
		if (pagerule_str(step, "when") == NULL)
			kept = jv_array_append(kept, step);
		else
			jv_free(step);
	}
	jv_free(follow);
	if (jv_array_length(jv_copy(kept)) > 0)
		return kept;
	jv_free(kept);
	return jv_null();
}

/*
 * Fill t for descriptor d of provider name.  Returns 1 when it is to be
 * fetched, 0 when it is skipped (said why), -1 when out of memory.
 */
static int
target_make(struct target *t, const char *name, jv d, const char *cache_dir)
{
	jv auth = jv_object_get(jv_copy(d), jv_string("auth"));
	char *tmpl = member(d, "models_url"), *since;
	int pub = flag(d, "public", 0);

	memset(t, 0, sizeof *t);
	t->retired = jv_null();
	t->paging = jv_object_get(jv_copy(d), jv_string("pages"));
	if (jv_get_kind(t->paging) != JV_KIND_OBJECT) {
		jv_free(t->paging);
		t->paging = jv_null();
	}
	t->follow = jv_object_get(jv_copy(d), jv_string("follow"));
	if (jv_get_kind(t->follow) != JV_KIND_ARRAY) {
		jv_free(t->follow);
		t->follow = jv_null();
	}
	t->name = strdup(name);
	t->accept = member(d, "accept");
	if (jv_get_kind(auth) == JV_KIND_OBJECT) {
		t->key_env = member(auth, "key_env");
		t->key_header = member(auth, "header");
		t->key_scheme = member(auth, "scheme");
	}
	jv_free(auth);
	if (t->name == NULL || tmpl == NULL || target_headers(t, d) == -1) {
		free(tmpl);
		return -1;
	}
	t->url = expand_url(name, tmpl, t->key_env);
	free(tmpl);
	if (t->url == NULL)
		return 0;
	/* A retired provider is not asked: no key needed, no failure, no noise. */
	if ((since = member(d, "retired")) != NULL) {
		char *source = member(d, "retired_source");

		t->retired = fetchline_retirement(since, "provider retired", source);
		free(since);
		free(source);
		return 1;
	}
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
	if (t->key == NULL)
		t->follow = without_key_steps(t->follow);
	if (cache_dir != NULL)
		condcache_load(cache_dir, name, t->url, &t->cc);
	/* A list that answered 410 Gone is not asked again (until its URL changes). */
	if (t->cc.gone[0] != '\0')
		t->retired = fetchline_retirement(t->cc.gone, "gone (410)", NULL);
	/*
	 * One page's validators say nothing of the others, nor a list's of the
	 * requests that follow it: a paged or followed list is asked whole.
	 */
	if (jv_get_kind(t->paging) == JV_KIND_OBJECT || jv_get_kind(t->follow) == JV_KIND_ARRAY)
		t->cc.etag[0] = t->cc.last_modified[0] = '\0';
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
		*status = CLI_FAILED;
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
			*status = CLI_FAILED;
		}
		goto out;
	}
	for (int i = 0; i < len; i++) {
		jv name = jv_array_get(jv_copy(names), i);
		jv d = jv_object_get(jv_copy(reg), jv_copy(name));
		int wanted = registry_only_has(only, jv_string_value(name)), rc = 0;

		ts[*n].paging = ts[*n].follow = ts[*n].retired = jv_null();

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
			*status = CLI_FAILED;
			break;
		}
	}
	if (bad > 0 && *status == 0)
		*status = CLI_PARTIAL;
out:
	jv_free(names);
	jv_free(only);
	jv_free(reg);
	if (*status == CLI_USAGE || *status == CLI_FAILED) {
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

		if (jv_get_kind(t->retired) == JV_KIND_OBJECT) {
			jv since = jv_object_get(jv_copy(t->retired), jv_string("since"));
			jv why = jv_object_get(jv_copy(t->retired), jv_string("reason"));

			fprintf(out, "%s\t%s\tnot fetched\tretired since %s: %s\t\n", t->name, t->url,
			    jv_string_value(since), jv_string_value(why));
			jv_free(since);
			jv_free(why);
			continue;
		}
		fprintf(out, "%s\t%s\t%s%s\t%s%s%s\t", t->name, t->url,
		    t->key ? "key from " : t->key_env ? "anonymous, no " : "no key",
		    t->key ? t->key_env : t->key_env ? t->key_env : "",
		    t->cc.etag[0] ? "if-none-match " : "",
		    t->cc.last_modified[0] ? "if-modified-since" : "",
		    t->cc.etag[0] || t->cc.last_modified[0] ? "" :
		    jv_get_kind(t->paging) == JV_KIND_OBJECT ? "unconditional, paged" : "unconditional");
		fprintf(out, "Accept: %s", t->accept ? t->accept : "application/json");
		for (size_t k = 0; t->headers != NULL && t->headers[k] != NULL; k++)
			fprintf(out, "; %s", t->headers[k]);
		fputc('\n', out);
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

/*
 * A page's meta as the archive keeps it: page 1 of a paged or followed list
 * carries the descriptor's rules (replay joins the pages by them), later
 * pages their number.
 */
static jv
page_meta(const struct target *t, jv meta, long page)
{
	if (page > 1)
		return jv_object_set(meta, jv_string("page"), jv_number((double)page));
	if (jv_get_kind(t->paging) == JV_KIND_OBJECT)
		meta = jv_object_set(meta, jv_string("paging"), jv_copy(t->paging));
	if (jv_get_kind(t->follow) == JV_KIND_ARRAY)
		meta = jv_object_set(meta, jv_string("follow"), jv_copy(t->follow));
	return meta;
}

/* Write a provider's record (consumed) once all its pages are in. */
static void
put_record(struct run *run, jv line)
{
	if (!fetchline_ok(line))
		run->failures++;
	if (jsonl_write(run->out, line) == -1)
		run->local = 1;
}

/* The record of a provider not asked because it is retired: archived and written. */
static void
retired(struct run *run, const struct target *t)
{
	char now[UTCTIME_LEN];
	jv line;

	utctime_format(utctime_now(), now);
	line = fetchline_retired(t->name, t->url, now, jv_copy(t->retired));
	if (run->c->verbose)
		err_warn("%s: retired, not fetched", t->name);
	if (run->archive != NULL && runarchive_add(run->archive, t->name, 1, line, NULL, 0) == -1) {
		runarchive_abort(run->archive);
		run->archive = NULL;
		run->local = 1;
	}
	put_record(run, line);
}

/* http_run's callback: archive, record, cache, write; the next page's URL, or NULL.  Owns r. */
static char *
on_done(void *ctx, size_t i, struct http_response *r)
{
	struct run *run = ctx;
	struct target *t = &run->t[run->asked[i]];
	char now[UTCTIME_LEN], *next = NULL, *kept = NULL;
	size_t nkept = 0;
	jv meta, line;
	int bad, changed;

	utctime_format(utctime_now(), now);
	meta = page_meta(t, fetchline_meta(t->name, r->url, now, r), r->page);
	/* An answer about the account goes in only as its step keeps it, or not at all. */
	changed = t->pages != NULL && run->archive != NULL ?
	    pages_archived(t->pages, r->body, r->len, &kept, &nkept) : 0;
	bad = run->archive != NULL && (changed == -1 || runarchive_add(run->archive, t->name,
	    r->page, meta, changed == 1 ? kept : r->body, changed == 1 ? nkept : r->len) == -1);
	free(kept);
	if (bad) {
		runarchive_abort(run->archive);
		run->archive = NULL;
		run->local = 1;
	}
	if (t->pages == NULL &&
	    (t->pages = pages_new(jv_copy(t->paging), jv_copy(t->follow))) == NULL) {
		err_warn("out of memory");
		run->local = 1;
		jv_free(meta);
		http_response_free(r);
		return NULL;
	}
	if (pages_add(t->pages, meta, r->body, r->len, &next, &r->next_post, &line) == 1) {
		if (run->c->verbose)
			err_warn("%s: page %ld: %ld in %ld ms, %zu bytes", t->name, r->page,
			    r->status, r->elapsed_ms, r->len);
		http_response_free(r);
		return next;
	}
	say(run, t->name, r, line);
	if (fetchline_ok(line) && run->cache_dir != NULL && r->status >= 200 &&
	    r->status <= 299 && jv_get_kind(t->paging) != JV_KIND_OBJECT &&
	    jv_get_kind(t->follow) != JV_KIND_ARRAY &&
	    condcache_save(run->cache_dir, t->name, t->url, r->headers, now) == -1)
		run->local = 1;
	if (r->status == 410 && r->page == 1 && run->cache_dir != NULL) {
		char day[11];

		snprintf(day, sizeof day, "%.10s", now);
		if (condcache_save_gone(run->cache_dir, t->name, t->url, day, now) == -1)
			run->local = 1;
	}
	put_record(run, line);
	pages_free(t->pages);
	t->pages = NULL;
	http_response_free(r);
	return NULL;
}

static int
status_of(const struct run *run)
{
	return run->local ? CLI_FAILED : run->failures ? CLI_PARTIAL : CLI_OK;
}

int
fetch_live(const struct fetch_config *c, FILE *out)
{
	struct run run = { .c = c, .out = out };
	struct http_request *reqs = NULL;
	size_t n = 0, asked = 0;
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
			return CLI_FAILED;
		}
	}
	if ((run.t = plan(c, run.cache_dir, &n, &status)) == NULL)
		goto out;
	if (c->dry_run) {
		dry_run(run.t, n, out);
		goto out;
	}
	if ((reqs = calloc(n ? n : 1, sizeof *reqs)) == NULL ||
	    (run.asked = calloc(n ? n : 1, sizeof *run.asked)) == NULL) {
		err_warn("out of memory");
		status = CLI_FAILED;
		goto out;
	}
	if (c->archive_dir != NULL &&
	    (run.archive = runarchive_create(c->archive_dir, utctime_now())) == NULL) {
		status = CLI_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &run.t[i];

		if (jv_get_kind(t->retired) == JV_KIND_OBJECT) {
			retired(&run, t);
			continue;
		}
		run.asked[asked] = i;
		reqs[asked++] = (struct http_request){ t->name, t->url, t->accept, t->key,
		    t->key_header, t->key_scheme, t->cc.etag[0] ? t->cc.etag : NULL,
		    t->cc.last_modified[0] ? t->cc.last_modified : NULL,
		    (const char *const *)t->headers };
	}
	if (http_run(reqs, asked, &c->http, on_done, &run) == -1)
		run.local = 1;
	if (run.archive != NULL && runarchive_close(run.archive) == -1)
		run.local = 1;
	if (status_of(&run) > status)
		status = status_of(&run);
out:
	for (size_t i = 0; run.t != NULL && i < n; i++)
		target_free(&run.t[i]);
	free(run.t);
	free(run.asked);
	free(reqs);
	free(run.cache_dir);
	return status;
}

/* Most providers whose pages are being replayed at once (their pages interleave). */
#define REPLAY_MAX_OPEN 256

/* A provider whose pages are being replayed, and whether it is wanted. */
struct replaying {
	struct pages *pages;
	char name[64];
	int wanted;
};

/* The archive has no further page of rp's provider although one was wanted. */
static void
replay_cut(struct run *run, struct replaying *rp)
{
	char why[96];

	if (rp->pages == NULL)
		return;
	snprintf(why, sizeof why, "page %ld: not in the archive", pages_count(rp->pages) + 1);
	if (rp->wanted)
		put_record(run, pages_cut(rp->pages, why));
	pages_free(rp->pages);
	rp->pages = NULL;
}

/* The open entry of provider name, or a free one (its name set) when page is 1; NULL when none. */
static struct replaying *
replay_slot(struct replaying *open, const char *name, long page)
{
	struct replaying *free_slot = NULL;

	for (size_t i = 0; i < REPLAY_MAX_OPEN; i++) {
		if (open[i].pages != NULL && strcmp(open[i].name, name) == 0)
			return &open[i];
		if (open[i].pages == NULL && free_slot == NULL)
			free_slot = &open[i];
	}
	if (page != 1 || free_slot == NULL)
		return NULL;
	snprintf(free_slot->name, sizeof free_slot->name, "%s", name);
	return free_slot;
}

/* 1 if an archived page's paging and follow rules (borrowed; null when absent) are usable. */
static int
rules_ok(jv paging, jv follow)
{
	return (jv_get_kind(paging) == JV_KIND_INVALID || jv_get_kind(paging) == JV_KIND_NULL ||
	    pagerule_check(paging) == NULL) &&
	    (jv_get_kind(follow) == JV_KIND_INVALID || jv_get_kind(follow) == JV_KIND_NULL ||
	    pagerule_check_follow(follow) == NULL);
}

/* One archived page (meta consumed) of its provider: the record once the provider's pages are in. */
static void
replay_page(struct run *run, struct replaying *open, jv only, jv meta, const char *body,
    size_t len)
{
	jv p = jv_object_get(jv_copy(meta), jv_string("provider"));
	jv pg = jv_object_get(jv_copy(meta), jv_string("page"));
	long page = jv_get_kind(pg) == JV_KIND_NUMBER ? (long)jv_number_value(pg) : 1;
	struct replaying *rp = replay_slot(open, jv_string_value(p), page);
	char *next = NULL, *post = NULL;
	jv line;

	jv_free(pg);
	if (rp != NULL && rp->pages != NULL && page == 1)
		replay_cut(run, rp);	/* the same provider again: a new list */
	if (rp == NULL || (page > 1 && page != pages_count(rp->pages) + 1)) {
		err_warn("%s: page %ld without the page before it, skipped", jv_string_value(p), page);
		run->failures++;
		jv_free(p);
		jv_free(meta);
		return;
	}
	jv_free(p);
	if (page == 1) {
		jv paging = jv_object_get(jv_copy(meta), jv_string("paging"));
		jv follow = jv_object_get(jv_copy(meta), jv_string("follow"));

		rp->wanted = registry_only_has(only, rp->name);
		/* An archive is read like any input: its rules are checked as a descriptor's. */
		if (!rules_ok(paging, follow)) {
			err_warn("%s: the archive's paging or follow rule is unusable, skipped", rp->name);
			run->failures++;
			jv_free(paging);
			jv_free(follow);
			jv_free(meta);
			return;
		}
		if ((rp->pages = pages_new(paging, follow)) == NULL) {
			err_warn("out of memory");
			run->local = 1;
			jv_free(meta);
			return;
		}
	}
	if (pages_add(rp->pages, meta, body, len, &next, &post, &line) == 1) {
		free(next);	/* the archive has the next page, if it came */
		free(post);
		return;
	}
	if (rp->wanted)
		put_record(run, line);
	else
		jv_free(line);
	pages_free(rp->pages);
	rp->pages = NULL;
}

int
fetch_replay(const char *file, const struct fetch_config *c, FILE *out)
{
	struct runreplay *r = runreplay_open(file, (size_t)c->http.max_size);
	struct run run = { .c = c, .out = out };
	struct replaying *open = calloc(REPLAY_MAX_OPEN, sizeof *open);
	jv only = jv_null(), meta;
	char *body;
	size_t len;
	int rc;

	if (r == NULL || open == NULL) {
		if (open == NULL)
			err_warn("out of memory");
		runreplay_close(r);
		free(open);
		return CLI_FAILED;
	}
	if (c->only != NULL && !jv_is_valid(only = registry_only(c->only))) {
		runreplay_close(r);
		free(open);
		return CLI_USAGE;
	}
	while ((rc = runreplay_next(r, &meta, &body, &len)) != 0) {
		if (rc == -2) {
			run.local = 1;
			break;
		}
		if (rc == -1) {
			run.failures++;
			continue;
		}
		replay_page(&run, open, only, meta, body, len);
		free(body);
	}
	for (size_t i = 0; i < REPLAY_MAX_OPEN; i++)
		replay_cut(&run, &open[i]);
	free(open);
	jv_free(only);
	runreplay_close(r);
	return status_of(&run);
}
