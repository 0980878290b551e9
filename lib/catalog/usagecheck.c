/*
 * usagecheck: validation of usage records in one pass over their fields, from
 * a libjq value or straight from the bytes of a plain line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "names.h"
#include "usagecheck.h"
#include "utctime.h"

/* A member's value as either reader saw it. */
struct value {
	enum { V_NULL, V_STRING, V_NUMBER, V_TRUE, V_FALSE, V_OTHER } kind;
	const char	*s;	/* V_STRING: NUL-terminated, len bytes */
	int		 len;
	double		 d;	/* V_NUMBER */
};

/* A clean string of 1..max bytes, or NULL. */
static const char *
text(const struct value *v, int max)
{
	if (v->kind != V_STRING || v->len < 1 || v->len > max ||
	    !names_clean_text(v->s, (size_t)v->len))
		return NULL;
	return v->s;
}

/* A whole number in [0, max] into *out; -1 if not one. */
static int
whole(const struct value *v, double max, int64_t *out)
{
	if (v->kind != V_NUMBER || !isfinite(v->d) || v->d < 0 || v->d > max || v->d != floor(v->d))
		return -1;
	*out = (int64_t)v->d;
	return 0;
}

/* Check member k and fill its part of out.  NULL, or why it is wrong. */
static const char *
field(const char *k, const struct value *v, struct usage *out)
{
	time_t t;

	if (strcmp(k, "ts") == 0) {
		if ((out->ts = text(v, 64)) == NULL || utctime_parse(out->ts, &t) == -1)
			return "\"ts\" must be an RFC 3339 time";
		if (utctime_format(t, out->tsz) == -1)
			return "\"ts\" is out of range";
		out->t = (int64_t)t;
	} else if (strcmp(k, "provider") == 0) {
		if ((out->provider = text(v, NAMES_PROVIDER_MAX)) == NULL ||
		    !names_provider_ok(out->provider))
			return "\"provider\" must be a provider name";
	} else if (strcmp(k, "model") == 0) {
		if ((out->model = text(v, NAMES_MODEL_MAX)) == NULL)
			return "\"model\" must be a string of 1 to 512 bytes without control characters";
	} else if (strcmp(k, "prompt_tokens") == 0) {
		if (whole(v, USAGE_MAX_TOKENS, &out->prompt_tokens) == -1)
			return "\"prompt_tokens\" must be a whole number from 0 to 1e9";
	} else if (strcmp(k, "completion_tokens") == 0) {
		if (whole(v, USAGE_MAX_TOKENS, &out->completion_tokens) == -1)
			return "\"completion_tokens\" must be a whole number from 0 to 1e9";
	} else if (v->kind == V_NULL) {
		return NULL;	/* the rest are optional: null is absent */
	} else if (strcmp(k, "latency_ms") == 0) {
		out->has_latency = 1;
		if (whole(v, USAGE_MAX_LATENCY, &out->latency_ms) == -1)
			return "\"latency_ms\" must be a whole number from 0 to 1e7";
	} else if (strcmp(k, "status") == 0) {
		out->has_status = 1;
		if (whole(v, 599, &out->status) == -1)
			return "\"status\" must be an HTTP status (0 when there was no response)";
	} else if (strcmp(k, "retry_after") == 0) {
		out->has_retry_after = 1;
		if (whole(v, USAGE_MAX_RETRY_AFTER, &out->retry_after) == -1)
			return "\"retry_after\" must be a whole number of seconds up to a week";
	} else if (strcmp(k, "cost") == 0) {
		out->has_cost = 1;
		out->cost = v->kind == V_NUMBER ? v->d : -1;
		if (!isfinite(out->cost) || out->cost < 0 || out->cost > USAGE_MAX_COST)
			return "\"cost\" must be a number of USD from 0 to 1e6";
	} else if (strcmp(k, "error") == 0) {
		if ((out->error = text(v, USAGE_MAX_TEXT)) == NULL)
			return "\"error\" must be a short string";
	} else if (strcmp(k, "client") == 0) {
		if ((out->client = text(v, USAGE_MAX_ID)) == NULL)
			return "\"client\" must be a short string";
	} else if (strcmp(k, "request_id") == 0) {
		if ((out->request_id = text(v, USAGE_MAX_ID)) == NULL)
			return "\"request_id\" must be a string of 1 to 128 bytes";
	} else if (strcmp(k, "estimated") == 0) {
		if (v->kind != V_TRUE && v->kind != V_FALSE)
			return "\"estimated\" must be true or false";
		out->estimated = v->kind == V_TRUE;
	} else if (strcmp(k, "cached") == 0) {
		if (v->kind != V_TRUE && v->kind != V_FALSE)
			return "\"cached\" must be true or false";
		out->cached = v->kind == V_TRUE;
	}
	return NULL;
}

