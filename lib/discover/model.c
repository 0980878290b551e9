/*
 * model: validation of model records.  The checks of single values work on
 * a model_value, so that libjq's reader (model_check) and the plain line
 * reader (modelscan.c) judge by the same code.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "names.h"
#include "utctime.h"

enum kind {
	PROVIDER, ID, TEXT, WHOLE, PRICE, BOOL, MODALITIES, WORDS, LIMITS, TIME, TIERS, BASIS, DAY,
	TRAINS
};

static const struct {
	const char	*field;
	enum kind	 kind;
	double		 max;
	int		 required;
	const char	*why;
} rules[MODEL_NMEMBERS] = {
	[MODEL_PROVIDER] = { "provider", PROVIDER, 0, 1, "\"provider\" must be a provider name" },
	[MODEL_ID] = { "model", ID, MODEL_MAX_ID, 1,
	    "\"model\" must be a string of 1 to 512 bytes without control characters" },
	[MODEL_NAME] = { "name", TEXT, MODEL_MAX_TEXT, 0,
	    "\"name\" must be a string of at most 512 bytes without control characters" },
	[MODEL_FAMILY] = { "family", TEXT, MODEL_MAX_TEXT, 0, "\"family\" must be a short string" },
	[MODEL_FREE_REASON] = { "free_reason", TEXT, MODEL_MAX_TEXT, 0,
	    "\"free_reason\" must be a short string" },
	[MODEL_BASE_URL] = { "base_url", TEXT, 2048, 0, "\"base_url\" must be a short string" },
	[MODEL_CONTEXT] = { "context_length", WHOLE, MODEL_MAX_TOKENS, 0,
	    "\"context_length\" must be a whole number from 0 to 1e8" },
	[MODEL_MAX_OUTPUT] = { "max_output_tokens", WHOLE, MODEL_MAX_TOKENS, 0,
	    "\"max_output_tokens\" must be a whole number from 0 to 1e8" },
	[MODEL_INPUT_PRICE] = { "input_price", PRICE, MODEL_MAX_PRICE, 0,
	    "\"input_price\" must be a number from 0 to 1e6 (USD per million tokens)" },
	[MODEL_OUTPUT_PRICE] = { "output_price", PRICE, MODEL_MAX_PRICE, 0,
	    "\"output_price\" must be a number from 0 to 1e6 (USD per million tokens)" },
	[MODEL_FREE] = { "free", BOOL, 0, 1, "\"free\" must be true or false" },
	[MODEL_MODALITIES] = { "modalities", MODALITIES, 0, 0,
	    "\"modalities\" must be {input:[...], output:[...]} of short strings" },
	[MODEL_FEATURES] = { "features", WORDS, MODEL_MAX_FEATURES, 0,
	    "\"features\" must be an array of at most 32 short strings" },
	[MODEL_LIMITS] = { "limits", LIMITS, 0, 0,
	    "\"limits\" must hold whole numbers rpm, rpd, tpm, tpd, rpmo, and a known "
	    "day_reset, scope, header_requests, header_tokens and learned" },
	[MODEL_OBSERVED_AT] = { "observed_at", TIME, 0, 1, "\"observed_at\" must be an RFC 3339 time" },
	[MODEL_PRICE_TIERS] = { "price_tiers", TIERS, MODEL_MAX_TIERS, 0,
	    "\"price_tiers\" must be 1 to 8 {min_prompt_tokens, input_price, output_price}, "
	    "thresholds ascending" },
	[MODEL_FREE_BASIS] = { "free_basis", BASIS, 0, 0,
	    "\"free_basis\" must be price_zero, variant, free_tier or local" },
	[MODEL_FREE_CHECKED] = { "free_checked", DAY, 0, 0,
	    "\"free_checked\" must be a day, YYYY-MM-DD" },
	[MODEL_TRAINS] = { "trains_on_prompts", TRAINS, 0, 0,
	    "\"trains_on_prompts\" must be true, false or \"unknown\"" },
};

int
model_member(const char *key, size_t n)
{
	for (int i = 0; i < MODEL_NMEMBERS; i++)
		if (key[0] == rules[i].field[0] && strlen(rules[i].field) == n &&
		    memcmp(key, rules[i].field, n) == 0)
			return i;
	return -1;
}

const char *
model_member_name(int member)
{
	return rules[member].field;
}

int
model_required(int member)
{
	return rules[member].required;
}

const char *
model_why(int member)
{
	return rules[member].why;
}

/* 0 if v is absent or a clean string of at most max bytes (required: present). */
static int
check_text(const struct model_value *v, int max, int required)
{
	if (v->kind == MV_ABSENT)
		return required ? -1 : 0;
	if (v->kind != MV_STRING || v->len > max || (required && v->len == 0))
		return -1;
	return names_clean_text(v->s, (size_t)v->len) ? 0 : -1;
}

