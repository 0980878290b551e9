/*
 * pagerule: the "pages" and "follow" members of a provider descriptor,
 * checked and read.  Kept apart from pages.c and follow.c so that the
 * descriptor checks need no libcurl.
 */
#include <ctype.h>
#include <string.h>

#include "pagerule.h"

/* A dotted path: segments of [A-Za-z0-9_-], at most PAGERULE_MAX_PATH bytes. */
int
pagerule_path_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PAGERULE_MAX_PATH || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("_-.", *s) == NULL)
			return 0;
	return 1;
}

/* A query parameter name: [A-Za-z0-9_.-]{1,64}. */
static int
param_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("_-.", *s) == NULL)
			return 0;
	return 1;
}

const char *
pagerule_str(jv rule, const char *k)
{
	jv v;
	const char *s;

	if (jv_get_kind(rule) != JV_KIND_OBJECT)
		return NULL;
	v = jv_object_get(jv_copy(rule), jv_string(k));
	s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
	jv_free(v);	/* the rule still holds the string */
	return s;
}

/* The whole-number member k of rule within [1, max], dflt when absent; -1 when bad. */
static long
rule_number(jv rule, const char *k, long dflt, long max)
{
	jv v = jv_object_get(jv_copy(rule), jv_string(k));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
	long n = jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) == JV_KIND_NULL ? dflt :
	    jv_get_kind(v) == JV_KIND_NUMBER && d >= 1 && d <= (double)max && d == (long)d ?
	    (long)d : -1;

	jv_free(v);
	return n;
}

jv
pagerule_get(jv v, const char *path)
{
	char seg[PAGERULE_MAX_PATH + 1];
	const char *p = path;

	v = jv_copy(v);
	while (*p) {
		size_t n = strcspn(p, ".");

		if (n > PAGERULE_MAX_PATH || jv_get_kind(v) != JV_KIND_OBJECT) {
			jv_free(v);
			return jv_invalid();
		}
		memcpy(seg, p, n);
		seg[n] = '\0';
		v = jv_object_get(v, jv_string(seg));
		p += n + (p[n] == '.');
	}
	return v;
}

jv
pagerule_set(jv v, const char *path, jv x)
{
	size_t n = strcspn(path, ".");
	jv seg, child;

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		v = jv_object();
	}
	seg = jv_string_sized(path, (int)n);
	if (path[n] == '\0')
		return jv_object_set(v, seg, x);
	child = jv_object_get(jv_copy(v), jv_copy(seg));
	return jv_object_set(v, seg, pagerule_set(child, path + n + 1, x));
}

/* 1 if every member of the object rule (borrowed) is one of known. */
static int
members_known(jv rule, const char *const known[])
{
	jv keys = jv_keys(jv_copy(rule));
	int n = jv_array_length(jv_copy(keys)), bad = 0;

	for (int i = 0; i < n && !bad; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		int found = 0;

		for (int j = 0; known[j] != NULL && !found; j++)
			found = strcmp(jv_string_value(k), known[j]) == 0;
		bad = !found;
		jv_free(k);
	}
	jv_free(keys);
	return !bad;
}

const char *
pagerule_check(jv rule)
{
	static const char *const known[] = {
		"items", "next_url", "token", "param", "more", "cursor", "total",
		"max_pages", "max_bytes", NULL
	};
	const char *items, *next, *token, *more, *cursor, *param, *total;

	if (jv_get_kind(rule) != JV_KIND_OBJECT)
		return "\"pages\" must be an object";
	if (!members_known(rule, known))
		return "\"pages\" has a member it does not know";
	items = pagerule_str(rule, "items");
	next = pagerule_str(rule, "next_url");
	token = pagerule_str(rule, "token");
	more = pagerule_str(rule, "more");
	cursor = pagerule_str(rule, "cursor");
	param = pagerule_str(rule, "param");
	total = pagerule_str(rule, "total");
	if (items == NULL || !pagerule_path_ok(items))
		return "\"pages.items\" must name the member holding the models (a dotted path)";
	if ((next != NULL) + (token != NULL) + (more != NULL) != 1)
		return "\"pages\" needs one of \"next_url\", \"token\" or \"more\"";
	if ((next != NULL && !pagerule_path_ok(next)) || (token != NULL && !pagerule_path_ok(token)) ||
	    (more != NULL && !pagerule_path_ok(more)) || (cursor != NULL && !pagerule_path_ok(cursor)) ||
	    (total != NULL && !pagerule_path_ok(total)))
		return "\"pages\" members must be dotted paths";
	if (more != NULL && cursor == NULL)
		return "\"pages.more\" needs \"cursor\"";
	if (next != NULL ? param != NULL || cursor != NULL : param == NULL || !param_ok(param))
		return "\"pages.param\" is the query parameter of \"token\" or \"cursor\" "
		    "([A-Za-z0-9_.-]), and only of those";
	if (token != NULL && cursor != NULL)
		return "\"pages.cursor\" goes with \"more\"";
	if (rule_number(rule, "max_pages", PAGERULE_MAX_PAGES, 1000) == -1)
		return "\"pages.max_pages\" must be a whole number from 1 to 1000";
	if (rule_number(rule, "max_bytes", PAGERULE_MAX_BYTES, 1L << 30) == -1)
		return "\"pages.max_bytes\" must be a whole number from 1 to 2^30";
	return NULL;
}

