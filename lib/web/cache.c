/*
 * cache: keys, entries, expiry and eviction (cache.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"
#include "err.h"
#include "utctime.h"

/* "used" is a sequence rather than a time: uses within one second still have an order. */
static const char schema[] =
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS entry ("
    " key TEXT PRIMARY KEY,"
    " provider TEXT NOT NULL, model TEXT NOT NULL,"
    " body BLOB NOT NULL, bytes INTEGER NOT NULL,"
    " stored INTEGER NOT NULL, used INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS entry_used ON entry (used);";

/* The request is deterministic: temperature 0, or a seed given. */
static int
deterministic(jv body)
{
	jv t = jv_object_get(jv_copy(body), jv_string("temperature"));
	jv s = jv_object_get(jv_copy(body), jv_string("seed"));
	int yes = (jv_get_kind(t) == JV_KIND_NUMBER && jv_number_value(t) == 0) ||
	    (jv_get_kind(s) != JV_KIND_NULL && jv_get_kind(s) != JV_KIND_INVALID);

	jv_free(t);
	jv_free(s);
	return yes;
}

const char *
cache_path_for(const struct chatreq *r, const char *catalog, char *buf, size_t n)
{
	const char *env = getenv("AFMTS_CACHE");

	if (r->cache == 0 || (r->cache < 0 && !deterministic(r->body)))
		return NULL;
	if (env != NULL && *env != '\0')
		return env;
	if (r->cache < 1 || catalog == NULL ||
	    snprintf(buf, n, "%s.cache", catalog) >= (int)n)
		return NULL;
	return buf;
}

#define CACHE_BUSY_MS	2000

static int
failed(struct cache *c, const char *what)
{
	err_warn("cache: %s: %s", what, c->db ? sqlite3_errmsg(c->db) : "out of memory");
	return -1;
}

/*
 * Switch the file to WAL, which takes an exclusive lock that SQLite's busy
 * handler does not wait for: workers opening a new cache at once (afmts-batch
 * --parallel) would each see "database is locked" and go uncached.  Tried
 * again every 10 ms until busy_ms have passed, the busy handler off meanwhile
 * so that no one attempt waits on its own.
 */
static int
wal_mode(sqlite3 *db, int busy_ms)
{
	const struct timespec pause = { 0, 10 * 1000000L };
	long long deadline = utctime_clock_ms() + busy_ms;
	int rc;

	sqlite3_busy_timeout(db, 0);
	while ((rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) ==
	    SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (utctime_clock_ms() >= deadline)
			break;
		nanosleep(&pause, NULL);
	}
	sqlite3_busy_timeout(db, busy_ms);
	return rc;
}

int
cache_open(struct cache *c, const char *path)
{
	int fd;

	memset(c, 0, sizeof *c);
	c->ttl = cli_env_number("AFMTS_CACHE_TTL", 1, 366L * 86400, CACHE_DEFAULT_TTL);
	c->max_bytes = cli_env_number("AFMTS_CACHE_MAX_BYTES", 1, 1L << 40,
	    CACHE_DEFAULT_MAX_BYTES);
	/* Made 0600 before SQLite sees it (its -wal and -shm files take its mode). */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		err_warn("cache: %s: cannot open", path);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->db, CACHE_BUSY_MS) != SQLITE_OK ||
	    wal_mode(c->db, CACHE_BUSY_MS) != SQLITE_OK ||
	    sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		failed(c, path);
		cache_close(c);
		return -1;
	}
	return 0;
}

void
cache_close(struct cache *c)
{
	sqlite3_close(c->db);
	c->db = NULL;
}

int
cache_key(const struct chatreq *r, const char *provider, const char *model,
    char key[SHA256_HEX_LEN])
{
	static const char *const dropped[] = { "model", "stream", "stream_options",
	    "afmts_fallback", "afmts_wait_ms", "afmts_cache" };
	jv k = jv_copy(r->body), text;

	for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		k = jv_object_delete(k, jv_string(dropped[i]));
	k = jv_object_set(jv_object_set(jv_object_set(jv_object(), jv_string("body"), k),
	    jv_string("provider"), jv_string(provider)), jv_string("model"), jv_string(model));
	k = jv_object_set(k, jv_string("endpoint"),
	    jv_string(r->completion ? "completions" : "chat/completions"));
	k = jv_object_set(k, jv_string("stream"), jv_number(r->stream ? 1 + r->include_usage : 0));
	text = jv_dump_string(k, JV_PRINT_SORTED);
	if (!jv_is_valid(text)) {
		jv_free(text);
		return -1;
	}
	sha256_hex(jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)), key);
	jv_free(text);
	return 0;
}

static char *
column_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return strdup(s != NULL ? s : "");
}

int
cache_get(struct cache *c, const char *key, time_t now, struct cache_entry *e)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	memset(e, 0, sizeof *e);
	if (sqlite3_prepare_v2(c->db, "UPDATE entry SET used = (SELECT coalesce(max(used), 0) + 1 "
	    "FROM entry) WHERE key = ?1 AND stored > ?2 RETURNING provider, model, body",
	    -1, &st, NULL) != SQLITE_OK)
		return failed(c, "look-up");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now - c->ttl);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 2);

		e->nbody = (size_t)sqlite3_column_bytes(st, 2);
		e->provider = column_text(st, 0);
		e->model = column_text(st, 1);
		if ((e->body = malloc(e->nbody + 1)) != NULL) {
			if (e->nbody > 0)
				memcpy(e->body, b, e->nbody);
			e->body[e->nbody] = '\0';
		}
		found = e->provider != NULL && e->model != NULL && e->body != NULL;
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || (!found && e->provider != NULL)) {
		cache_entry_free(e);
		return failed(c, "look-up");
	}
	return found;
}

/* Run sql with now (?1) and the bounds (?2 ttl, ?3 bytes).  0, or -1. */
static int
run(struct cache *c, const char *sql, time_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return failed(c, "store");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, c->ttl);
	sqlite3_bind_int64(st, 3, c->max_bytes);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : failed(c, "store");
}

int
cache_put(struct cache *c, const char *key, time_t now, const char *provider,
    const char *model, const char *body, size_t nbody)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((long long)nbody > c->max_bytes)
		return 0;	/* never fits: not stored */
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return failed(c, "store");
	if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO entry VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "(SELECT coalesce(max(used), 0) + 1 FROM entry))", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return failed(c, "store");
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, model, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, body, (int)nbody, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)nbody);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	/* Expired entries go, then the least recently used while the bytes are over the bound. */
	if (rc != SQLITE_DONE ||
	    run(c, "DELETE FROM entry WHERE stored <= ?1 - ?2", now) == -1 ||
	    run(c, "DELETE FROM entry WHERE key IN (SELECT key FROM (SELECT key, sum(bytes) OVER "
	    "(ORDER BY used DESC) AS kept FROM entry) WHERE kept > ?3)", now) == -1 ||
	    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (rc != SQLITE_DONE)
			failed(c, "store");
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void
cache_entry_free(struct cache_entry *e)
{
	free(e->provider);
	free(e->model);
	free(e->body);
	memset(e, 0, sizeof *e);
}
