/*
 * follow: a local server's further requests, asked one after the other on
 * the list's transfer, their answers joined into the record's "extra".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetchline.h"
#include "follow.h"
#include "http.h"
#include "pagerule.h"

/* Longest key (a model's name) sent or used as a member name. */
#define FOLLOW_MAX_KEY 256

struct follow {
	jv rule;		/* the checked steps */
	jv record;		/* the list's record */
	jv extra;		/* the answers so far */
	jv keys;		/* the current "each" step's keys, or invalid */
	char *base;		/* the list's URL */
	int step, item;		/* the request to give next */
	int asked;		/* requests given */
	char why[512];		/* set when cut */
};

struct follow *
follow_new(jv rule, jv record, const char *url)
{
	struct follow *f = calloc(1, sizeof *f);

	if (f == NULL || (f->base = strdup(url)) == NULL) {
		free(f);
		jv_free(rule);
		jv_free(record);
		return NULL;
	}
	f->rule = rule;
	f->record = record;
	f->extra = jv_object();
	f->keys = jv_invalid();
	return f;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	jv_free(f->rule);
	jv_free(f->record);
	jv_free(f->extra);
	jv_free(f->keys);
	free(f->base);
	free(f);
}

static void
cut(struct follow *f, const char *as, const char *key, const char *what)
{
	if (f->why[0] == '\0')
		snprintf(f->why, sizeof f->why, "follow%s%s%s%.256s: %s", as[0] ? " " : "", as,
		    key ? " " : "", key ? key : "", what);
}

/* The keys of step s (borrowed): the string members "key" of the items at "each". */
static jv
keys_of(struct follow *f, jv s)
{
	jv body = jv_object_get(jv_copy(f->record), jv_string("body"));
	jv items = pagerule_get(body, pagerule_str(s, "each")), keys = jv_array();
	const char *key = pagerule_str(s, "key");
	int n = jv_get_kind(items) == JV_KIND_ARRAY ? jv_array_length(jv_copy(items)) : 0;

	for (int i = 0; i < n; i++) {
		jv item = jv_array_get(jv_copy(items), i);
		jv k;

		if (jv_get_kind(item) != JV_KIND_OBJECT) {
			jv_free(item);
			continue;
		}
		k = jv_object_get(item, jv_string(key));

		if (jv_get_kind(k) == JV_KIND_STRING &&
		    jv_string_length_bytes(jv_copy(k)) <= FOLLOW_MAX_KEY)
			keys = jv_array_append(keys, k);
		else
			jv_free(k);
	}
	jv_free(items);
	jv_free(body);
	return keys;
}

/* The step to ask now (new), its keys ready; invalid when none is left. */
static jv
current(struct follow *f)
{
	while (f->step < jv_array_length(jv_copy(f->rule))) {
		jv s = jv_array_get(jv_copy(f->rule), f->step);

		if (pagerule_str(s, "each") == NULL) {
			if (f->item == 0)
				return s;
		} else {
			if (!jv_is_valid(f->keys))
				f->keys = keys_of(f, s);
			if (f->item < jv_array_length(jv_copy(f->keys)))
				return s;
		}
		jv_free(s);
		jv_free(f->keys);
		f->keys = jv_invalid();
		f->step++;
		f->item = 0;
	}
	return jv_invalid();
}

int
follow_next(struct follow *f, char **url, char **post)
{
	jv s, k = jv_invalid();
	const char *as;

	*url = *post = NULL;
	if (f->why[0] != '\0' || !jv_is_valid(s = current(f)))
		return 0;
	as = pagerule_str(s, "as");
	if (pagerule_str(s, "each") != NULL)
		k = jv_array_get(jv_copy(f->keys), f->item);
	if (f->asked >= FOLLOW_MAX_REQUESTS) {
		cut(f, as, NULL, "more requests than the bound (256)");
	} else if ((*url = http_resolve(f->base, pagerule_str(s, "url"))) == NULL ||
	    !http_same_origin(f->base, *url)) {
		cut(f, as, NULL, "no URL on the list's server");
	} else if (pagerule_str(s, "post") != NULL) {
		jv body = jv_object_set(jv_object(), jv_string(pagerule_str(s, "post")), jv_copy(k));
		jv text = jv_dump_string(body, 0);

		if ((*post = strdup(jv_string_value(text))) == NULL)
			cut(f, as, NULL, "out of memory");
		jv_free(text);
	}
	jv_free(k);
	jv_free(s);
	if (f->why[0] != '\0') {
		free(*url);
		free(*post);
		*url = *post = NULL;
		return 0;
	}
	f->asked++;
	return 1;
}