/* The required members, once all are read; then the dedupe digest. */
static const char *
finish(struct usage *out)
{
	if (out->ts == NULL)
		return "\"ts\" must be an RFC 3339 time";
	if (out->provider == NULL)
		return "\"provider\" must be a provider name";
	if (out->model == NULL)
		return "\"model\" must be a string of 1 to 512 bytes without control characters";
	usage_digest(out);
	return NULL;
}

const char *
usage_check(jv u, struct usage *out)
{
	memset(out, 0, sizeof *out);
	if (jv_get_kind(u) != JV_KIND_OBJECT)
		return "a usage record must be a JSON object";
	jv_object_foreach(u, key, val) {
		struct value v = { V_OTHER, NULL, 0, 0 };
		const char *why;

		if (jv_get_kind(val) == JV_KIND_NULL) {
			v.kind = V_NULL;
		} else if (jv_get_kind(val) == JV_KIND_STRING) {
			v.kind = V_STRING;
			v.s = jv_string_value(val);
			v.len = jv_string_length_bytes(jv_copy(val));
		} else if (jv_get_kind(val) == JV_KIND_NUMBER) {
			v.kind = V_NUMBER;
			v.d = jv_number_value(val);
		} else if (jv_get_kind(val) == JV_KIND_TRUE || jv_get_kind(val) == JV_KIND_FALSE) {
			v.kind = jv_get_kind(val) == JV_KIND_TRUE ? V_TRUE : V_FALSE;
		}
		why = field(jv_string_value(key), &v, out);
		jv_free(key);
		jv_free(val);
		if (why != NULL)
			return why;
	}
	return finish(out);
}

/*
 * The plain reader.  It takes what usage records usually are: one flat
 * object of known members, strings without escapes, numbers, nulls.  For
 * anything else it declines, and the line goes to libjq as before, which
 * also words every error: this reader never rejects a line, so the two
 * cannot disagree on one.
 */

static const char *const members[] = {
	"type", "ts", "provider", "model", "prompt_tokens", "completion_tokens", "latency_ms",
	"status", "retry_after", "cost", "error", "client", "request_id",
};

#define NMEMBERS (sizeof members / sizeof members[0])

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* A plain string at p (jsonl_plain_string), NUL-terminated in place.  The end, or NULL. */
static char *
plain_string(char *p, const char *end, struct value *v)
{
	size_t n;

	if (jsonl_plain_string(p, end, &n) == NULL)
		return NULL;
	p[1 + n] = '\0';
	v->kind = V_STRING;
	v->s = p + 1;
	v->len = (int)n;
	return p + 2 + n;
}

static int
digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* A JSON number at p, converted as libjq does (correctly rounded).  The end, or NULL. */
static char *
plain_number(char *p, const char *end, struct value *v)
{
	const char *q = p;
	char buf[64];

	if (q < end && *q == '-')
		q++;
	if (q < end && *q == '0')
		q++;
	else if (!digits(&q, end))
		return NULL;
	if (q < end && *q == '.' && (q++, !digits(&q, end)))
		return NULL;
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (!digits(&q, end))
			return NULL;
	}
	if ((size_t)(q - p) >= sizeof buf)
		return NULL;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	v->kind = V_NUMBER;
	v->d = strtod(buf, NULL);
	return p + (q - p);
}

int
usage_scan(char *line, size_t len, struct usage *out)
{
	const char *end = line + len;
	char *p = (char *)skip_ws(line, end);
	unsigned seen = 0;
	int usage = 0;

	memset(out, 0, sizeof *out);
	if (p >= end || *p++ != '{')
		return 0;
	for (;;) {
		struct value k, v = { V_OTHER, NULL, 0, 0 };
		size_t m;

		p = (char *)skip_ws(p, end);
		if (p >= end || *p != '"' || (p = plain_string(p, end, &k)) == NULL)
			return 0;
		for (m = 0; m < NMEMBERS && strcmp(k.s, members[m]) != 0; m++)
			;
		if (m == NMEMBERS || (seen & 1u << m))
			return 0;	/* unknown or repeated: libjq's rules apply */
		seen |= 1u << m;
		p = (char *)skip_ws(p, end);
		if (p >= end || *p++ != ':')
			return 0;
		p = (char *)skip_ws(p, end);
		if (p >= end)
			return 0;
		if (*p == '"')
			p = plain_string(p, end, &v);
		else if (*p == 'n' && end - p >= 4 && memcmp(p, "null", 4) == 0)
			v.kind = V_NULL, p += 4;
		else
			p = plain_number(p, end, &v);
		if (p == NULL)
			return 0;
		if (m == 0) {
			if (v.kind != V_STRING || strcmp(v.s, "usage") != 0)
				return 0;
			usage = 1;
		} else if (field(k.s, &v, out) != NULL) {
			return 0;
		}
		p = (char *)skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p >= end || *p++ != '}')
			return 0;
		break;
	}
	if (skip_ws(p, end) != end || !usage || finish(out) != NULL)
		return 0;
	return 1;
}