/* 0 if v is absent or a number in [0, max] (whole if integral). */
static int
check_number(const struct model_value *v, double max, int integral)
{
	if (v->kind == MV_ABSENT)
		return 0;
	if (v->kind != MV_NUMBER || !isfinite(v->d) || v->d < 0 || v->d > max ||
	    (integral && v->d != floor(v->d)))
		return -1;
	return 0;
}

/* v as a C string in buf (n bytes), or NULL when it is no short string without NULs. */
static const char *
short_string(const struct model_value *v, char *buf, size_t n)
{
	if (v->kind != MV_STRING || (size_t)v->len >= n || memchr(v->s, '\0', (size_t)v->len))
		return NULL;
	memcpy(buf, v->s, (size_t)v->len);
	buf[v->len] = '\0';
	return buf;
}

/* s is a day, YYYY-MM-DD, that utctime can read as midnight. */
static int
is_day(const char *s)
{
	char t[32];
	time_t when;

	if (strlen(s) != 10)
		return 0;
	snprintf(t, sizeof t, "%sT00:00:00Z", s);
	return utctime_parse(t, &when) == 0;
}

int
model_scalar_ok(int member, const struct model_value *v)
{
	char buf[128];
	const char *s;
	time_t t;

	switch (rules[member].kind) {
	case PROVIDER:
		return (s = short_string(v, buf, sizeof buf)) != NULL && names_provider_ok(s) ? 0 : -1;
	case ID:
		return check_text(v, (int)rules[member].max, 1);
	case TEXT:
		return check_text(v, (int)rules[member].max, 0);
	case WHOLE:
		return check_number(v, rules[member].max, 1);
	case PRICE:
		return check_number(v, rules[member].max, 0);
	case BOOL:
		return v->kind == MV_TRUE || v->kind == MV_FALSE ? 0 : -1;
	case TIME:
		return (s = short_string(v, buf, sizeof buf)) != NULL && utctime_parse(s, &t) == 0 ? 0 : -1;
	case BASIS:
		return (s = short_string(v, buf, sizeof buf)) != NULL && (strcmp(s, "price_zero") == 0 ||
		    strcmp(s, "variant") == 0 || strcmp(s, "free_tier") == 0 ||
		    strcmp(s, "local") == 0) ? 0 : -1;
	case DAY:
		return (s = short_string(v, buf, sizeof buf)) != NULL && is_day(s) ? 0 : -1;
	case TRAINS:
		return v->kind == MV_TRUE || v->kind == MV_FALSE ||
		    ((s = short_string(v, buf, sizeof buf)) != NULL && strcmp(s, "unknown") == 0) ?
		    0 : -1;
	case MODALITIES:
	case WORDS:
	case LIMITS:
	case TIERS:
		break;
	}
	return -1;
}

int
model_word_ok(const struct model_value *v)
{
	return check_text(v, 64, 1);
}

/* 0 if v is absent or a string among words (NULL-terminated). */
static int
one_of(const struct model_value *v, const char *const *words)
{
	char buf[32];
	const char *s = short_string(v, buf, sizeof buf);

	if (v->kind == MV_ABSENT)
		return 0;
	for (; s != NULL && *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return 0;
	return -1;
}

int
model_limit_ok(const char *key, size_t n, const struct model_value *v)
{
	static const char *const whole[] = { "rpm", "rpd", "tpm", "tpd", "rpmo" };
	static const char *const scopes[] = { "model", "provider", "key", "ip", NULL };
	static const char *const requests[] = { "rpm", "rpd", "rpmo", NULL };
	static const char *const tokens[] = { "tpm", "tpd", NULL };
	int kind, offset;

	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
		if (n == strlen(whole[i]) && memcmp(key, whole[i], n) == 0)
			return check_number(v, MODEL_MAX_LIMIT, 1);
	/* A local server's slots: requests it serves at once. */
	if (n == 5 && memcmp(key, "slots", 5) == 0)
		return check_number(v, MODEL_MAX_SLOTS, 1) == -1 ||
		    (v->kind == MV_NUMBER && v->d < 1) ? -1 : 0;
	if (n == 5 && memcmp(key, "scope", 5) == 0)
		return one_of(v, scopes);
	/* The window of the x-ratelimit-limit-* headers' figure (OpenAI's: a minute). */
	if (n == 15 && memcmp(key, "header_requests", 15) == 0)
		return one_of(v, requests);
	if (n == 13 && memcmp(key, "header_tokens", 13) == 0)
		return one_of(v, tokens);
	/* The window whose figure the provider's own answer about the account gave. */
	if (n == 7 && memcmp(key, "learned", 7) == 0) {
		for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
			if (v->kind == MV_STRING && (size_t)v->len == strlen(whole[i]) &&
			    memcmp(v->s, whole[i], strlen(whole[i])) == 0)
				return 0;
		return v->kind == MV_ABSENT ? 0 : -1;
	}
	if (n == 9 && memcmp(key, "day_reset", 9) == 0)
		return v->kind == MV_ABSENT || (v->kind == MV_STRING && v->len < 32 &&
		    utctime_reset_parse(v->s, (size_t)v->len, &kind, &offset) == 0) ? 0 : -1;
	return 0;
}

/* The libjq reader: a scalar jv (borrowed) as a model_value. */
static struct model_value
view(jv v)
{
	struct model_value mv = { MV_OTHER, NULL, 0, 0 };

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		mv.kind = MV_ABSENT;
		break;
	case JV_KIND_STRING:
		mv.kind = MV_STRING;
		mv.s = jv_string_value(v);
		mv.len = jv_string_length_bytes(jv_copy(v));
		break;
	case JV_KIND_NUMBER:
		mv.kind = MV_NUMBER;
		mv.d = jv_number_value(v);
		break;
	case JV_KIND_TRUE:
		mv.kind = MV_TRUE;
		break;
	case JV_KIND_FALSE:
		mv.kind = MV_FALSE;
		break;
	default:
		break;
	}
	return mv;
}

