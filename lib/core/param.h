/*
 * param: the parameters of a request declared in a table, each with its kind
 * and bounds, checked before its setter runs (as kcgi's kvalid tables).  One
 * table serves a CGI query string or form (form.h) and a program's options:
 * each entry names both spellings.
 */
#ifndef AFMTS_PARAM_H
#define AFMTS_PARAM_H

#include <stddef.h>

#define PARAM_MAX_WORDS 16	/* items of one comma list */

enum param_kind {
	PARAM_DIGITS,	/* decimal digits (at most 19) of a number in [min, max] */
	PARAM_WHOLE,	/* a decimal number (exponent allowed) that is whole, in [min, max] */
	PARAM_NUMBER,	/* a decimal number in [min, max] */
	PARAM_WORD,	/* a word of a-z 0-9 _ - . : of 1 to max bytes */
	PARAM_WORDS,	/* a comma list of at most PARAM_MAX_WORDS such words */
	PARAM_PROVIDERS,	/* a comma list of at most PARAM_MAX_WORDS provider names (names.h) */
	PARAM_TEXT,	/* 1 to max bytes, no control character */
	PARAM_ANY	/* checked by its setter alone */
};

struct param {
	const char	*name;		/* in a query or form; NULL ends a table */
	const char	*option;	/* on the command line (without --), or NULL */
	enum param_kind	 kind;
	double		 min, max;	/* numbers: the range; words, text: max bytes */
	const char	*what;		/* what the value must be, when it is not */
	/*
	 * Set the checked value: the text, and for numbers its value.  NULL, or
	 * what is wrong (a list too long ...).
	 */
	const char	*(*set)(void *target, const char *value, double number);
};

/* The entry of table called name (option: with that option spelling), or NULL. */
const struct param *param_named(const struct param *table, const char *name);
const struct param *param_option(const struct param *table, const char *option);

/* Check value against p, then set it in target.  NULL, or what is wrong. */
const char *param_apply(const struct param *p, void *target, const char *value);

/* The same by name: "unknown parameter" when table has none of that name. */
const char *param_set(const struct param *table, void *target, const char *name,
    const char *value);

/* s is a word of a-z 0-9 _ - . : of 1 to max bytes. */
int param_word(const char *s, size_t max);

/* Decimal digits (no sign, no space, at most 19) of a number up to max: 0, or -1. */
int param_digits(const char *s, long long max, long long *out);

/* s is 1 to max bytes without a control character. */
int param_text(const char *s, size_t max);

#endif
