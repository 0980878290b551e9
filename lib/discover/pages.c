/*
 * pages: a paged model list taken page by page into one fetch record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetchline.h"
#include "follow.h"
#include "http.h"
#include "pagerule.h"
#include "pages.h"

/* Longest token or cursor value taken from a page. */
#define PAGES_MAX_VALUE 1024

struct pages {
	jv rule;		/* the descriptor's "pages", or null */
	jv follow_rule;		/* the descriptor's "follow", or null */
	struct follow *follow;	/* its requests, once the list is in */
	jv record;		/* page 1's record, its items taken out; or invalid */
	jv items;		/* every page's items */
	jv asked;		/* the URLs asked after page 1 */
	char *first_url;
	long count;		/* pages taken */
	size_t bytes;
};

/* v (consumed) with the value at dotted path set to x (consumed). */
static jv
path_set(jv v, const char *path, jv x)
{
	size_t n = strcspn(path, ".");
	char seg[PAGERULE_MAX_PATH + 1];

	memcpy(seg, path, n);
	seg[n] = '\0';
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(x);
		return v;
	}
	if (path[n] == '.') {
		jv in = jv_object_get(jv_copy(v), jv_string(seg));

		x = path_set(in, path + n + 1, x);
	}
	return jv_object_set(v, jv_string(seg), x);
}

struct pages *
pages_new(jv rule, jv follow)
{
	struct pages *p = calloc(1, sizeof *p);

	if (p == NULL) {
		jv_free(rule);
		jv_free(follow);
		return NULL;
	}
	p->rule = jv_get_kind(rule) == JV_KIND_OBJECT ? rule : (jv_free(rule), jv_null());
	p->follow_rule = jv_get_kind(follow) == JV_KIND_ARRAY ? follow :
	    (jv_free(follow), jv_null());
	p->record = jv_invalid();
	p->items = jv_array();
	p->asked = jv_array();
	return p;
}

long
pages_count(const struct pages *p)
{
	return p->count;
}

void
pages_free(struct pages *p)
{
	if (p == NULL)
		return;
	jv_free(p->rule);
	jv_free(p->follow_rule);
	follow_free(p->follow);
	jv_free(p->record);
	jv_free(p->items);
	jv_free(p->asked);
	free(p->first_url);
	free(p);
}

/* A record as it leaves: without the archive's page bookkeeping. */
static jv
plain(jv record)
{
	record = jv_object_delete(record, jv_string("paging"));
	return jv_object_delete(record, jv_string("page"));
}

jv
pages_cut(struct pages *p, const char *why)
{
	if (p->follow != NULL) {
		jv r = follow_cut(p->follow, why);

		return jv_object_set(r, jv_string("pages"), jv_number((double)p->count));
	}
	jv r = jv_is_valid(p->record) ? jv_copy(p->record) : jv_object();

	r = jv_object_delete(plain(r), jv_string("body"));
	r = jv_object_set(r, jv_string("pages"), jv_number((double)p->count));
	return jv_object_set(r, jv_string("error"), jv_object_set(jv_object_set(jv_object(),
	    jv_string("kind"), jv_string("incomplete")), jv_string("message"), jv_string(why)));
}

/* The record cut short at this page, for why (printf-style, one %s: detail). */
static jv
cut_at(struct pages *p, const char *fmt, const char *detail)
{
	char why[512], what[480];

	snprintf(what, sizeof what, fmt, detail);
	snprintf(why, sizeof why, "page %ld: %s", p->count, what);
	return pages_cut(p, why);
}

