/*
 * runarchive: libarchive, pax + gzip, written streaming as answers arrive.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "err.h"
#include "names.h"
#include "paths.h"
#include "runarchive.h"

struct runarchive {
	struct archive *a;
	char *dir;
	char *tmp;
	char stamp[32];
	time_t t;
};

struct runreplay {
	struct archive *a;
	struct archive_entry *entry;	/* read but not yet used */
	int pending, eof;
	char *file;
	size_t max_body;
};

struct runarchive *
runarchive_create(const char *dir, time_t t)
{
	struct runarchive *r = calloc(1, sizeof *r);
	struct tm tm;
	char name[64];

	if (r == NULL || (r->dir = strdup(dir)) == NULL) {
		err_warn("out of memory");
		free(r);
		return NULL;
	}
	gmtime_r(&t, &tm);
	strftime(r->stamp, sizeof r->stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(name, sizeof name, ".afmts-%s.%ld.tmp", r->stamp, (long)getpid());
	r->t = t;
	if (paths_mkdirs(dir) == -1) {
		err_warn("%s: cannot make the archive directory: %s", dir, strerror(errno));
		goto fail;
	}
	if ((r->tmp = paths_join(dir, name)) == NULL || (r->a = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(r->a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(r->a) != ARCHIVE_OK ||
	    archive_write_set_options(r->a, "gzip:!timestamp") != ARCHIVE_OK ||
	    archive_write_open_filename(r->a, r->tmp) != ARCHIVE_OK) {
		err_warn("%s: cannot write the archive: %s", r->tmp ? r->tmp : dir,
		    r->a ? archive_error_string(r->a) : "out of memory");
		goto fail;
	}
	return r;
fail:
	if (r->a != NULL) {
		archive_write_free(r->a);
		if (r->tmp != NULL)
			unlink(r->tmp);
	}
	free(r->tmp);
	free(r->dir);
	free(r);
	return NULL;
}

static int
put(struct runarchive *r, const char *path, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int ok;

	if (e == NULL)
		return -1;
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, r->t, 0);
	ok = archive_write_header(r->a, e) == ARCHIVE_OK &&
	    (len == 0 || archive_write_data(r->a, data, len) == (la_ssize_t)len);
	archive_entry_free(e);
	if (!ok) {
		err_warn("%s: cannot write the archive: %s", r->tmp, archive_error_string(r->a));
		return -1;
	}
	return 0;
}

/* "NAME/" for page 1, "NAME/page-K/" after: where a page's entries go. */
static void
page_dir(char *dir, size_t n, const char *provider, long page)
{
	if (page <= 1)
		snprintf(dir, n, "%s/", provider);
	else
		snprintf(dir, n, "%s/page-%ld/", provider, page);
}

int
runarchive_add(struct runarchive *r, const char *provider, long page, jv meta,
    const char *body, size_t len)
{
	char dir[96], path[128];
	jv text = jv_dump_string(jv_copy(meta), 0);
	int rc;

	page_dir(dir, sizeof dir, provider, page);
	snprintf(path, sizeof path, "%sresponse.json", dir);
	rc = put(r, path, jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)));
	jv_free(text);
	if (rc == 0 && body != NULL && len > 0) {
		snprintf(path, sizeof path, "%sbody", dir);
		rc = put(r, path, body, len);
	}
	return rc;
}

static void
runarchive_free(struct runarchive *r)
{
	free(r->tmp);
	free(r->dir);
	free(r);
}

int
runarchive_close(struct runarchive *r)
{
	char name[64], *path = NULL;
	int rc = -1;

	if (archive_write_close(r->a) != ARCHIVE_OK) {
		err_warn("%s: cannot write the archive: %s", r->tmp, archive_error_string(r->a));
		goto out;
	}
	/* Never replace an archive: two runs in one second get -2, -3 ... */
	for (int i = 1; i < 100 && rc == -1; i++) {
		if (i == 1)
			snprintf(name, sizeof name, "afmts-%s.tar.gz", r->stamp);
		else
			snprintf(name, sizeof name, "afmts-%s-%d.tar.gz", r->stamp, i);
		free(path);
		if ((path = paths_join(r->dir, name)) == NULL)
			break;
		if (access(path, F_OK) == 0)
			continue;
		if (rename(r->tmp, path) == -1) {
			err_warn("%s: cannot name the archive: %s", path, strerror(errno));
			break;
		}
		rc = 0;
	}
out:
	archive_write_free(r->a);
	if (rc == -1)
		unlink(r->tmp);
	free(path);
	runarchive_free(r);
	return rc;
}

void
runarchive_abort(struct runarchive *r)
{
	archive_write_free(r->a);
	unlink(r->tmp);
	runarchive_free(r);
}

struct runreplay *
runreplay_open(const char *file, size_t max_body)
{
	struct runreplay *r = calloc(1, sizeof *r);

	if (r == NULL || (r->file = strdup(file)) == NULL || (r->a = archive_read_new()) == NULL) {
		err_warn("out of memory");
		if (r != NULL)
			free(r->file);
		free(r);
		return NULL;
	}
	r->max_body = max_body;
	archive_read_support_filter_all(r->a);
	archive_read_support_format_tar(r->a);
	if (archive_read_open_filename(r->a, strcmp(file, "-") == 0 ? NULL : file,
	    64 << 10) != ARCHIVE_OK) {
		err_warn("%s: %s", file, archive_error_string(r->a));
		runreplay_close(r);
		return NULL;
	}
	return r;
}

