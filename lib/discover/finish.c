/*
 * finish: dialect output to model records, per the provider's descriptor.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oniguruma.h>

#include "err.h"
#include "family.h"
#include "finish.h"

#define FEATURES_MAX 128
#define WORD_MAX 32

struct features {
	char	from[FEATURES_MAX][WORD_MAX];
	char	to[FEATURES_MAX][WORD_MAX];
	int	n;
};

enum rule { RULE_NONE, RULE_ALL, RULE_ZERO_PRICE, RULE_MATCH, RULE_DIALECT };

/* The record's own field names, made once per finisher: a jv_string per field per model costs. */
enum key {
	K_TYPE, K_PROVIDER, K_MODEL, K_NAME, K_FAMILY, K_CONTEXT, K_OUTPUT, K_IN_PRICE,
	K_OUT_PRICE, K_FREE, K_FREE_REASON, K_MODALITIES, K_FEATURES, K_LIMITS, K_BASE_URL,
	K_KEY_ENV, K_OBSERVED_AT, K_PRICE_VARIABLE, K_INPUT, K_OUTPUT_MODS, K_MODEL_VALUE,
	K_PRICE_TIERS, K_MIN_PROMPT, K_FREE_BASIS, K_FREE_CHECKED, K_TRAINS, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"type", "provider", "model", "name", "family", "context_length", "max_output_tokens",
	"input_price", "output_price", "free", "free_reason", "modalities", "features", "limits",
	"base_url", "key_env", "observed_at", "price_variable", "input", "output", "model",
	"price_tiers", "min_prompt_tokens", "free_basis", "free_checked", "trains_on_prompts"
};

struct finisher {
	const struct features	*features;
	const struct family	*family;
	jv		 provider, base_url, key_env;	/* strings or null */
	jv		 limits;			/* object, no nulls */
	int		 limits_free_only;		/* limits.applies_to "free" */
	jv		 model_limits;			/* object */
	double		 price_scale;			/* to USD per million tokens */
	enum rule	 rule;
	jv		 reason;			/* string or null */
	jv		 basis;				/* free.basis: string or null */
	jv		 checked;			/* free.checked: string or null */
	jv		 trains;			/* data_use.trains_on_prompts, or null */
	int		 local;				/* base_url is this machine */
	jv		 suffix;			/* zero_price variant suffix */
	jv		 require_output;		/* string or null */
	OnigRegex	 pattern, exclude;	/* NULL when absent */
	jv		 keys[K_COUNT];		/* interned field names */
	jv		 text_only;		/* ["text"] */
};

struct features *
features_load(const char *path)
{
	struct features *fs;
	char line[256], a[WORD_MAX], b[WORD_MAX];
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		err_warn("%s: cannot open", path);
		return NULL;
	}
	if ((fs = calloc(1, sizeof *fs)) == NULL) {
		fclose(fp);
		return NULL;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, "%31s %31s", a, b) != 2 || fs->n == FEATURES_MAX) {
			err_warn("%s: expected \"name word\" lines, at most %d", path, FEATURES_MAX);
			break;
		}
		memcpy(fs->from[fs->n], a, sizeof a);
		memcpy(fs->to[fs->n], b, sizeof b);
		fs->n++;
	}
	fclose(fp);
	return fs;
}

void
features_free(struct features *fs)
{
	free(fs);
}

static const char *
feature_word(const struct features *fs, const char *name)
{
	for (int i = 0; i < fs->n; i++)
		if (fs->from[i][0] == name[0] && strcmp(fs->from[i], name) == 0)
			return fs->to[i];
	return NULL;
}

/* Field k of object o (borrowed), as a new reference. */
static jv
get(jv o, const char *k)
{
	return jv_object_get(jv_copy(o), jv_string(k));
}

static int
is_string(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING;
}

/* v (consumed) if it is a string, else null. */
static jv
string_or_null(jv v)
{
	if (is_string(v))
		return v;
	jv_free(v);
	return jv_null();
}

