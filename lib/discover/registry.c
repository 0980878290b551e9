/*
 * registry: reading and checking provider descriptors.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "names.h"
#include "pagerule.h"
#include "paths.h"
#include "registry.h"

/* An environment variable name: [A-Z_][A-Z0-9_]{0,63}. */
static int
valid_env_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* An HTTP header field name: RFC 9110 token characters. */
static int
valid_header_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("!#$%&'*+-.^_`|~", s[i]) &&
		    !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
valid_url(const char *s)
{
	return strlen(s) < 2048 &&
	    (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
	    strpbrk(s, " \t\r\n") == NULL;
}

/*
 * The "headers" member: fixed request headers, by name.  Never the key's
 * header nor Authorization (the key goes only where "auth" says), nor what
 * frames the request; values printable ASCII, no CR or LF.  NULL if fine.
 */
static const char *
check_headers(jv h, const char *key_header)
{
	static const char *const reserved[] = {
		"authorization", "proxy-authorization", "host", "content-length",
		"transfer-encoding", "connection", "cookie", "if-none-match", "if-modified-since",
		NULL
	};
	const char *why = NULL;
	jv keys;
	int n;

	if (jv_get_kind(h) == JV_KIND_INVALID || jv_get_kind(h) == JV_KIND_NULL)
		return NULL;
	if (jv_get_kind(h) != JV_KIND_OBJECT)
		return "\"headers\" must be an object of header names and values";
	keys = jv_keys(jv_copy(h));
	if ((n = jv_array_length(jv_copy(keys))) > 16)
		why = "\"headers\" has more than 16 headers";
	for (int i = 0; i < n && why == NULL; i++) {
		jv k = jv_array_get(jv_copy(keys), i), v = jv_object_get(jv_copy(h), jv_copy(k));
		const char *name = jv_string_value(k), *s;
		size_t len;

		if (!valid_header_name(name))
			why = "\"headers\": a name is not an HTTP header name";
		for (int j = 0; why == NULL && reserved[j] != NULL; j++)
			if (strcasecmp(name, reserved[j]) == 0)
				why = "\"headers\" may not set Authorization, the key's header, "
				    "Host, cookies, validators or framing headers";
		if (why == NULL && key_header != NULL && strcasecmp(name, key_header) == 0)
			why = "\"headers\" may not set the key's header (\"auth.header\")";
		if (why == NULL && jv_get_kind(v) != JV_KIND_STRING)
			why = "\"headers\": a value is not a string";
		if (why == NULL) {
			s = jv_string_value(v);
			len = strlen(s);
			if (len == 0 || len > 1024 || s[0] == ' ' || s[len - 1] == ' ' ||
			    (size_t)jv_string_length_bytes(jv_copy(v)) != len)
				why = "\"headers\": a value is empty, too long or has a NUL byte";
			for (size_t b = 0; why == NULL && b < len; b++)
				if ((unsigned char)s[b] < 0x20 || (unsigned char)s[b] > 0x7e)
					why = "\"headers\": a value has a control character "
					    "(CR, LF...) or a byte outside printable ASCII";
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(keys);
	return why;
}

/* A day, YYYY-MM-DD (v borrowed). */
static int
valid_day(jv v)
{
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "";
	int y, m, dd, end = 0;

	return sscanf(s, "%4d-%2d-%2d%n", &y, &m, &dd, &end) == 3 && end == 10 &&
	    strlen(s) == 10 && m >= 1 && m <= 12 && dd >= 1 && dd <= 31;
}

static int
absent(jv v)
{
	return jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) == JV_KIND_NULL;
}

/* "retired": a day (YYYY-MM-DD) the provider's endpoint ended; "retired_source": a URL. */
static const char *
check_retired(jv d)
{
	jv r = jv_object_get(jv_copy(d), jv_string("retired"));
	jv src = jv_object_get(jv_copy(d), jv_string("retired_source"));
	const char *why = NULL;

	if (!absent(r) && !valid_day(r))
		why = "\"retired\" must be a day, YYYY-MM-DD";
	if (why == NULL && jv_get_kind(src) != JV_KIND_INVALID && jv_get_kind(src) != JV_KIND_NULL &&
	    (jv_get_kind(src) != JV_KIND_STRING || !valid_url(jv_string_value(src))))
		why = "\"retired_source\" must be an http(s) URL";
	jv_free(r);
	jv_free(src);
	return why;
}

/*
 * The evidence of a fact: the object o (borrowed) names its "source" (a URL)
 * and the day it was "checked".  NULL if it does, else why not, in buf.
 */
static const char *
check_evidence(jv o, const char *what, char *buf, size_t n)
{
	jv src = jv_object_get(jv_copy(o), jv_string("source"));
	jv day = jv_object_get(jv_copy(o), jv_string("checked"));
	const char *why = NULL;

	if (jv_get_kind(src) != JV_KIND_STRING || !valid_url(jv_string_value(src)))
		why = "\"source\" (the http(s) URL it rests on)";
	else if (!valid_day(day))
		why = "\"checked\" (the day it was checked, YYYY-MM-DD)";
	jv_free(src);
	jv_free(day);
	if (why == NULL)
		return NULL;
	snprintf(buf, n, "\"%s\" needs %s", what, why);
	return buf;
}

/* limits (borrowed, an object) says to whom it applies: all models, or the free ones. */
static int
applies_to_ok(jv limits)
{
	jv a = jv_object_get(jv_copy(limits), jv_string("applies_to"));
	int ok = absent(a) || (jv_get_kind(a) == JV_KIND_STRING &&
	    (strcmp(jv_string_value(a), "all") == 0 || strcmp(jv_string_value(a), "free") == 0));

	jv_free(a);
	return ok;
}

/*
 * Every fact a descriptor states carries its evidence: the free rule, the
 * limits (which vouch for model_limits and tier_limits too) and the data use
 * of the free tier, trains_on_prompts true, false or "unknown".
 */
static const char *
check_facts(jv d, char *buf, size_t n)
{
	static const char *const bases[] = { "price_zero", "variant", "free_tier", "local" };
	jv free = jv_object_get(jv_copy(d), jv_string("free"));
	jv limits = jv_object_get(jv_copy(d), jv_string("limits"));
	jv more = jv_object_get(jv_copy(d), jv_string("model_limits"));
	jv tiers = jv_object_get(jv_copy(d), jv_string("tier_limits"));
	jv use = jv_object_get(jv_copy(d), jv_string("data_use"));
	jv basis = jv_null(), trains = jv_null();
	const char *why = NULL;
	int ok = 0;

	if (jv_get_kind(free) != JV_KIND_OBJECT)
		why = "\"free\" must be an object: the free rule with its evidence";
	else if ((why = check_evidence(free, "free", buf, n)) == NULL) {
		basis = jv_object_get(jv_copy(free), jv_string("basis"));
		for (size_t i = 0; i < sizeof bases / sizeof bases[0] && !absent(basis); i++)
			ok |= jv_get_kind(basis) == JV_KIND_STRING &&
			    strcmp(jv_string_value(basis), bases[i]) == 0;
		if (!absent(basis) && !ok)
			why = "\"free.basis\" must be price_zero, variant, free_tier or local";
	}
	if (why == NULL && absent(limits) && (!absent(more) || !absent(tiers)))
		why = "\"model_limits\" and \"tier_limits\" need \"limits\" with their evidence";
	else if (why == NULL && !absent(limits) && jv_get_kind(limits) != JV_KIND_OBJECT)
		why = "\"limits\" must be an object";
	else if (why == NULL && !absent(limits))
		why = check_evidence(limits, "limits", buf, n);
	if (why == NULL && !absent(limits) && !applies_to_ok(limits))
		why = "\"limits.applies_to\" must be \"all\" (the default) or \"free\"";
	if (why == NULL && jv_get_kind(use) != JV_KIND_OBJECT)
		why = "\"data_use\" must be an object: trains_on_prompts with its evidence";
	else if (why == NULL && (why = check_evidence(use, "data_use", buf, n)) == NULL) {
		trains = jv_object_get(jv_copy(use), jv_string("trains_on_prompts"));
		if (jv_get_kind(trains) != JV_KIND_TRUE && jv_get_kind(trains) != JV_KIND_FALSE &&
		    (jv_get_kind(trains) != JV_KIND_STRING ||
		    strcmp(jv_string_value(trains), "unknown") != 0))
			why = "\"data_use.trains_on_prompts\" must be true, false or \"unknown\"";
	}
	jv_free(free);
	jv_free(limits);
	jv_free(more);
	jv_free(tiers);
	jv_free(use);
	jv_free(basis);
	jv_free(trains);
	return why;
}

/* The string field k of d, or NULL when absent or not a string. */
static const char *
str_field(jv d, const char *k, jv *hold)
{
	*hold = jv_object_get(jv_copy(d), jv_string(k));
	return jv_get_kind(*hold) == JV_KIND_STRING ? jv_string_value(*hold) : NULL;
}

const char *
registry_check(jv d)
{
	static char buf[160];	/* check_facts names the member */
	const char *why = NULL, *s;
	jv name, dialect, url, base, auth, env, header;

	if (jv_get_kind(d) != JV_KIND_OBJECT)
		return "not a JSON object";
	name = dialect = url = base = auth = env = header = jv_null();
	if ((s = str_field(d, "name", &name)) == NULL || !names_provider_ok(s))
		why = "\"name\" must be [a-z0-9][a-z0-9._-]{0,62}";
	else if ((s = str_field(d, "dialect", &dialect)) == NULL || !names_provider_ok(s))
		why = "\"dialect\" must be a dialect name";
	else if ((s = str_field(d, "models_url", &url)) == NULL || !valid_url(s))
		why = "\"models_url\" must be an http(s) URL";
	else if ((s = str_field(d, "base_url", &base)) != NULL && !valid_url(s))
		why = "\"base_url\" must be an http(s) URL";
	else {
		auth = jv_object_get(jv_copy(d), jv_string("auth"));
		if (jv_get_kind(auth) == JV_KIND_OBJECT) {
			if ((s = str_field(auth, "key_env", &env)) == NULL || !valid_env_name(s))
				why = "\"auth.key_env\" must name an environment variable";
			else if ((s = str_field(auth, "header", &header)) == NULL ||
			    !valid_header_name(s))
				why = "\"auth.header\" must be an HTTP header name";
		} else if (jv_get_kind(auth) != JV_KIND_INVALID &&
		    jv_get_kind(auth) != JV_KIND_NULL) {
			why = "\"auth\" must be an object";
		}
	}
	if (why == NULL) {
		jv h = jv_object_get(jv_copy(d), jv_string("headers"));

		why = check_headers(h, jv_get_kind(header) == JV_KIND_STRING ?
		    jv_string_value(header) : NULL);
		jv_free(h);
	}
	if (why == NULL) {
		jv p = jv_object_get(jv_copy(d), jv_string("pages"));

		if (jv_get_kind(p) != JV_KIND_INVALID && jv_get_kind(p) != JV_KIND_NULL)
			why = pagerule_check(p);
		jv_free(p);
	}
	if (why == NULL) {
		jv f = jv_object_get(jv_copy(d), jv_string("follow"));

		if (jv_get_kind(f) != JV_KIND_INVALID && jv_get_kind(f) != JV_KIND_NULL)
			why = pagerule_check_follow(f);
		jv_free(f);
	}
	if (why == NULL)
		why = check_retired(d);
	if (why == NULL)
		why = check_facts(d, buf, sizeof buf);
	jv_free(name);
	jv_free(dialect);
	jv_free(url);
	jv_free(base);
	jv_free(auth);
	jv_free(env);
	jv_free(header);
	return why;
}

/* One descriptor file, or an invalid jv after reporting what was wrong (path named). */
static jv
load_file(const char *path, const char *expect_name)
{
	struct stat st;
	jv all, d, name;
	const char *why;

	if (stat(path, &st) == -1) {
		err_warn("%s: %s", path, strerror(errno));
		return jv_invalid();
	}
	if (!S_ISREG(st.st_mode) || st.st_size > REGISTRY_MAX_FILE) {
		err_warn("%s: not a regular file of at most %d bytes", path, REGISTRY_MAX_FILE);
		return jv_invalid();
	}
	all = jv_load_file(path, 0);	/* an array of the file's JSON values */
	if (!jv_is_valid(all)) {
		jv msg = jv_invalid_get_msg(all);

		err_warn("%s: %s", path, jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "unreadable");
		jv_free(msg);
		return jv_invalid();
	}
	if (jv_array_length(jv_copy(all)) != 1) {
		jv_free(all);
		err_warn("%s: expected exactly one JSON object", path);
		return jv_invalid();
	}
	d = jv_array_get(all, 0);
	if ((why = registry_check(d)) != NULL) {
		err_warn("%s: bad descriptor: %s", path, why);
		jv_free(d);
		return jv_invalid();
	}
	name = jv_object_get(jv_copy(d), jv_string("name"));
	if (expect_name != NULL && strcmp(jv_string_value(name), expect_name) != 0) {
		err_warn("%s: descriptor \"name\" is \"%s\", not the file name", path,
		    jv_string_value(name));
		jv_free(name);
		jv_free(d);
		return jv_invalid();
	}
	jv_free(name);
	return d;
}

/* Add every NAME.json of dir to *all (later calls win).  -1 if dir unreadable. */
static int
load_dir(const char *dir, jv *all, int *bad)
{
	DIR *dp;
	struct dirent *de;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		size_t n = strlen(de->d_name);
		char stem[64], *path;
		jv d;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (n - 5 >= sizeof stem) {
			err_warn("%s/%s: provider name too long, skipped", dir, de->d_name);
			(*bad)++;
			continue;
		}
		memcpy(stem, de->d_name, n - 5);
		stem[n - 5] = '\0';
		if (!names_provider_ok(stem)) {
			err_warn("%s/%s: not a valid provider name, skipped", dir, de->d_name);
			(*bad)++;
			continue;
		}
		if ((path = paths_join(dir, de->d_name)) == NULL)
			break;
		d = load_file(path, stem);
		free(path);
		if (!jv_is_valid(d)) {
			jv_free(d);
			(*bad)++;
			continue;
		}
		*all = jv_object_set(*all, jv_string(stem), d);
	}
	closedir(dp);
	return 0;
}

jv
registry_load(const char *user_dir, int *bad)
{
	jv all = jv_object();
	char *data, *conf, *dir;

	*bad = 0;
	if ((data = paths_data_dir()) != NULL && (dir = paths_join(data, "parsers/providers"))) {
		(void)load_dir(dir, &all, bad);
		free(dir);
	}
	free(data);
	if ((conf = paths_config_dir()) != NULL && (dir = paths_join(conf, "providers"))) {
		(void)load_dir(dir, &all, bad);
		free(dir);
	}
	free(conf);
	if (user_dir != NULL && load_dir(user_dir, &all, bad) == -1) {
		err_warn("%s: %s", user_dir, strerror(errno));
		jv_free(all);
		return jv_invalid();
	}
	return all;
}

jv
registry_only(const char *only)
{
	jv names = jv_string_split(jv_string(only), jv_string(","));

	for (int i = 0; i < jv_array_length(jv_copy(names)); i++) {
		jv n = jv_array_get(jv_copy(names), i);

		if (!names_provider_ok(jv_string_value(n))) {
			err_warn("--only: '%s' is not a provider name", jv_string_value(n));
			jv_free(n);
			jv_free(names);
			return jv_invalid();
		}
		jv_free(n);
	}
	return names;
}

int
registry_only_has(jv only, const char *name)
{
	int n, found = 0;

	if (jv_get_kind(only) != JV_KIND_ARRAY)
		return 1;
	n = jv_array_length(jv_copy(only));
	for (int i = 0; i < n && !found; i++) {
		jv x = jv_array_get(jv_copy(only), i);

		found = strcmp(jv_string_value(x), name) == 0;
		jv_free(x);
	}
	return found;
}

int
registry_only_check(const char *only)
{
	jv names = registry_only(only);
	int ok = jv_is_valid(names);

	jv_free(names);
	return ok ? 0 : -1;
}
