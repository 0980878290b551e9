/*
 * modelscan: the plain reader of model lines (see modelscan.h).  Every
 * "return -1" below is a decline, not a verdict: libjq reads the line then.
 */
#include <stdint.h>
#include <string.h>

#include "jsonl.h"
#include "modelscan.h"

#define MAX_LIMITS 16	/* members of a limits object this reader takes */

struct cursor {
	const char	*p, *end;
};

static int
at(const struct cursor *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

/* A plain string (jsonl_plain_string). */
static int
string(struct cursor *c, struct model_value *v)
{
	size_t n;
	const char *q = jsonl_plain_string(c->p, c->end, &n);

	if (q == NULL)
		return -1;
	v->kind = MV_STRING;
	v->s = c->p + 1;
	v->len = (int)n;
	c->p = q;
	return 0;
}

static const double tens[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
	1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * A number exactly as jsonl_number writes it: a whole number of at most 15
 * digits, or a decimal of at most 15 significant digits, no trailing zero
 * and no exponent (%.15g writes those for values from 1e-4 up).  Negative
 * numbers no model member may hold are declined with the rest.  Its value is
 * the digits over a power of ten, both exact doubles (at most 15 digits,
 * 10^22), so the division is correctly rounded, as libjq's strtod is.
 */
static int
number(struct cursor *c, struct model_value *v)
{
	const char *p = c->p, *e = c->end;
	uint64_t digits = 0;
	int whole = 0, frac = 0, lead = 0;

	if (p < e && *p == '0') {
		p++;
	} else {
		for (; p < e && *p >= '0' && *p <= '9'; p++, whole++)
			digits = digits * 10 + (uint64_t)(*p - '0');
		if (whole == 0 || whole > 15)
			return -1;
	}
	if (p < e && *p == '.') {
		for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
			if (digits == 0 && *p == '0')
				lead++;
			digits = digits * 10 + (uint64_t)(*p - '0');
			if (whole + ++frac - lead > 15)
				return -1;
		}
		if (frac == 0 || p[-1] == '0' || (whole == 0 && lead > 3))
			return -1;
	}
	if (p < e && (*p == 'e' || *p == 'E' || *p == '-' || *p == '+'))
		return -1;
	v->kind = MV_NUMBER;
	v->d = (double)digits / tens[frac];
	c->p = p;
	return 0;
}

static int
literal(struct cursor *c, const char *word, int kind, struct model_value *v)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -1;
	c->p += n;
	v->kind = kind;
	return 0;
}

/* A string, number, true, false or null. */
static int
scalar(struct cursor *c, struct model_value *v)
{
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '"':
		return string(c, v);
	case 't':
		return literal(c, "true", MV_TRUE, v);
	case 'f':
		return literal(c, "false", MV_FALSE, v);
	case 'n':
		return literal(c, "null", MV_ABSENT, v);
	default:
		return number(c, v);
	}
}

/* A key and its colon. */
static int
key(struct cursor *c, struct model_value *k)
{
	if (string(c, k) == -1 || !at(c, ':'))
		return -1;
	c->p++;
	return 0;
}

/* After a member or item: 1 for a comma (more follow), 0 for the closing bracket. */
static int
next(struct cursor *c, char close)
{
	if (at(c, ',')) {
		c->p++;
		return 1;
	}
	if (!at(c, close))
		return -1;
	c->p++;
	return 0;
}

/* [ words ] of at most max, or null. */
static int
words(struct cursor *c, int max)
{
	struct model_value v;
	int n = 0, more;

	if (at(c, 'n'))
		return literal(c, "null", MV_ABSENT, &v);
	if (!at(c, '['))
		return -1;
	c->p++;
	if (at(c, ']')) {
		c->p++;
		return 0;
	}
	do {
		if (++n > max || string(c, &v) == -1 || model_word_ok(&v) != 0)
			return -1;
	} while ((more = next(c, ']')) == 1);
	return more;
}

/* null or an object's opening brace: 1 when the value is read (null or {}), 0 when members follow, -1. */
static int
open_object(struct cursor *c)
{
	struct model_value v;

	if (at(c, 'n'))
		return literal(c, "null", MV_ABSENT, &v) == 0 ? 1 : -1;
	if (!at(c, '{'))
		return -1;
	c->p++;
	if (!at(c, '}'))
		return 0;
	c->p++;
	return 1;
}

