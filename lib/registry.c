/*
 * registry: reading and checking provider descriptors.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "paths.h"
#include "registry.h"

int
registry_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

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
	const char *why = NULL, *s;
	jv name, dialect, url, base, auth, env, header;

	if (jv_get_kind(d) != JV_KIND_OBJECT)
		return "not a JSON object";
	name = dialect = url = base = auth = env = header = jv_null();
	if ((s = str_field(d, "name", &name)) == NULL || !registry_valid_name(s))
		why = "\"name\" must be [a-z0-9][a-z0-9._-]{0,62}";
	else if ((s = str_field(d, "dialect", &dialect)) == NULL || !registry_valid_name(s))
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
		if (!registry_valid_name(stem)) {
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

		if (!registry_valid_name(jv_string_value(n))) {
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
