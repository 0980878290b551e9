/*
 * condcache: the validators (ETag, Last-Modified) of each provider's last
 * good answer, so that an unchanged model list costs a 304.
 *
 * One small JSON file per provider, DIR/NAME.json: {"url","etag",
 * "last_modified","saved_at"}.  It is only written after a 2xx whose body
 * made a good fetch record, so a broken answer is fetched again in full next
 * time.  After a 410 it says {"url","gone": DAY}: the list at that URL is
 * gone for good, and is not asked again.  Values come from servers: only printable ASCII up to
 * CONDCACHE_MAX_VALUE bytes is kept (they go back out as request headers).
 */
#ifndef AFMTS_CONDCACHE_H
#define AFMTS_CONDCACHE_H

#include <jv.h>

#define CONDCACHE_MAX_VALUE 256

struct condcache_entry {
	char etag[CONDCACHE_MAX_VALUE + 1];
	char last_modified[CONDCACHE_MAX_VALUE + 1];
	char gone[11];			/* the day the URL answered 410, or "" */
};

/*
 * Read the validators saved for provider at url into *e (empty strings when
 * there are none, or when they were saved for another URL).  A damaged file
 * is reported and ignored.
 */
void condcache_load(const char *dir, const char *provider, const char *url,
    struct condcache_entry *e);

/*
 * Save the validators among headers (borrowed; lower-case names) for provider
 * at url; a response without any removes the file.  0, or -1 (reported).
 */
int condcache_save(const char *dir, const char *provider, const char *url, jv headers,
    const char *saved_at);

/* Remember that provider's list at url answered 410 Gone on day.  0, or -1 (reported). */
int condcache_save_gone(const char *dir, const char *provider, const char *url,
    const char *day, const char *saved_at);

/* 1 if s may be sent back as a header value. */
int condcache_value_ok(const char *s);

#endif