/* The members of body (consumed), at the dotted paths step s (borrowed) keeps. */
static jv
kept(jv s, jv body)
{
	jv keep = jv_object_get(jv_copy(s), jv_string("keep")), out;
	int n;

	if (jv_get_kind(keep) != JV_KIND_ARRAY || jv_get_kind(body) != JV_KIND_OBJECT) {
		jv_free(keep);
		return body;
	}
	out = jv_object();
	n = jv_array_length(jv_copy(keep));
	for (int i = 0; i < n; i++) {
		jv k = jv_array_get(jv_copy(keep), i);
		jv v = pagerule_get(body, jv_string_value(k));

		if (jv_is_valid(v))
			out = pagerule_set(out, jv_string_value(k), v);
		jv_free(k);
	}
	jv_free(keep);
	jv_free(body);
	return out;
}

int
follow_archived(struct follow *f, const char *body, size_t len, char **out, size_t *n)
{
	jv s = f->why[0] == '\0' ? current(f) : jv_invalid(), v, text;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (jv_is_valid(s) && pagerule_str(s, "when") != NULL) {
		v = jv_parse_sized(body != NULL ? body : "", (int)(body != NULL ? len : 0));
		if (jv_get_kind(v) == JV_KIND_OBJECT) {
			text = jv_dump_string(kept(s, v), 0);
		} else {
			jv_free(v);
			text = jv_string("");	/* no answer worth keeping */
		}
		rc = (*out = strdup(jv_string_value(text))) != NULL ? 1 : -1;
		*n = *out != NULL ? strlen(*out) : 0;
		jv_free(text);
	}
	jv_free(s);
	return rc;
}

/* 1 if the record line (borrowed) has a body that is a JSON object. */
static int
body_is_object(jv line)
{
	jv body = jv_object_get(jv_copy(line), jv_string("body"));
	int yes = jv_get_kind(body) == JV_KIND_OBJECT;

	jv_free(body);
	return yes;
}

void
follow_add(struct follow *f, jv line)
{
	jv s = current(f), k = jv_invalid();
	const char *as;

	if (!jv_is_valid(s) || f->why[0] != '\0') {
		jv_free(s);
		jv_free(line);
		return;
	}
	as = pagerule_str(s, "as");
	if (pagerule_str(s, "each") != NULL)
		k = jv_array_get(jv_copy(f->keys), f->item);
	if (pagerule_str(s, "when") != NULL && (!fetchline_ok(line) || !body_is_object(line))) {
		/* An answer asked only when a key is given adds to the list; its failure cuts nothing. */
	} else if (!fetchline_ok(line)) {
		jv e = jv_object_get(jv_copy(line), jv_string("error"));
		jv m = jv_object_get(e, jv_string("message"));

		cut(f, as, jv_is_valid(k) ? jv_string_value(k) : NULL,
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "failed");
		jv_free(m);
	} else if (!jv_object_has(jv_copy(line), jv_string("body"))) {
		/* A page of HTML from a proxy, a 304, a 410: no answer a dialect can read. */
		cut(f, as, jv_is_valid(k) ? jv_string_value(k) : NULL, "not a JSON answer");
	} else {
		jv body = kept(s, jv_object_get(jv_copy(line), jv_string("body")));

		if (jv_is_valid(k)) {
			jv all = jv_object_get(jv_copy(f->extra), jv_string(as));

			if (jv_get_kind(all) != JV_KIND_OBJECT) {
				jv_free(all);
				all = jv_object();
			}
			body = jv_object_set(all, jv_copy(k), body);
		}
		f->extra = jv_object_set(f->extra, jv_string(as), body);
	}
	f->item++;
	jv_free(k);
	jv_free(s);
	jv_free(line);
}

jv
follow_record(struct follow *f)
{
	jv r;

	if (f->why[0] == '\0')
		return jv_object_set(jv_copy(f->record), jv_string("extra"), jv_copy(f->extra));
	r = jv_object_delete(jv_copy(f->record), jv_string("body"));
	return jv_object_set(r, jv_string("error"), jv_object_set(jv_object_set(jv_object(),
	    jv_string("kind"), jv_string("incomplete")), jv_string("message"),
	    jv_string(f->why)));
}

jv
follow_cut(struct follow *f, const char *why)
{
	cut(f, "", NULL, why);
	return follow_record(f);
}