/* Object v (consumed) without its null members; {} if v is not an object. */
static jv
without_nulls(jv v)
{
	jv out = jv_object();

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return out;
	}
	jv_object_foreach(v, key, val) {
		if (jv_get_kind(val) == JV_KIND_NULL) {
			jv_free(key);
			jv_free(val);
		} else {
			out = jv_object_set(out, key, val);
		}
	}
	jv_free(v);
	return out;
}

/* A number from a number or a numeric string (v consumed); NAN otherwise. */
static double
number_of(jv v)
{
	double d = NAN;

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		d = jv_number_value(v);
	} else if (is_string(v)) {
		const char *s = jv_string_value(v);
		char *end;

		errno = 0;
		d = strtod(s, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (end == s || *end != '\0' || errno == ERANGE)
			d = NAN;
	}
	jv_free(v);
	return d;
}

/* A positive whole count, or null for unknown (0, negative, not a number). */
static jv
count_of(jv v)
{
	double d = number_of(v);

	return isfinite(d) && d >= 1 ? jv_number(floor(d)) : jv_null();
}

/* A price scaled to USD per million tokens, rounded to 1e-6; negative means variable: null. */
static jv
price_of(jv v, double scale)
{
	double d = number_of(v);

	if (!isfinite(d) || d < 0)
		return jv_null();
	d *= scale;
	if (!isfinite(d))
		return jv_number(d);	/* model_check refuses it, naming the field */
	return jv_number(round(d * 1e6) / 1e6);
}

/* Tiers a record may carry before model_check refuses it: more are not sorted. */
#define TIERS_MAX 64

