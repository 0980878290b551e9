/*
 * model: validation of model records.
 */
#include <math.h>
#include <string.h>

#include "model.h"
#include "registry.h"
#include "utctime.h"

int
model_clean_text(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Field k of m; the caller frees. */
static jv
get(jv m, const char *k)
{
	return jv_object_get(jv_copy(m), jv_string(k));
}

static int
absent(jv v)
{
	return jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) == JV_KIND_NULL;
}

/* 0 if v is absent or a clean string of at most max bytes (required: present). */
static int
check_text(jv v, int max, int required)
{
	int n, ok;

	if (absent(v))
		return required ? -1 : 0;
	if (jv_get_kind(v) != JV_KIND_STRING)
		return -1;
	n = jv_string_length_bytes(jv_copy(v));
	ok = n <= max && (!required || n > 0) && model_clean_text(jv_string_value(v), n);
	return ok ? 0 : -1;
}

/* 0 if v is absent or a number in [0, max] (whole if integral). */
static int
check_number(jv v, double max, int integral)
{
	double d;

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_NUMBER)
		return -1;
	d = jv_number_value(v);
	if (!isfinite(d) || d < 0 || d > max || (integral && d != floor(d)))
		return -1;
	return 0;
}

/* 0 if v is absent or an array of at most max clean short strings. */
static int
check_words(jv v, int max)
{
	int n;

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_ARRAY || (n = jv_array_length(jv_copy(v))) > max)
		return -1;
	for (int i = 0; i < n; i++) {
		jv w = jv_array_get(jv_copy(v), i);
		int bad = jv_get_kind(w) != JV_KIND_STRING || check_text(w, 64, 1) != 0;

		jv_free(w);
		if (bad)
			return -1;
	}
	return 0;
}

static int
check_limits(jv v)
{
	static const char *keys[] = { "rpm", "rpd", "tpm", "tpd" };

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return -1;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		jv x = get(v, keys[i]);
		int bad = check_number(x, MODEL_MAX_LIMIT, 1);

		jv_free(x);
		if (bad)
			return -1;
	}
	return 0;
}

static int
check_modalities(jv v)
{
	jv in, out;
	int bad;

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return -1;
	in = get(v, "input");
	out = get(v, "output");
	bad = check_words(in, 16) || check_words(out, 16);
	jv_free(in);
	jv_free(out);
	return bad ? -1 : 0;
}

static int
check_time(jv v)
{
	time_t t;

	if (jv_get_kind(v) != JV_KIND_STRING)
		return -1;
	return utctime_parse(jv_string_value(v), &t);
}

static int
check_provider(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING && registry_valid_name(jv_string_value(v)) ? 0 : -1;
}

static int
check_bool(jv v)
{
	return jv_get_kind(v) == JV_KIND_TRUE || jv_get_kind(v) == JV_KIND_FALSE ? 0 : -1;
}

enum kind { PROVIDER, ID, TEXT, WHOLE, PRICE, BOOL, MODALITIES, WORDS, LIMITS, TIME };

static int
check_field(jv v, enum kind k, double max)
{
	switch (k) {
	case PROVIDER:
		return check_provider(v);
	case ID:
		return check_text(v, (int)max, 1);
	case TEXT:
		return check_text(v, (int)max, 0);
	case WHOLE:
		return check_number(v, max, 1);
	case PRICE:
		return check_number(v, max, 0);
	case BOOL:
		return check_bool(v);
	case MODALITIES:
		return check_modalities(v);
	case WORDS:
		return check_words(v, (int)max);
	case LIMITS:
		return check_limits(v);
	case TIME:
		return check_time(v);
	}
	return -1;
}

static const struct {
	const char	*field;
	enum kind	 kind;
	double		 max;
	int		 required;
	const char	*why;
} rules[] = {
	{ "provider", PROVIDER, 0, 1, "\"provider\" must be a provider name" },
	{ "model", ID, MODEL_MAX_ID, 1,
	    "\"model\" must be a string of 1 to 512 bytes without control characters" },
	{ "name", TEXT, MODEL_MAX_TEXT, 0,
	    "\"name\" must be a string of at most 512 bytes without control characters" },
	{ "family", TEXT, MODEL_MAX_TEXT, 0, "\"family\" must be a short string" },
	{ "free_reason", TEXT, MODEL_MAX_TEXT, 0, "\"free_reason\" must be a short string" },
	{ "base_url", TEXT, 2048, 0, "\"base_url\" must be a short string" },
	{ "context_length", WHOLE, MODEL_MAX_TOKENS, 0,
	    "\"context_length\" must be a whole number from 0 to 1e8" },
	{ "max_output_tokens", WHOLE, MODEL_MAX_TOKENS, 0,
	    "\"max_output_tokens\" must be a whole number from 0 to 1e8" },
	{ "input_price", PRICE, MODEL_MAX_PRICE, 0,
	    "\"input_price\" must be a number from 0 to 1e6 (USD per million tokens)" },
	{ "output_price", PRICE, MODEL_MAX_PRICE, 0,
	    "\"output_price\" must be a number from 0 to 1e6 (USD per million tokens)" },
	{ "free", BOOL, 0, 1, "\"free\" must be true or false" },
	{ "modalities", MODALITIES, 0, 0,
	    "\"modalities\" must be {input:[...], output:[...]} of short strings" },
	{ "features", WORDS, 32, 0, "\"features\" must be an array of at most 32 short strings" },
	{ "limits", LIMITS, 0, 0, "\"limits\" must hold whole numbers rpm, rpd, tpm, tpd" },
	{ "observed_at", TIME, 0, 1, "\"observed_at\" must be an RFC 3339 time" },
};

#define NRULES (sizeof rules / sizeof rules[0])

const char *
model_check(jv m)
{
	int seen[NRULES] = { 0 };
	const char *why = NULL;

	if (jv_get_kind(m) != JV_KIND_OBJECT)
		return "a model record must be a JSON object";
	/* One pass over the record; fields we do not know are not ours to judge. */
	jv_object_foreach(m, key, val) {
		const char *k = jv_string_value(key);

		for (size_t i = 0; i < NRULES && why == NULL; i++) {
			if (k[0] != rules[i].field[0] || strcmp(k, rules[i].field) != 0)
				continue;
			seen[i] = 1;
			if (check_field(val, rules[i].kind, rules[i].max) != 0)
				why = rules[i].why;
			break;
		}
		jv_free(key);
		jv_free(val);
	}
	for (size_t i = 0; i < NRULES && why == NULL; i++)
		if (rules[i].required && !seen[i])
			why = rules[i].why;
	return why;
}
