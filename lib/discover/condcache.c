/*
 * condcache: one file of validators per provider, replaced atomically.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "condcache.h"
#include "err.h"
#include "paths.h"

/* Largest cache file read: it holds three short strings. */
#define CONDCACHE_MAX_FILE 4096

int
condcache_value_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
			return 0;
	return n > 0 && n <= CONDCACHE_MAX_VALUE;
}

static char *
file_of(const char *dir, const char *provider, const char *suffix)
{
	char name[128];

	snprintf(name, sizeof name, "%s.json%s", provider, suffix);
	return paths_join(dir, name);
}

/* Copy the string member k of o (borrowed) into out when it is a good value. */
static void
take(jv o, const char *k, char out[CONDCACHE_MAX_VALUE + 1])
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));

	if (jv_get_kind(v) == JV_KIND_STRING && condcache_value_ok(jv_string_value(v)))
		strcpy(out, jv_string_value(v));
	jv_free(v);
}

void
condcache_load(const char *dir, const char *provider, const char *url,
    struct condcache_entry *e)
{
	char *path = file_of(dir, provider, ""), buf[CONDCACHE_MAX_FILE];
	FILE *fp;
	size_t n;
	jv v, u;

	e->etag[0] = e->last_modified[0] = e->gone[0] = '\0';
	if (path == NULL || (fp = fopen(path, "r")) == NULL) {
		free(path);
		return;
	}
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	v = n < sizeof buf ? jv_parse_sized(buf, (int)n) : jv_invalid();
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		err_warn("%s: damaged cache file, ignored", path);
		jv_free(v);
		free(path);
		return;
	}
	free(path);
	u = jv_object_get(jv_copy(v), jv_string("url"));
	if (jv_get_kind(u) == JV_KIND_STRING && strcmp(jv_string_value(u), url) == 0) {
		jv g = jv_object_get(jv_copy(v), jv_string("gone"));

		take(v, "etag", e->etag);
		take(v, "last_modified", e->last_modified);
		if (jv_get_kind(g) == JV_KIND_STRING && strlen(jv_string_value(g)) == 10 &&
		    strspn(jv_string_value(g), "0123456789-") == 10)
			strcpy(e->gone, jv_string_value(g));
		jv_free(g);
	}
	jv_free(u);
	jv_free(v);
}

/* Write provider's entry rec (consumed) in place of the old one.  0, or -1 (reported). */
static int
write_entry(const char *dir, const char *provider, jv rec)
{
	char *path = file_of(dir, provider, ""), *tmp = file_of(dir, provider, ".tmp");
	char *text = NULL;
	FILE *fp = NULL;
	int rc = -1, ok;

	rec = jv_dump_string(rec, 0);
	text = strdup(jv_string_value(rec));
	jv_free(rec);
	if (path == NULL || tmp == NULL || text == NULL)
		goto out;
	if (paths_mkdirs(dir) == -1 || (fp = fopen(tmp, "w")) == NULL) {
		err_warn("%s: cannot save the cache: %s", dir, strerror(errno));
		goto out;
	}
	ok = fprintf(fp, "%s\n", text) >= 0;
	if (fclose(fp) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) == -1) {
		err_warn("%s: cannot save the cache: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(path);
	free(tmp);
	return rc;
}

int
condcache_save(const char *dir, const char *provider, const char *url, jv headers,
    const char *saved_at)
{
	struct condcache_entry e = { "", "", "" };
	jv rec;

	take(headers, "etag", e.etag);
	take(headers, "last-modified", e.last_modified);
	if (e.etag[0] == '\0' && e.last_modified[0] == '\0') {
		char *path = file_of(dir, provider, "");

		if (path != NULL && unlink(path) == -1 && errno != ENOENT)
			err_warn("%s: %s", path, strerror(errno));
		free(path);
		return path == NULL ? -1 : 0;
	}
	rec = jv_object_set(jv_object(), jv_string("url"), jv_string(url));
	if (e.etag[0])
		rec = jv_object_set(rec, jv_string("etag"), jv_string(e.etag));
	if (e.last_modified[0])
		rec = jv_object_set(rec, jv_string("last_modified"), jv_string(e.last_modified));
	rec = jv_object_set(rec, jv_string("saved_at"), jv_string(saved_at));
	return write_entry(dir, provider, rec);
}

int
condcache_save_gone(const char *dir, const char *provider, const char *url, const char *day,
    const char *saved_at)
{
	jv rec = jv_object_set(jv_object(), jv_string("url"), jv_string(url));

	rec = jv_object_set(rec, jv_string("gone"), jv_string(day));
	return write_entry(dir, provider, jv_object_set(rec, jv_string("saved_at"),
	    jv_string(saved_at)));
}