/* The URL of the page after body (borrowed), asked at url: 1 and *next, 0 when none, -1 with *why. */
static int
next_page(struct pages *p, jv body, const char *url, char **next, const char **why)
{
	const char *next_url = pagerule_str(p->rule, "next_url"), *token = pagerule_str(p->rule, "token");
	const char *more = pagerule_str(p->rule, "more"), *param = pagerule_str(p->rule, "param");
	jv v = pagerule_get(body, next_url ? next_url : token ? token : more);
	int rc = 0;

	*next = NULL;
	*why = NULL;
	if (more != NULL) {
		int on = jv_get_kind(v) == JV_KIND_TRUE;

		jv_free(v);
		if (!on)
			return 0;
		v = pagerule_get(body, pagerule_str(p->rule, "cursor"));
		if (jv_get_kind(v) != JV_KIND_STRING || jv_string_length_bytes(jv_copy(v)) == 0) {
			jv_free(v);
			*why = "says there is more but gives no cursor";
			return -1;
		}
	}
	if (jv_get_kind(v) != JV_KIND_STRING || jv_string_length_bytes(jv_copy(v)) == 0) {
		jv_free(v);
		return 0;
	}
	if (jv_string_length_bytes(jv_copy(v)) > PAGES_MAX_VALUE) {
		*why = "names its next page with over 1024 bytes";
		rc = -1;
	} else if (next_url != NULL) {
		if ((*next = http_resolve(url, jv_string_value(v))) == NULL) {
			*why = "names a next page that is not an http(s) URL";
			rc = -1;
		}
	} else if ((*next = http_with_param(p->first_url, param, jv_string_value(v))) == NULL) {
		*why = "names a next page that cannot be put in a URL";
		rc = -1;
	}
	jv_free(v);
	if (rc == 0 && *next != NULL) {
		rc = 1;
		if (!http_same_origin(p->first_url, *next)) {
			*why = "names a next page on another origin: not followed";
			rc = -1;
		}
	}
	if (rc == -1) {
		free(*next);
		*next = NULL;
	}
	return rc;
}

/* 1 if url was asked already (a provider sending us round in circles). */
static int
asked_before(const struct pages *p, const char *url)
{
	int n = jv_array_length(jv_copy(p->asked)), seen = strcmp(url, p->first_url) == 0;

	for (int i = 0; i < n && !seen; i++) {
		jv u = jv_array_get(jv_copy(p->asked), i);

		seen = strcmp(jv_string_value(u), url) == 0;
		jv_free(u);
	}
	return seen;
}

/* Every page is in: the record, or a cut one when the models fall short of the total. */
static jv
complete(struct pages *p)
{
	const char *items = pagerule_str(p->rule, "items"), *total = pagerule_str(p->rule, "total");
	jv body = jv_object_get(jv_copy(p->record), jv_string("body"));
	jv t = total ? pagerule_get(body, total) : jv_invalid();
	int n = jv_array_length(jv_copy(p->items));
	jv r;

	if (jv_get_kind(t) == JV_KIND_NUMBER && n < jv_number_value(t)) {
		char what[128];

		snprintf(what, sizeof what, "%d models of the %.0f announced (%s)", n,
		    jv_number_value(t), total);
		jv_free(t);
		jv_free(body);
		return cut_at(p, "%s", what);
	}
	jv_free(t);
	body = path_set(body, items, jv_copy(p->items));
	r = jv_object_set(plain(jv_copy(p->record)), jv_string("body"), body);
	return jv_object_set(r, jv_string("pages"), jv_number((double)p->count));
}

