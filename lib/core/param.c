/*
 * param: one check per kind of value, shared by every table.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "param.h"

const struct param *
param_named(const struct param *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

const struct param *
param_option(const struct param *table, const char *option)
{
	for (; table->name != NULL; table++)
		if (table->option != NULL && strcmp(table->option, option) == 0)
			return table;
	return NULL;
}

int
param_word(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-' || *s == '.' || *s == ':'))
			return 0;
	return 1;
}

int
param_text(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && names_clean_text(s, n);
}

/* A decimal number in [min, max] into *out.  0, or -1. */
static int
number(const char *s, double min, double max, double *out)
{
	char *end;
	double d;

	if (*s == '\0' || strlen(s) > 32)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d) || d < min || d > max)
		return -1;
	*out = d;
	return 0;
}

int
param_digits(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 19)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Decimal digits of a number in [min, max] into *out.  0, or -1. */
static int
digits(const char *s, double min, double max, double *out)
{
	long long v;

	if (param_digits(s, max >= 9.2e18 ? LLONG_MAX : (long long)max, &v) == -1 || (double)v < min)
		return -1;
	*out = (double)v;
	return 0;
}

/*
 * Every item of the comma list s is a word of at most max bytes (or a
 * provider name when providers); at most 16 of them.
 */
static const char *
word_list(const char *s, size_t max, int providers)
{
	const char *bad = providers ?
	    "list items must be provider names: a-z, 0-9, then '.', '_', '-'" :
	    "list items must be words of a-z, 0-9, '_', '-', '.', ':'";
	const char *p = s, *comma;
	char w[128];
	int n = 0;

	for (; *p != '\0'; p = *comma == ',' ? comma + 1 : comma) {
		size_t len;

		comma = p + strcspn(p, ",");
		if ((len = (size_t)(comma - p)) == 0)
			continue;
		if (len >= sizeof w)
			return bad;
		memcpy(w, p, len);
		w[len] = '\0';
		if (providers ? !names_provider_ok(w) : !param_word(w, max))
			return bad;
		if (++n > PARAM_MAX_WORDS)
			return "a list holds at most 16 items";
	}
	return NULL;
}

const char *
param_apply(const struct param *p, void *target, const char *value)
{
	const char *why;
	double d = 0;

	switch (p->kind) {
	case PARAM_DIGITS:
		if (digits(value, p->min, p->max, &d) == -1)
			return p->what;
		break;
	case PARAM_WHOLE:
		if (number(value, p->min, p->max, &d) == -1 || d != floor(d))
			return p->what;
		break;
	case PARAM_NUMBER:
		if (number(value, p->min, p->max, &d) == -1)
			return p->what;
		break;
	case PARAM_WORD:
		if (!param_word(value, (size_t)p->max))
			return p->what;
		break;
	case PARAM_WORDS:
	case PARAM_PROVIDERS:
		if ((why = word_list(value, (size_t)p->max, p->kind == PARAM_PROVIDERS)) != NULL)
			return why;
		break;
	case PARAM_TEXT:
		if (!param_text(value, (size_t)p->max))
			return p->what;
		break;
	case PARAM_ANY:
		break;
	}
	return p->set(target, value, d);
}

const char *
param_set(const struct param *table, void *target, const char *name, const char *value)
{
	const struct param *p = param_named(table, name);

	return p == NULL ? "unknown parameter" : param_apply(p, target, value);
}
