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

struct finisher {
	const struct features	*features;
	const struct family	*family;
	jv		 provider, base_url, key_env;	/* strings or null */
	jv		 limits;			/* object, no nulls */
	jv		 model_limits;			/* object */
	double		 price_scale;			/* to USD per million tokens */
	enum rule	 rule;
	jv		 reason;			/* string or null */
	jv		 suffix;			/* zero_price variant suffix */
	jv		 require_output;		/* string or null */
	OnigRegex	 pattern, exclude;	/* NULL when absent */
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
		if (strcmp(fs->from[i], name) == 0)
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
free_rule(const struct finisher *f, jv m, jv model, jv in, jv out, jv mods,
    int *free, jv *reason)
{
	const char *id = jv_string_value(model);

	*free = 0;
	*reason = jv_null();
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
		set_reason(reason, f->reason, "the provider's free tier covers every model");
		return;
	case RULE_ZERO_PRICE:
		if (jv_get_kind(in) != JV_KIND_NUMBER || jv_get_kind(out) != JV_KIND_NUMBER ||
		    jv_number_value(in) != 0 || jv_number_value(out) != 0)
			return;
		*free = 1;
		if (is_string(f->suffix)) {
			const char *s = jv_string_value(f->suffix);
			size_t li = strlen(id), ls = strlen(s);

			if (li >= ls && strcmp(id + li - ls, s) == 0) {
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
	case RULE_DIALECT: {
		jv mf = get(m, "free"), mr = get(m, "free_reason");

		if (jv_get_kind(mf) == JV_KIND_TRUE) {
			*free = 1;
			if (is_string(mr))
				*reason = jv_copy(mr);
			else
				set_reason(reason, f->reason, "marked free by the provider");
		}
		jv_free(mf);
		jv_free(mr);
		return;
	}
	}
}

/* Fields of dialect output that finishing consumes; the rest are carried. */
static int
known_field(const char *k)
{
	static const char *known[] = {
		"model", "name", "family", "context_length", "max_output_tokens",
		"input_price", "output_price", "price_unit", "free", "free_reason",
		"modalities", "features", "limits", "base_url", "extra", NULL
	};

	for (int i = 0; known[i] != NULL; i++)
		if (strcmp(k, known[i]) == 0)
			return 1;
	return 0;
}

jv
finish_model(const struct finisher *f, jv m, const char *observed_at)
{
	jv model, r, mods, in, out, limits, unit, v, feats, reason, extra, input;
	double scale = f->price_scale;
	const char *fam;
	int free;

	if (jv_get_kind(m) != JV_KIND_OBJECT) {
		jv_free(m);
		return jv_invalid_with_msg(jv_string("the dialect emitted something not an object"));
	}
	model = get(m, "model");
	if (!is_string(model)) {
		jv_free(model);
		jv_free(m);
		return jv_invalid_with_msg(jv_string("the dialect emitted a model without a string id"));
	}
	unit = get(m, "price_unit");
	if (jv_get_kind(unit) != JV_KIND_NULL && jv_get_kind(unit) != JV_KIND_INVALID &&
	    scale_of(unit, &scale) == -1)
		scale = NAN;
	jv_free(unit);
	in = price_of(get(m, "input_price"), scale);
	out = price_of(get(m, "output_price"), scale);
	mods = get(m, "modalities");
	if (jv_get_kind(mods) != JV_KIND_OBJECT) {
		jv_free(mods);
		mods = jv_object_set(jv_object_set(jv_object(), jv_string("input"),
		    jv_array_append(jv_array(), jv_string("text"))), jv_string("output"),
		    jv_array_append(jv_array(), jv_string("text")));
	}
	free_rule(f, m, model, in, out, mods, &free, &reason);

	r = jv_object_set(jv_object(), jv_string("type"), jv_string("model"));
	r = jv_object_set(r, jv_string("provider"), jv_copy(f->provider));
	r = jv_object_set(r, jv_string("model"), jv_copy(model));
	v = string_or_null(get(m, "name"));
	r = jv_object_set(r, jv_string("name"), jv_get_kind(v) == JV_KIND_NULL ? jv_copy(model) : v);
	v = string_or_null(get(m, "family"));
	if (jv_get_kind(v) == JV_KIND_NULL && (fam = family_guess(f->family, jv_string_value(model))))
		v = jv_string(fam);
	r = jv_object_set(r, jv_string("family"), v);
	r = jv_object_set(r, jv_string("context_length"), count_of(get(m, "context_length")));
	r = jv_object_set(r, jv_string("max_output_tokens"), count_of(get(m, "max_output_tokens")));
	r = jv_object_set(r, jv_string("input_price"), in);
	r = jv_object_set(r, jv_string("output_price"), out);
	r = jv_object_set(r, jv_string("free"), jv_bool(free));
	r = jv_object_set(r, jv_string("free_reason"), reason);
	input = get(mods, "input");
	v = get(m, "features");
	feats = features_of(f, v, has_word(input, "image"));
	jv_free(v);
	jv_free(input);
	r = jv_object_set(r, jv_string("modalities"), mods);
	r = jv_object_set(r, jv_string("features"), feats);
	limits = jv_object_merge(jv_copy(f->limits),
	    without_nulls(get(f->model_limits, jv_string_value(model))));
	limits = jv_object_merge(limits, without_nulls(get(m, "limits")));
	r = jv_object_set(r, jv_string("limits"), limits);
	v = string_or_null(get(m, "base_url"));
	r = jv_object_set(r, jv_string("base_url"), jv_get_kind(v) == JV_KIND_NULL ?
	    jv_copy(f->base_url) : v);
	r = jv_object_set(r, jv_string("key_env"), jv_copy(f->key_env));
	r = jv_object_set(r, jv_string("observed_at"), jv_string(observed_at));
	/* Whatever else the dialect said is carried, "extra" last. */
	jv_object_foreach(m, key, val) {
		if (!known_field(jv_string_value(key)) && jv_get_kind(val) != JV_KIND_NULL) {
			r = jv_object_set(r, key, val);
		} else {
			jv_free(key);
			jv_free(val);
		}
	}
	extra = get(m, "extra");
	if (jv_get_kind(extra) == JV_KIND_OBJECT)
		r = jv_object_merge(r, extra);
	else
		jv_free(extra);
	jv_free(model);
	jv_free(m);
	return r;
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
	f->provider = get(d, "name");
	f->base_url = string_or_null(get(d, "base_url"));
	auth = get(d, "auth");
	f->key_env = jv_get_kind(auth) == JV_KIND_OBJECT ? string_or_null(get(auth, "key_env")) :
	    jv_null();
	jv_free(auth);
	f->limits = without_nulls(get(d, "limits"));
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
	jv_free(f->suffix);
	jv_free(f->require_output);
	if (f->pattern != NULL)
		onig_free(f->pattern);
	if (f->exclude != NULL)
		onig_free(f->exclude);
	free(f);
}
