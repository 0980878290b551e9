/*
 * catalog: opening, configuring and migrating the SQLite catalog.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"
#include "latency.h"
#include "err.h"
#include "paths.h"

#define MAX_MIGRATIONS 64
#define MAX_MIGRATION_SIZE (1 << 20)

int
catalog_fail(sqlite3 *db, int rc, const char *what)
{
	int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ?
	    CATALOG_BUSY : CATALOG_ERROR;

	if (code == CATALOG_BUSY)
		err_warn("catalog busy: another afmts-track holds it (%s)", what);
	else
		err_warn("catalog: %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return code;
}

int
catalog_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CATALOG_OK : catalog_fail(db, rc, sql);
}

sqlite3_stmt *
catalog_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		catalog_fail(db, rc, "prepare");
		return NULL;
	}
	return st;
}

sqlite3_stmt *
catalog_prepare_once(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
	if (*st == NULL)
		*st = catalog_prepare(db, sql);
	return *st;
}

void
catalog_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void
catalog_bind_int64(sqlite3_stmt *st, int i, int has, sqlite3_int64 v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

void
catalog_bind_double(sqlite3_stmt *st, int i, int has, double v)
{
	if (has)
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Make the directory holding path, and its parents (mode 0700: it is private). */
static int
make_parent(const char *path)
{
	char *dir = strdup(path), *p;
	int rc = 0;

	if (dir == NULL)
		return -1;
	if ((p = strrchr(dir, '/')) != NULL && p != dir) {
		*p = '\0';
		rc = paths_mkdirs(dir);
	}
	free(dir);
	return rc;
}

struct migration {
	int	 version;
	char	 file[128];
};

static int
by_version(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* The migrations in DATADIR/sql, sorted; count, or -1 after reporting. */
static int
list_migrations(struct migration *m, char **dirp)
{
	char *data = paths_data_dir(), *dir;
	struct dirent *de;
	DIR *dp;
	int n = 0;

	dir = data ? paths_join(data, "sql") : NULL;
	free(data);
	if (dir == NULL || (dp = opendir(dir)) == NULL) {
		err_warn("%s: cannot read the schema migrations", dir ? dir : "sql");
		free(dir);
		return -1;
	}
	while ((de = readdir(dp)) != NULL && n < MAX_MIGRATIONS) {
		int v, len = (int)strlen(de->d_name);
		char dash;

		if (len < 9 || len >= (int)sizeof m[0].file ||
		    strcmp(de->d_name + len - 4, ".sql") != 0 ||
		    sscanf(de->d_name, "%3d%c", &v, &dash) != 2 || dash != '-' || v < 1)
			continue;
		m[n].version = v;
		memcpy(m[n].file, de->d_name, (size_t)len + 1);
		n++;
	}
	closedir(dp);
	qsort(m, (size_t)n, sizeof m[0], by_version);
	*dirp = dir;
	return n;
}

char *
catalog_read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	if (fp == NULL)
		return NULL;
	if ((buf = malloc(MAX_MIGRATION_SIZE + 1)) != NULL) {
		n = fread(buf, 1, MAX_MIGRATION_SIZE, fp);
		buf[n] = '\0';
	}
	fclose(fp);
	return buf;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st = catalog_prepare(db, "PRAGMA user_version");
	int rc;

	if (st == NULL)
		return CATALOG_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? CATALOG_OK : catalog_fail(db, rc, "read the schema version");
}