long
pagerule_max_pages(jv rule)
{
	return rule_number(rule, "max_pages", PAGERULE_MAX_PAGES, 1000);
}

long
pagerule_max_bytes(jv rule)
{
	return rule_number(rule, "max_bytes", PAGERULE_MAX_BYTES, 1L << 30);
}

/* A step's relative URL: "/" and then printable ASCII without spaces, quotes or '#'. */
static int
step_url_ok(const char *u)
{
	size_t n = strlen(u);

	if (n < 2 || n > 256 || u[0] != '/' || u[1] == '/')
		return 0;
	for (; *u; u++)
		if (*u <= ' ' || *u > '~' || strchr("\"'#\\<>", *u) != NULL)
			return 0;
	return 1;
}

/* NULL if one step of "follow" (borrowed) is usable, else what is wrong with it. */
static const char *
step_check(jv step)
{
	static const char *const known[] = { "as", "url", "each", "key", "post", "keep", "when",
	    NULL };
	const char *as, *url, *each, *key, *post, *when;
	jv keep;
	int bad = 0;

	if (jv_get_kind(step) != JV_KIND_OBJECT || !members_known(step, known))
		return "each \"follow\" step is an object of as, url, each, key, post, keep, when";
	as = pagerule_str(step, "as");
	url = pagerule_str(step, "url");
	each = pagerule_str(step, "each");
	key = pagerule_str(step, "key");
	post = pagerule_str(step, "post");
	when = pagerule_str(step, "when");
	if (as == NULL || strchr(as, '.') != NULL || !pagerule_path_ok(as) || strlen(as) > 32)
		return "\"follow\" step: \"as\" must be a word ([A-Za-z0-9_-], 32 bytes at most)";
	if (url == NULL || !step_url_ok(url))
		return "\"follow\" step: \"url\" must be a path on the list's server (\"/props\")";
	if ((each != NULL) != (key != NULL) || (each != NULL && (!pagerule_path_ok(each) ||
	    strchr(key, '.') != NULL || !pagerule_path_ok(key))))
		return "\"follow\" step: \"each\" (a dotted path) and \"key\" (a member) go together";
	if (post != NULL && (each == NULL || strchr(post, '.') != NULL || !pagerule_path_ok(post)))
		return "\"follow\" step: \"post\" names the member sent the key, with \"each\"";
	if ((when != NULL && strcmp(when, "key") != 0) ||
	    (when == NULL && jv_object_has(jv_copy(step), jv_string("when"))))
		return "\"follow\" step: \"when\" can only be \"key\" (asked when a key is given)";
	/* An answer about the account is kept only in the parts named. */
	keep = jv_object_get(jv_copy(step), jv_string("keep"));
	bad = when != NULL && jv_get_kind(keep) != JV_KIND_ARRAY;
	jv_free(keep);
	if (bad)
		return "\"follow\" step: \"when\": \"key\" needs \"keep\" (what of the account to keep)";
	keep = jv_object_get(jv_copy(step), jv_string("keep"));
	if (jv_get_kind(keep) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(keep));

		bad = n < 1 || n > 16;
		for (int i = 0; i < n && !bad; i++) {
			jv k = jv_array_get(jv_copy(keep), i);

			bad = jv_get_kind(k) != JV_KIND_STRING || !pagerule_path_ok(jv_string_value(k));
			jv_free(k);
		}
	} else
		bad = jv_get_kind(keep) != JV_KIND_INVALID && jv_get_kind(keep) != JV_KIND_NULL;
	jv_free(keep);
	return bad ? "\"follow\" step: \"keep\" lists 1 to 16 members (dotted paths) of the answer to keep" :
	    NULL;
}

const char *
pagerule_check_follow(jv rule)
{
	int n;
	const char *why = NULL;

	if (jv_get_kind(rule) != JV_KIND_ARRAY || (n = jv_array_length(jv_copy(rule))) < 1 ||
	    n > PAGERULE_MAX_STEPS)
		return "\"follow\" must be an array of 1 to 4 steps";
	for (int i = 0; i < n && why == NULL; i++) {
		jv step = jv_array_get(jv_copy(rule), i);

		why = step_check(step);
		jv_free(step);
	}
	return why;
}