/* {"input": words, "output": words}, either or both, or null. */
static int
modalities(struct cursor *c)
{
	struct model_value k;
	int seen = 0, more, e;

	if ((e = open_object(c)) != 0)
		return e == 1 ? 0 : -1;
	do {
		int bit;

		if (key(c, &k) == -1)
			return -1;
		if (k.len == 5 && memcmp(k.s, "input", 5) == 0)
			bit = 1;
		else if (k.len == 6 && memcmp(k.s, "output", 6) == 0)
			bit = 2;
		else
			return -1;
		if (seen & bit || words(c, MODEL_MAX_MODALITIES) == -1)
			return -1;
		seen |= bit;
	} while ((more = next(c, '}')) == 1);
	return more;
}

/* An object of scalars, each key once, or null. */
static int
limits(struct cursor *c)
{
	struct model_value k[MAX_LIMITS], v;
	int n = 0, more, e;

	if ((e = open_object(c)) != 0)
		return e == 1 ? 0 : -1;
	do {
		if (n == MAX_LIMITS || key(c, &k[n]) == -1 || scalar(c, &v) == -1 ||
		    model_limit_ok(k[n].s, (size_t)k[n].len, &v) != 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (k[i].len == k[n].len && memcmp(k[i].s, k[n].s, (size_t)k[n].len) == 0)
				return -1;
		n++;
	} while ((more = next(c, '}')) == 1);
	return more;
}

/* The value of member m into *v (as its JSON text for the three that are not scalars). */
static int
member(struct cursor *c, int m, struct model_value *v)
{
	const char *start = c->p;
	int rc;

	switch (m) {
	case MODEL_MODALITIES:
		rc = modalities(c);
		break;
	case MODEL_FEATURES:
		rc = words(c, MODEL_MAX_FEATURES);
		break;
	case MODEL_LIMITS:
		rc = limits(c);
		break;
	case MODEL_PRICE_TIERS:
		return -1;	/* rare: read by libjq and model_check */
	default:
		return scalar(c, v) == -1 || model_scalar_ok(m, v) != 0 ? -1 : 0;
	}
	if (rc == -1)
		return -1;
	v->kind = *start == 'n' ? MV_ABSENT : MV_OTHER;
	v->s = start;
	v->len = (int)(c->p - start);
	return 0;
}

enum { TYPE = MODEL_NMEMBERS, KEY_ENV };

int
model_scan(const char *line, size_t len, struct model_scan *out)
{
	struct cursor c = { line, line + len };
	uint32_t seen = 0;
	int more;

	memset(out, 0, sizeof *out);
	if (!at(&c, '{'))
		return 0;
	c.p++;
	do {
		const char *start = c.p;
		struct model_value k, v = { MV_ABSENT, NULL, 0, 0 };
		int m;

		if (key(&c, &k) == -1)
			return 0;
		if ((m = model_member(k.s, (size_t)k.len)) == -1) {
			if (k.len == 4 && memcmp(k.s, "type", 4) == 0)
				m = TYPE;
			else if (k.len == 7 && memcmp(k.s, "key_env", 7) == 0)
				m = KEY_ENV;
			else
				return 0;	/* not ours to judge, nor to copy */
		}
		if (seen & 1u << m)
			return 0;
		seen |= 1u << m;
		if (m == TYPE) {
			if (string(&c, &v) == -1 || v.len != 5 || memcmp(v.s, "model", 5) != 0)
				return 0;
		} else if (m == KEY_ENV) {
			if (scalar(&c, &out->key_env) == -1 ||
			    (out->key_env.kind != MV_STRING && out->key_env.kind != MV_ABSENT))
				return 0;
		} else if (member(&c, m, &out->member[m]) == -1) {
			return 0;
		}
		if (m == MODEL_OBSERVED_AT) {
			out->cut = (size_t)(start - line);
			out->cut_len = (size_t)(c.p - start);
		}
	} while ((more = next(&c, '}')) == 1);
	if (more == -1 || c.p != c.end || !(seen & 1u << TYPE))
		return 0;
	for (int m = 0; m < MODEL_NMEMBERS; m++)
		if (model_required(m) && !(seen & 1u << m))
			return 0;
	/* Leave out the comma before observed_at, or the one after it when it comes first. */
	if (out->cut > 1)
		out->cut--, out->cut_len++;
	else
		out->cut_len++;
	return 1;
}