static int
absent(jv v)
{
	return jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) == JV_KIND_NULL;
}

/* 0 if v (borrowed) is absent or an array of at most max words. */
static int
check_words(jv v, int max)
{
	int n, bad = 0;

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_ARRAY || (n = jv_array_length(jv_copy(v))) > max)
		return -1;
	for (int i = 0; i < n && !bad; i++) {
		jv w = jv_array_get(jv_copy(v), i);
		struct model_value mv = view(w);

		bad = model_word_ok(&mv) != 0;
		jv_free(w);
	}
	return bad ? -1 : 0;
}

static int
check_limits(jv v)
{
	int bad = 0;

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return -1;
	jv_object_foreach(v, key, val) {
		struct model_value mv = view(val);
		const char *k = jv_string_value(key);

		if (!bad)
			bad = model_limit_ok(k, (size_t)jv_string_length_bytes(jv_copy(key)), &mv) != 0;
		jv_free(key);
		jv_free(val);
	}
	return bad ? -1 : 0;
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
	in = jv_object_get(jv_copy(v), jv_string("input"));
	out = jv_object_get(jv_copy(v), jv_string("output"));
	bad = check_words(in, MODEL_MAX_MODALITIES) || check_words(out, MODEL_MAX_MODALITIES);
	jv_free(in);
	jv_free(out);
	return bad ? -1 : 0;
}

/* 0 if v (borrowed) is absent or good price_tiers (model.h). */
static int
check_tiers(jv v)
{
	static const int members[3] = { MODEL_CONTEXT, MODEL_INPUT_PRICE, MODEL_INPUT_PRICE };
	static const char *const keys[3] = { "min_prompt_tokens", "input_price", "output_price" };
	double last = 0;
	int n, bad = 0;

	if (absent(v))
		return 0;
	if (jv_get_kind(v) != JV_KIND_ARRAY || (n = jv_array_length(jv_copy(v))) < 1 ||
	    n > MODEL_MAX_TIERS)
		return -1;
	for (int i = 0; i < n && !bad; i++) {
		jv t = jv_array_get(jv_copy(v), i);

		bad = jv_get_kind(t) != JV_KIND_OBJECT || jv_object_length(jv_copy(t)) != 3;
		for (int k = 0; k < 3 && !bad; k++) {
			jv x = jv_object_get(jv_copy(t), jv_string(keys[k]));
			struct model_value mv = view(x);

			/* Each present, a number: a threshold as a context length, a price as one. */
			bad = mv.kind != MV_NUMBER || model_scalar_ok(members[k], &mv) != 0 ||
			    (k == 0 && (mv.d < 1 || mv.d <= last));
			if (k == 0)
				last = mv.d;
			jv_free(x);
		}
		jv_free(t);
	}
	return bad ? -1 : 0;
}

/* 0 if val (borrowed) is a good value of member i. */
static int
check_member(int i, jv val)
{
	struct model_value mv;

	switch (rules[i].kind) {
	case MODALITIES:
		return check_modalities(val);
	case WORDS:
		return check_words(val, (int)rules[i].max);
	case LIMITS:
		return check_limits(val);
	case TIERS:
		return check_tiers(val);
	default:
		mv = view(val);
		return model_scalar_ok(i, &mv);
	}
}

const char *
model_check(jv m)
{
	int seen[MODEL_NMEMBERS] = { 0 };
	const char *why = NULL;

	if (jv_get_kind(m) != JV_KIND_OBJECT)
		return "a model record must be a JSON object";
	/* One pass over the record; fields we do not know are not ours to judge. */
	jv_object_foreach(m, key, val) {
		int i = why != NULL ? -1 :
		    model_member(jv_string_value(key), (size_t)jv_string_length_bytes(jv_copy(key)));

		if (i >= 0) {
			seen[i] = 1;
			if (check_member(i, val) != 0)
				why = rules[i].why;
		}
		jv_free(key);
		jv_free(val);
	}
	for (int i = 0; i < MODEL_NMEMBERS && why == NULL; i++)
		if (rules[i].required && !seen[i])
			why = rules[i].why;
	return why;
}