/* A page of the list: as pages_add, without the follow-up requests. */
static int
list_add(struct pages *p, jv meta, const char *body, size_t len, char **next, jv *record)
{
	jv url = jv_object_get(jv_copy(meta), jv_string("url")), line, b, list;
	const char *why;
	int rc;

	*next = NULL;
	p->count++;
	p->bytes += len;
	line = fetchline_finish(meta, body, len);
	if (jv_get_kind(p->rule) != JV_KIND_OBJECT || (p->count == 1 && (!fetchline_ok(line) ||
	    jv_object_has(jv_copy(line), jv_string("retired"))))) {
		*record = plain(line);
		jv_free(url);
		return 0;
	}
	if (!fetchline_ok(line)) {
		jv e = jv_object_get(jv_copy(line), jv_string("error"));
		jv m = jv_object_get(jv_copy(e), jv_string("message"));

		*record = cut_at(p, "%s", jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) :
		    "failed");
		jv_free(e);
		jv_free(m);
		jv_free(line);
		jv_free(url);
		return 0;
	}
	b = jv_object_get(jv_copy(line), jv_string("body"));
	list = pagerule_get(b, pagerule_str(p->rule, "items"));
	if (p->count == 1) {
		p->first_url = strdup(jv_get_kind(url) == JV_KIND_STRING ? jv_string_value(url) : "");
		/* Page 1 as the record, its list kept apart: the pages' lists are joined at the end. */
		p->record = jv_object_set(jv_copy(line), jv_string("body"),
		    path_set(jv_copy(b), pagerule_str(p->rule, "items"), jv_array()));
	}
	jv_free(line);
	if (p->count == 1 && jv_get_kind(list) != JV_KIND_ARRAY) {
		/* Not a list page at all: the dialect judges the answer as it is. */
		*record = plain(jv_object_set(jv_copy(p->record), jv_string("body"), b));
		jv_free(list);
		jv_free(url);
		return 0;
	}
	if (p->first_url == NULL || jv_get_kind(list) != JV_KIND_ARRAY) {
		*record = cut_at(p, "no list at \"%s\"", pagerule_str(p->rule, "items"));
		rc = 0;
	} else if ((p->items = jv_array_concat(p->items, jv_copy(list)),
	    p->bytes > (size_t)pagerule_max_bytes(p->rule))) {
		char n[32];

		snprintf(n, sizeof n, "%ld", pagerule_max_bytes(p->rule));
		*record = cut_at(p, "the pages passed %s bytes", n);
		rc = 0;
	} else if ((rc = next_page(p, b, jv_get_kind(url) == JV_KIND_STRING ?
	    jv_string_value(url) : p->first_url, next, &why)) == -1) {
		*record = cut_at(p, "%s", why);
		rc = 0;
	} else if (rc == 0) {
		*record = complete(p);
	} else if (p->count >= pagerule_max_pages(p->rule)) {
		char n[32];

		snprintf(n, sizeof n, "%ld", p->count);
		*record = cut_at(p, "more pages after %s: the bound is reached", n);
		free(*next);
		*next = NULL;
		rc = 0;
	} else if (asked_before(p, *next)) {
		*record = cut_at(p, "%s", "the next page is one already asked (a loop)");
		free(*next);
		*next = NULL;
		rc = 0;
	} else {
		p->asked = jv_array_append(p->asked, jv_string(*next));
	}
	jv_free(b);
	jv_free(list);
	jv_free(url);
	return rc;
}

/* The next follow-up request (1, *next and *post), or the record (0). */
static int
follow_step(struct pages *p, char **next, char **post, jv *record)
{
	if (follow_next(p->follow, next, post) == 1)
		return 1;
	*record = follow_record(p->follow);
	*record = jv_object_set(*record, jv_string("pages"), jv_number((double)p->count));
	return 0;
}

int
pages_archived(struct pages *p, const char *body, size_t len, char **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return p->follow != NULL ? follow_archived(p->follow, body, len, out, n) : 0;
}

int
pages_add(struct pages *p, jv meta, const char *body, size_t len, char **next, char **post,
    jv *record)
{
	jv url;
	int rc;

	*post = NULL;
	if (p->follow != NULL) {
		p->count++;
		follow_add(p->follow, fetchline_finish(meta, body, len));
		return follow_step(p, next, post, record);
	}
	if ((rc = list_add(p, meta, body, len, next, record)) == 1 ||
	    jv_get_kind(p->follow_rule) != JV_KIND_ARRAY || !fetchline_ok(*record) ||
	    jv_object_has(jv_copy(*record), jv_string("retired")) ||
	    jv_object_has(jv_copy(*record), jv_string("not_modified")))
		return rc;
	url = jv_object_get(jv_copy(*record), jv_string("url"));
	p->follow = follow_new(jv_copy(p->follow_rule), *record,
	    jv_get_kind(url) == JV_KIND_STRING ? jv_string_value(url) : "");
	jv_free(url);
	if (p->follow == NULL) {
		*record = pages_cut(p, "out of memory");
		return 0;
	}
	return follow_step(p, next, post, record);
}