static int
by_min(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * The price tiers a dialect gave (v consumed: an array of {min_prompt_tokens,
 * input_price, output_price}, prices in the provider's unit) as a record's
 * price_tiers: prices scaled like the base prices, ascending by
 * min_prompt_tokens, one tier per threshold (the last given wins).  A tier
 * without a whole threshold of 1 or more or without both prices known is
 * left out: it cannot be priced.  Null when none is left.
 */
static jv
tiers_of(const struct finisher *f, jv v, double scale)
{
	double t[TIERS_MAX][3];
	int n = 0, over = 0;
	jv out;

	if (jv_get_kind(v) != JV_KIND_ARRAY) {
		jv_free(v);
		return jv_null();
	}
	jv_array_foreach(v, i, x) {
		if (jv_get_kind(x) == JV_KIND_OBJECT && n < TIERS_MAX) {
			double min = number_of(get(x, "min_prompt_tokens"));
			jv in = price_of(get(x, "input_price"), scale);
			jv out1 = price_of(get(x, "output_price"), scale);

			if (isfinite(min) && min >= 1 && min == floor(min) &&
			    jv_get_kind(in) == JV_KIND_NUMBER && jv_get_kind(out1) == JV_KIND_NUMBER) {
				t[n][0] = min;
				t[n][1] = jv_number_value(in);
				t[n][2] = jv_number_value(out1);
				n++;
			}
			jv_free(in);
			jv_free(out1);
		} else if (jv_get_kind(x) == JV_KIND_OBJECT) {
			over = 1;	/* too many: model_check says so */
		}
		jv_free(x);
		(void)i;
	}
	jv_free(v);
	/* Stable for equal thresholds: insertion sort keeps the given order. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && by_min(t[j - 1], t[j]) > 0; j--) {
			double s[3];

			memcpy(s, t[j], sizeof s);
			memcpy(t[j], t[j - 1], sizeof s);
			memcpy(t[j - 1], s, sizeof s);
		}
	out = jv_array();
	for (int i = 0; i < n; i++) {
		if (i + 1 < n && t[i + 1][0] == t[i][0])
			continue;	/* the same threshold again: the later one wins */
		out = jv_array_append(out, jv_object_set(jv_object_set(jv_object_set(jv_object(),
		    jv_copy(f->keys[K_MIN_PROMPT]), jv_number(t[i][0])),
		    jv_copy(f->keys[K_IN_PRICE]), jv_number(t[i][1])),
		    jv_copy(f->keys[K_OUT_PRICE]), jv_number(t[i][2])));
	}
	if (over)	/* over the bound: a tier that is none, so that the record is refused */
		out = jv_array_append(out, jv_null());
	if (jv_array_length(jv_copy(out)) == 0) {
		jv_free(out);
		return jv_null();
	}
	return out;
}

/* The price scale a price_unit names: "token", "mtok" or a multiplier. */
static int
scale_of(jv unit, double *scale)
{
	if (jv_get_kind(unit) == JV_KIND_NULL || jv_get_kind(unit) == JV_KIND_INVALID)
		*scale = 1;
	else if (is_string(unit) && strcmp(jv_string_value(unit), "mtok") == 0)
		*scale = 1;
	else if (is_string(unit) && strcmp(jv_string_value(unit), "token") == 0)
		*scale = 1e6;
	else if (jv_get_kind(unit) == JV_KIND_NUMBER && jv_number_value(unit) > 0)
		*scale = jv_number_value(unit);
	else
		return -1;
	return 0;
}

static int
has_word(jv list, const char *w)
{
	int n, found = 0;

	if (jv_get_kind(list) != JV_KIND_ARRAY)
		return 0;
	n = jv_array_length(jv_copy(list));
	for (int i = 0; i < n && !found; i++) {
		jv x = jv_array_get(jv_copy(list), i);

		found = is_string(x) && strcmp(jv_string_value(x), w) == 0;
		jv_free(x);
	}
	return found;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Our feature words for the names in raw (borrowed), sorted, unique; +vision. */
static jv
features_of(const struct finisher *f, jv raw, int vision)
{
	const char *words[64];
	int n = 0, len;
	jv out = jv_array();

	if (jv_get_kind(raw) == JV_KIND_ARRAY) {
		len = jv_array_length(jv_copy(raw));
		for (int i = 0; i < len && n < 63; i++) {
			jv x = jv_array_get(jv_copy(raw), i);
			const char *w = is_string(x) ? feature_word(f->features, jv_string_value(x)) : NULL;

			if (w != NULL)
				words[n++] = w;
			jv_free(x);
		}
	}
	if (vision)
		words[n++] = "vision";
	qsort(words, (size_t)n, sizeof words[0], cmp_str);
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(words[i], words[i - 1]) != 0)
			out = jv_array_append(out, jv_string(words[i]));
	return out;
}

static void
set_reason(jv *reason, jv rule_reason, const char *fallback)
{
	*reason = is_string(rule_reason) ? jv_copy(rule_reason) : jv_string(fallback);
}

/* Does re match anywhere in s? */
static int
matches(OnigRegex re, const char *s)
{
	const OnigUChar *start = (const OnigUChar *)s, *end = start + strlen(s);

	return onig_search(re, start, end, start, end, NULL, ONIG_OPTION_NONE) >= 0;
}

/* Apply the free rule: sets *free and *reason (a new reference). */
static void
free_rule(const struct finisher *f, jv mfree, jv mreason, jv model, jv in, jv out, jv mods,
    int *free, jv *reason, const char **basis)
{
	const char *id = jv_string_value(model);

	*free = 0;
	*reason = jv_null();
	*basis = "free_tier";
	if (is_string(f->require_output)) {
		jv o = get(mods, "output");
		int ok = has_word(o, jv_string_value(f->require_output));

		jv_free(o);
		if (!ok)
			return;
	}
	switch (f->rule) {
	case RULE_NONE:
		return;
	case RULE_ALL:
		*free = 1;
		if (f->local)
			*basis = "local";
		set_reason(reason, f->reason, "the provider's free tier covers every model");
		return;
	case RULE_ZERO_PRICE:
		if (jv_get_kind(in) != JV_KIND_NUMBER || jv_get_kind(out) != JV_KIND_NUMBER ||
		    jv_number_value(in) != 0 || jv_number_value(out) != 0)
			return;
		*free = 1;
		*basis = "price_zero";
		if (is_string(f->suffix)) {
			const char *s = jv_string_value(f->suffix);
			size_t li = strlen(id), ls = strlen(s);

			if (li >= ls && strcmp(id + li - ls, s) == 0) {
				*basis = "variant";
				*reason = jv_string_fmt("free variant (%s suffix, price 0)", s);
				return;
			}
		}
		set_reason(reason, f->reason, "price 0");
		return;
	case RULE_MATCH:
		if (!matches(f->pattern, id) || (f->exclude != NULL && matches(f->exclude, id)))
			return;
		*free = 1;
		set_reason(reason, f->reason, "listed in the provider's free tier");
		return;
	case RULE_DIALECT:
		if (jv_get_kind(mfree) == JV_KIND_TRUE) {
			*free = 1;
			if (is_string(mreason))
				*reason = jv_copy(mreason);
			else
				set_reason(reason, f->reason, "marked free by the provider");
		}
		return;
	}
}

/* The fields of dialect output that finishing reads; the rest are carried. */
enum field {
	F_MODEL, F_NAME, F_FAMILY, F_CONTEXT, F_OUTPUT, F_IN_PRICE, F_OUT_PRICE, F_UNIT,
	F_FREE, F_FREE_REASON, F_MODALITIES, F_FEATURES, F_LIMITS, F_BASE_URL, F_EXTRA,
	F_PRICE_TIERS, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"model", "name", "family", "context_length", "max_output_tokens", "input_price",
	"output_price", "price_unit", "free", "free_reason", "modalities", "features",
	"limits", "base_url", "extra", "price_tiers"
};

static int
field_of(const char *k)
{
	for (int i = 0; i < F_COUNT; i++)
		if (k[0] == field_names[i][0] && strcmp(k, field_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Modalities {input, output} from what the dialect said (borrowed): a list
 * that is missing or not an array means text.
 */
static jv
modalities_of(const struct finisher *f, jv m)
{
	jv in = jv_null(), out = jv_null();

	if (jv_get_kind(m) == JV_KIND_OBJECT) {
		in = jv_object_get(jv_copy(m), jv_copy(f->keys[K_INPUT]));
		out = jv_object_get(jv_copy(m), jv_copy(f->keys[K_OUTPUT_MODS]));
	}
	if (jv_get_kind(in) != JV_KIND_ARRAY) {
		jv_free(in);
		in = jv_copy(f->text_only);
	}
	if (jv_get_kind(out) != JV_KIND_ARRAY) {
		jv_free(out);
		out = jv_copy(f->text_only);
	}
	return jv_object_set(jv_object_set(jv_object(), jv_copy(f->keys[K_INPUT]), in),
	    jv_copy(f->keys[K_OUTPUT_MODS]), out);
}

/* A negative price is how providers say "variable": unknown, flagged. */
static int
is_negative(jv v)
{
	double d = number_of(jv_copy(v));

	return isfinite(d) && d < 0;
}

/*
 * One pass over what the dialect said (m, consumed): the known fields into v
 * (null where absent), the rest, without nulls, returned as an object.
 */
static jv
split_fields(jv m, jv v[F_COUNT])
{
	jv rest = jv_object();

	for (int i = 0; i < F_COUNT; i++)
		v[i] = jv_null();
	jv_object_foreach(m, key, val) {
		int i = field_of(jv_string_value(key));

		if (i >= 0) {
			jv_free(v[i]);
			v[i] = val;
			jv_free(key);
		} else if (jv_get_kind(val) != JV_KIND_NULL) {
			rest = jv_object_set(rest, key, val);
		} else {
			jv_free(key);
			jv_free(val);
		}
	}
	jv_free(m);
	return rest;
}

/*
 * The provider's limits (a paid model has none when they apply to the free
 * ones: OpenRouter's are its :free models'), then the model's own in the
 * descriptor, then the dialect's (both borrowed).
 */
static jv
limits_of(const struct finisher *f, jv model, int free, jv dialect_limits)
{
	jv limits = free || !f->limits_free_only ? jv_copy(f->limits) : jv_object();

	if (jv_object_length(jv_copy(f->model_limits)) > 0)
		limits = jv_object_merge(limits, without_nulls(jv_object_get(
		    jv_copy(f->model_limits), jv_copy(model))));
	if (jv_get_kind(dialect_limits) == JV_KIND_OBJECT)
		limits = jv_object_merge(limits, without_nulls(jv_copy(dialect_limits)));
	return limits;
}

jv
finish_model(const struct finisher *f, jv m, const char *observed_at)
{
	jv v[F_COUNT], rest, r, mods, in, out, feats, reason, input, tiers;
	double scale = f->price_scale;
	const char *fam, *basis;
	int free, variable;

	if (jv_get_kind(m) != JV_KIND_OBJECT) {
		jv_free(m);
		return jv_invalid_with_msg(jv_string("the dialect emitted something not an object"));
	}
	rest = split_fields(m, v);
	if (!is_string(v[F_MODEL])) {
		for (int i = 0; i < F_COUNT; i++)
			jv_free(v[i]);
		jv_free(rest);
		return jv_invalid_with_msg(jv_string("the dialect emitted a model without a string id"));
	}
	if (jv_get_kind(v[F_UNIT]) != JV_KIND_NULL && scale_of(v[F_UNIT], &scale) == -1)
		scale = NAN;
	variable = is_negative(v[F_IN_PRICE]) || is_negative(v[F_OUT_PRICE]);
	in = price_of(jv_copy(v[F_IN_PRICE]), scale);
	out = price_of(jv_copy(v[F_OUT_PRICE]), scale);
	mods = modalities_of(f, v[F_MODALITIES]);
	free_rule(f, v[F_FREE], v[F_FREE_REASON], v[F_MODEL], in, out, mods, &free, &reason,
	    &basis);

#define SET(k, x) (r = jv_object_set(r, jv_copy(f->keys[k]), (x)))
	r = jv_object();
	SET(K_TYPE, jv_copy(f->keys[K_MODEL_VALUE]));
	SET(K_PROVIDER, jv_copy(f->provider));
	SET(K_MODEL, jv_copy(v[F_MODEL]));
	SET(K_NAME, is_string(v[F_NAME]) ? jv_copy(v[F_NAME]) : jv_copy(v[F_MODEL]));
	if (is_string(v[F_FAMILY]))
		SET(K_FAMILY, jv_copy(v[F_FAMILY]));
	else
		SET(K_FAMILY, (fam = family_guess(f->family, jv_string_value(v[F_MODEL]))) ?
		    jv_string(fam) : jv_null());
	SET(K_CONTEXT, count_of(jv_copy(v[F_CONTEXT])));
	SET(K_OUTPUT, count_of(jv_copy(v[F_OUTPUT])));
	SET(K_IN_PRICE, in);
	SET(K_OUT_PRICE, out);
	tiers = tiers_of(f, jv_copy(v[F_PRICE_TIERS]), scale);
	if (jv_get_kind(tiers) != JV_KIND_NULL)
		SET(K_PRICE_TIERS, tiers);
	SET(K_FREE, jv_bool(free));
	SET(K_FREE_REASON, reason);
	/* What "free" rests on (the descriptor may say), and when its rule was checked. */
	if (free)
		SET(K_FREE_BASIS, is_string(f->basis) ? jv_copy(f->basis) : jv_string(basis));
	if (is_string(f->checked))
		SET(K_FREE_CHECKED, jv_copy(f->checked));
	if (jv_get_kind(f->trains) != JV_KIND_NULL)
		SET(K_TRAINS, jv_copy(f->trains));
	input = jv_object_get(jv_copy(mods), jv_copy(f->keys[K_INPUT]));
	feats = features_of(f, v[F_FEATURES], has_word(input, "image"));
	jv_free(input);
	SET(K_MODALITIES, mods);
	SET(K_FEATURES, feats);
	SET(K_LIMITS, limits_of(f, v[F_MODEL], free, v[F_LIMITS]));
	SET(K_BASE_URL, is_string(v[F_BASE_URL]) ? jv_copy(v[F_BASE_URL]) : jv_copy(f->base_url));
	SET(K_KEY_ENV, jv_copy(f->key_env));
	SET(K_OBSERVED_AT, jv_string(observed_at));
	if (variable)
		SET(K_PRICE_VARIABLE, jv_true());
#undef SET
	/* Whatever else the dialect said is carried, then its extra fields. */
	r = jv_object_merge(r, rest);
	if (jv_get_kind(v[F_EXTRA]) == JV_KIND_OBJECT)
		r = jv_object_merge(r, without_nulls(jv_copy(v[F_EXTRA])));
	for (int i = 0; i < F_COUNT; i++)
		jv_free(v[i]);
	return r;
}

/* Limits without the members that are their evidence (consumed, returned). */
static jv
without_evidence(jv limits)
{
	if (jv_get_kind(limits) != JV_KIND_OBJECT)
		return limits;
	limits = jv_object_delete(limits, jv_string("source"));
	limits = jv_object_delete(limits, jv_string("checked"));
	return jv_object_delete(limits, jv_string("note"));
}

/* data_use.trains_on_prompts of descriptor d: true, false, "unknown", or null. */
static jv
data_use_trains(jv d)
{
	jv use = get(d, "data_use"), t;

	if (jv_get_kind(use) != JV_KIND_OBJECT) {
		jv_free(use);
		return jv_null();
	}
	t = get(use, "trains_on_prompts");
	jv_free(use);
	if (jv_get_kind(t) == JV_KIND_TRUE || jv_get_kind(t) == JV_KIND_FALSE ||
	    (is_string(t) && strcmp(jv_string_value(t), "unknown") == 0))
		return t;
	jv_free(t);
	return jv_null();
}

/* A base URL (borrowed) on this machine: http://localhost, 127.x.x.x or [::1]. */
static int
is_local(jv url)
{
	static const char *const hosts[] = { "localhost", "127.", "[::1]" };
	const char *u, *h;

	if (!is_string(url))
		return 0;
	u = jv_string_value(url);
	if ((h = strstr(u, "://")) == NULL)
		return 0;
	h += 3;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (strncmp(h, hosts[i], strlen(hosts[i])) == 0 &&
		    (hosts[i][strlen(hosts[i]) - 1] == '.' || strchr(":/", h[strlen(hosts[i])]) ||
		    h[strlen(hosts[i])] == '\0'))
			return 1;
	return 0;
}

/*
 * Compile the regular expression in field of rule, in jq's own flavour
 * (Oniguruma, Perl syntax), into *re (NULL when absent).  -1 with *why set
 * on a bad one.
 */
static int
compile_re(jv rule, const char *field, OnigRegex *re, char *buf, size_t n, const char **why)
{
	jv p = get(rule, field);
	OnigErrorInfo info;
	const OnigUChar *s;
	int rc;

	*re = NULL;
	if (!is_string(p)) {
		jv_free(p);
		return 0;
	}
	s = (const OnigUChar *)jv_string_value(p);
	rc = onig_new(re, s, s + jv_string_length_bytes(jv_copy(p)), ONIG_OPTION_CAPTURE_GROUP,
	    ONIG_ENCODING_UTF8, ONIG_SYNTAX_PERL_NG, &info);
	jv_free(p);
	if (rc != ONIG_NORMAL) {
		OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];

		onig_error_code_to_str(msg, rc, &info);
		snprintf(buf, n, "free.%s: %s", field, (char *)msg);
		*why = buf;
		*re = NULL;
		return -1;
	}
	return 0;
}

struct finisher *
finish_new(jv d, const struct features *fs, const struct family *fam, char *buf, size_t n,
    const char **why)
{
	static const struct {
		const char *name;
		enum rule rule;
	} rules[] = {
		{ "none", RULE_NONE }, { "all", RULE_ALL }, { "zero_price", RULE_ZERO_PRICE },
		{ "match", RULE_MATCH }, { "dialect", RULE_DIALECT },
	};
	struct finisher *f;
	jv rule, kind, auth, unit;
	size_t i;

	if ((f = calloc(1, sizeof *f)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	f->features = fs;
	f->family = fam;
	for (int k = 0; k < K_COUNT; k++)
		f->keys[k] = jv_string(key_names[k]);
	f->text_only = jv_array_append(jv_array(), jv_string("text"));
	f->provider = get(d, "name");
	f->base_url = string_or_null(get(d, "base_url"));
	auth = get(d, "auth");
	f->key_env = jv_get_kind(auth) == JV_KIND_OBJECT ? string_or_null(get(auth, "key_env")) :
	    jv_null();
	jv_free(auth);
	/* The limits' evidence stays in the descriptor: records carry the figures. */
	f->limits = without_evidence(without_nulls(get(d, "limits")));
	if (jv_get_kind(f->limits) == JV_KIND_OBJECT) {
		jv a = jv_object_get(jv_copy(f->limits), jv_string("applies_to"));

		f->limits_free_only = jv_get_kind(a) == JV_KIND_STRING &&
		    strcmp(jv_string_value(a), "free") == 0;
		jv_free(a);
		f->limits = jv_object_delete(f->limits, jv_string("applies_to"));
	}
	f->trains = data_use_trains(d);
	f->local = is_local(f->base_url);
	f->model_limits = get(d, "model_limits");
	if (jv_get_kind(f->model_limits) != JV_KIND_OBJECT) {
		jv_free(f->model_limits);
		f->model_limits = jv_object();
	}
	rule = get(d, "free");
	if (jv_get_kind(rule) != JV_KIND_OBJECT) {
		jv_free(rule);
		rule = jv_object();
	}
	kind = get(rule, "rule");
	f->reason = string_or_null(get(rule, "reason"));
	f->basis = string_or_null(get(rule, "basis"));
	f->checked = string_or_null(get(rule, "checked"));
	f->suffix = string_or_null(get(rule, "variant_suffix"));
	f->require_output = string_or_null(get(rule, "require_output"));
	unit = get(d, "price_unit");
	*why = NULL;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!is_string(kind) ? i == 0 : strcmp(jv_string_value(kind), rules[i].name) == 0)
			break;
	if (i == sizeof rules / sizeof rules[0])
		*why = "free.rule must be all, zero_price, match, dialect or none";
	else
		f->rule = rules[i].rule;
	if (*why == NULL && scale_of(unit, &f->price_scale) == -1)
		*why = "price_unit must be \"token\", \"mtok\" or a positive number";
	if (*why == NULL && f->rule == RULE_MATCH) {
		if (compile_re(rule, "pattern", &f->pattern, buf, n, why) == 0 && f->pattern == NULL)
			*why = "free rule match needs a pattern";
		else if (*why == NULL)
			(void)compile_re(rule, "exclude", &f->exclude, buf, n, why);
	}
	jv_free(kind);
	jv_free(rule);
	jv_free(unit);
	if (*why != NULL) {
		finish_free(f);
		return NULL;
	}
	return f;
}

void
finish_free(struct finisher *f)
{
	if (f == NULL)
		return;
	jv_free(f->provider);
	jv_free(f->base_url);
	jv_free(f->key_env);
	jv_free(f->limits);
	jv_free(f->model_limits);
	jv_free(f->reason);
	jv_free(f->basis);
	jv_free(f->checked);
	jv_free(f->trains);
	jv_free(f->suffix);
	jv_free(f->require_output);
	for (int k = 0; k < K_COUNT; k++)
		jv_free(f->keys[k]);
	jv_free(f->text_only);
	if (f->pattern != NULL)
		onig_free(f->pattern);
	if (f->exclude != NULL)
		onig_free(f->exclude);
	free(f);
}