/* Apply every migration newer than the catalog, each in one transaction. */
static int
migrate(sqlite3 *db)
{
	struct migration m[MAX_MIGRATIONS];
	char *dir = NULL, *path, *sql, pragma[64];
	int n, have, rc;

	if ((n = list_migrations(m, &dir)) < 0)
		return CATALOG_ERROR;
	if ((rc = user_version(db, &have)) != CATALOG_OK)
		goto out;
	if (n > 0 && have > m[n - 1].version) {
		err_warn("catalog: schema version %d is newer than this AFMTS knows (%d)",
		    have, m[n - 1].version);
		rc = CATALOG_ERROR;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (m[i].version <= have)
			continue;
		/* Take the write lock first, then look again: another process may have migrated. */
		if ((rc = catalog_exec(db, "BEGIN IMMEDIATE")) != CATALOG_OK)
			goto out;
		if ((rc = user_version(db, &have)) != CATALOG_OK || m[i].version <= have) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			if (rc != CATALOG_OK)
				goto out;
			continue;
		}
		path = paths_join(dir, m[i].file);
		sql = path ? catalog_read_file(path) : NULL;
		if (sql == NULL) {
			err_warn("%s: cannot read", path ? path : m[i].file);
			free(path);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			rc = CATALOG_ERROR;
			goto out;
		}
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m[i].version);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, pragma, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = catalog_fail(db, rc, m[i].file);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			free(sql);
			free(path);
			goto out;
		}
		free(sql);
		free(path);
		have = m[i].version;
	}
	rc = CATALOG_OK;
out:
	free(dir);
	return rc;
}

/*
 * What every connection needs: a busy timeout, the latency functions and, for
 * a writer, WAL commits without an fsync each (a power cut may lose the last
 * transactions, never the catalog).  A CATALOG_* code.
 */
static int
connection_ready(sqlite3 *db, int busy_ms, int writable)
{
	sqlite3_busy_timeout(db, busy_ms);
	if (latency_register(db) == -1)
		return CATALOG_ERROR;
	return writable ? catalog_exec(db, "PRAGMA synchronous = NORMAL") : CATALOG_OK;
}

int
catalog_open_existing(const char *path, int need, int writable, sqlite3 **dbp)
{
	sqlite3 *db = NULL;
	int rc, have = 0;

	*dbp = NULL;
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return CATALOG_MISSING;
	rc = sqlite3_open_v2(path, &db, (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_warn("catalog %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return CATALOG_ERROR;
	}
	/* Readers of a WAL catalog wait only while a checkpoint or recovery runs. */
	if ((rc = connection_ready(db, writable ? 5000 : 2000, writable)) != CATALOG_OK ||
	    (rc = user_version(db, &have)) != CATALOG_OK) {
		sqlite3_close(db);
		return rc;
	}
	if (have < need) {
		err_warn("catalog %s: schema version %d, this program needs %d: "
		    "run afmts-track once to upgrade it", path, have, need);
		sqlite3_close(db);
		return CATALOG_ERROR;
	}
	*dbp = db;
	return CATALOG_OK;
}

int
catalog_open(const char *path, int busy_ms, sqlite3 **dbp)
{
	sqlite3 *db = NULL;
	int rc, fd;

	*dbp = NULL;
	if (make_parent(path) == -1) {
		err_warn("%s: cannot make its directory: %s", path, strerror(errno));
		return CATALOG_ERROR;
	}
	/*
	 * A new catalog is private (0600): it holds usage rows, clients and
	 * providers' errors.  SQLite gives its -wal and -shm files the same mode,
	 * and the route snapshot copies it.
	 */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) != -1)
		close(fd);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_warn("%s: cannot open the catalog: %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return CATALOG_ERROR;
	}
	if ((rc = connection_ready(db, busy_ms, 1)) != CATALOG_OK ||
	    (rc = catalog_exec(db, "PRAGMA journal_mode = WAL")) != CATALOG_OK ||
	    (rc = catalog_exec(db, "PRAGMA foreign_keys = ON")) != CATALOG_OK ||
	    /* Sorts of a big run (the usage roll-ups) spill to a file: memory stays flat. */
	    (rc = catalog_exec(db, "PRAGMA temp_store = FILE")) != CATALOG_OK ||
	    (rc = migrate(db)) != CATALOG_OK) {
		sqlite3_close(db);
		return rc;
	}
	*dbp = db;
	return CATALOG_OK;
}

void
catalog_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
catalog_exit(int code)
{
	return code == CATALOG_OK ? CLI_OK : code == CATALOG_BUSY || code == CATALOG_MISSING ?
	    CLI_UNAVAILABLE : CLI_FAILED;
}
