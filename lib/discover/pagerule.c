/*
 * pagerule: the "pages" member of a provider descriptor, checked and read.
 * Kept apart from pages.c so that the descriptor checks need no libcurl.
 */
#include <ctype.h>
#include <string.h>

#include "pagerule.h"

/* A dotted path: segments of [A-Za-z0-9_-], at most PAGERULE_MAX_PATH bytes. */
static int
path_ok(const char *s)
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

const char *
pagerule_check(jv rule)
{
	static const char *const known[] = {
		"items", "next_url", "token", "param", "more", "cursor", "total",
		"max_pages", "max_bytes", NULL
	};
	const char *items, *next, *token, *more, *cursor, *param, *total;
	jv keys;
	int n, bad = 0;

	if (jv_get_kind(rule) != JV_KIND_OBJECT)
		return "\"pages\" must be an object";
	keys = jv_keys(jv_copy(rule));
	n = jv_array_length(jv_copy(keys));
	for (int i = 0; i < n && !bad; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		int found = 0;

		for (int j = 0; known[j] != NULL && !found; j++)
			found = strcmp(jv_string_value(k), known[j]) == 0;
		bad = !found;
		jv_free(k);
	}
	jv_free(keys);
	if (bad)
		return "\"pages\" has a member it does not know";
	items = pagerule_str(rule, "items");
	next = pagerule_str(rule, "next_url");
	token = pagerule_str(rule, "token");
	more = pagerule_str(rule, "more");
	cursor = pagerule_str(rule, "cursor");
	param = pagerule_str(rule, "param");
	total = pagerule_str(rule, "total");
	if (items == NULL || !path_ok(items))
		return "\"pages.items\" must name the member holding the models (a dotted path)";
	if ((next != NULL) + (token != NULL) + (more != NULL) != 1)
		return "\"pages\" needs one of \"next_url\", \"token\" or \"more\"";
	if ((next != NULL && !path_ok(next)) || (token != NULL && !path_ok(token)) ||
	    (more != NULL && !path_ok(more)) || (cursor != NULL && !path_ok(cursor)) ||
	    (total != NULL && !path_ok(total)))
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
