/*
 * catalog: the SQLite file that holds what AFMTS knows.
 *
 * Opening a catalog sets WAL mode (readers never wait for the writer) and a
 * busy timeout, and brings its schema up to date: sql/NNN-name.sql files in
 * the data dir are applied in order, each in its own transaction, and
 * PRAGMA user_version records the last one applied.  Every connection
 * knows the latency histogram functions of latency.h.
 */
#ifndef AFMTS_CATALOG_H
#define AFMTS_CATALOG_H

#include <sqlite3.h>

enum {
	CATALOG_OK = 0,
	CATALOG_BUSY = 3,	/* another writer held it past the timeout */
	CATALOG_ERROR = 4,	/* cannot open, corrupt, newer schema, failed migration */
	CATALOG_MISSING = 5	/* no catalog at that path (catalog_open_existing) */
};

/*
 * Open (creating it and its directory if need be) and migrate the catalog at
 * path.  Returns CATALOG_OK with *db set, or an error code after reporting.
 */
int catalog_open(const char *path, int busy_ms, sqlite3 **db);

/*
 * Open an existing catalog, never creating or migrating it: its schema must
 * be at least version need.  Read-only unless writable.  Returns CATALOG_OK
 * with *db set, CATALOG_MISSING (not reported), or CATALOG_ERROR after
 * reporting.
 */
int catalog_open_existing(const char *path, int need, int writable, sqlite3 **db);

/*
 * The text of an SQL file (at most 1 MiB of it), NUL-terminated, for the
 * caller to free; NULL when it cannot be read (errno set).
 */
char *catalog_read_file(const char *path);

/* Run one SQL statement with no result; returns an error code after reporting. */
int catalog_exec(sqlite3 *db, const char *sql);

/* Prepare sql, reporting failure; NULL on error. */
sqlite3_stmt *catalog_prepare(sqlite3 *db, const char *sql);

/*
 * *st, prepared from sql on its first use, so that a caller pays only for the
 * statements it runs.  NULL after reporting.
 */
sqlite3_stmt *catalog_prepare_once(sqlite3 *db, sqlite3_stmt **st, const char *sql);

/* Bind s (copied), or NULL when s is NULL. */
void catalog_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Bind v, or NULL unless has. */
void catalog_bind_int64(sqlite3_stmt *st, int i, int has, sqlite3_int64 v);
void catalog_bind_double(sqlite3_stmt *st, int i, int has, double v);

/* An error code for an SQLite result code (busy or error), reported with what. */
int catalog_fail(sqlite3 *db, int rc, const char *what);

void catalog_close(sqlite3 *db);

/* The exit status (cli.h) of a CATALOG_* code: missing or busy, or failed. */
int catalog_exit(int code);

#endif