/* Split "NAME/part" into a valid provider name and the part.  -1 if it is not one of ours. */
static int
entry_name(const char *path, char name[64], const char **part)
{
	const char *slash = path ? strchr(path, '/') : NULL;

	if (slash == NULL || (size_t)(slash - path) >= 64)
		return -1;
	memcpy(name, path, (size_t)(slash - path));
	name[slash - path] = '\0';
	*part = slash + 1;
	return names_provider_ok(name) ? 0 : -1;
}

/* Read the current entry's data, at most max bytes.  NULL (reported) when too big or unreadable. */
static char *
entry_data(struct runreplay *r, size_t max, size_t *len)
{
	la_int64_t size = archive_entry_size_is_set(r->entry) ? archive_entry_size(r->entry) : -1;
	size_t cap = size >= 0 && (size_t)size <= max ? (size_t)size + 1 : 64 << 10, n = 0;
	char *buf;
	la_ssize_t got;

	if (size >= 0 && (size_t)size > max) {
		err_warn("%s: %s: entry over %zu bytes, skipped", r->file,
		    archive_entry_pathname(r->entry), max);
		return NULL;
	}
	if ((buf = malloc(cap)) == NULL)
		return NULL;
	while ((got = archive_read_data(r->a, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n > max) {
			err_warn("%s: %s: entry over %zu bytes, skipped", r->file,
			    archive_entry_pathname(r->entry), max);
			free(buf);
			return NULL;
		}
		if (cap - n - 1 == 0) {
			char *b = realloc(buf, cap * 2);

			if (b == NULL) {
				free(buf);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (got < 0) {
		err_warn("%s: %s", r->file, archive_error_string(r->a));
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Move to the next entry.  1, 0 at the end, -2 on a read error (reported). */
static int
advance(struct runreplay *r)
{
	int rc;

	if (r->pending) {
		r->pending = 0;
		return 1;
	}
	if (r->eof)
		return 0;
	rc = archive_read_next_header(r->a, &r->entry);
	if (rc == ARCHIVE_EOF) {
		r->eof = 1;
		return 0;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
		err_warn("%s: %s", r->file, archive_error_string(r->a));
		r->eof = 1;
		return -2;
	}
	return 1;
}

/* The meta record of provider name, from the current entry; invalid when damaged (reported). */
static jv
read_meta(struct runreplay *r, const char *name)
{
	size_t len;
	char *text = entry_data(r, RUNARCHIVE_MAX_META, &len);
	jv m, p, t;

	if (text == NULL)
		return jv_invalid();
	m = jv_parse_sized(text, (int)len);
	free(text);
	p = jv_get_kind(m) == JV_KIND_OBJECT ? jv_object_get(jv_copy(m), jv_string("provider")) :
	    jv_invalid();
	t = jv_get_kind(m) == JV_KIND_OBJECT ? jv_object_get(jv_copy(m), jv_string("type")) :
	    jv_invalid();
	if (jv_get_kind(p) != JV_KIND_STRING || strcmp(jv_string_value(p), name) != 0 ||
	    jv_get_kind(t) != JV_KIND_STRING || strcmp(jv_string_value(t), "fetch") != 0) {
		err_warn("%s: %s/response.json: not a fetch record of %s, skipped", r->file,
		    name, name);
		jv_free(m);
		m = jv_invalid();
	}
	jv_free(p);
	jv_free(t);
	return m;
}

/* The page of an entry's part: 1 for "response.json" or "body", K for
 * "page-K/..."; *leaf is what follows.  0 when it is not a part of ours. */
static long
entry_page(const char *part, const char **leaf)
{
	char *end;
	long k;

	if (strncmp(part, "page-", 5) != 0) {
		*leaf = part;
		return 1;
	}
	k = strtol(part + 5, &end, 10);
	if (k < 2 || k > 100000 || *end != '/')
		return 0;
	*leaf = end + 1;
	return k;
}

int
runreplay_next(struct runreplay *r, jv *meta, char **body, size_t *len)
{
	char name[64], next[64];
	const char *part, *leaf;
	long page;
	int rc;

	*body = NULL;
	*len = 0;
	if ((rc = advance(r)) <= 0)
		return rc;
	if (entry_name(archive_entry_pathname(r->entry), name, &part) == -1 ||
	    (page = entry_page(part, &leaf)) == 0 || strcmp(leaf, "response.json") != 0) {
		err_warn("%s: %s: unexpected entry, skipped", r->file,
		    archive_entry_pathname(r->entry));
		return -1;
	}
	*meta = read_meta(r, name);
	if (!jv_is_valid(*meta))
		return -1;
	/* Which page it is, the entry's name says. */
	*meta = page > 1 ? jv_object_set(*meta, jv_string("page"), jv_number((double)page)) :
	    jv_object_delete(*meta, jv_string("page"));
	if ((rc = advance(r)) < 0) {
		jv_free(*meta);
		return rc;
	}
	if (rc == 0)
		return 1;
	if (entry_name(archive_entry_pathname(r->entry), next, &part) == 0 &&
	    strcmp(next, name) == 0 && entry_page(part, &leaf) == page && strcmp(leaf, "body") == 0) {
		if ((*body = entry_data(r, r->max_body, len)) == NULL) {
			jv_free(*meta);
			return -1;
		}
		return 1;
	}
	r->pending = 1;		/* the next provider's entry: keep it for the next call */
	return 1;
}

void
runreplay_close(struct runreplay *r)
{
	if (r == NULL)
		return;
	archive_read_free(r->a);
	free(r->file);
	free(r);
}
