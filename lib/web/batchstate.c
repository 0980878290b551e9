/*
 * batchstate: the state file and the output's crash windows (batchstate.h).
 */
#define _XOPEN_SOURCE 700	/* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "batchstate.h"
#include "err.h"

static const char schema[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS request ("
    " custom_id TEXT PRIMARY KEY,"
    " line INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),"
    " result TEXT,"
    " out_path TEXT, out_dev INTEGER, out_ino INTEGER, out_offset INTEGER,"
    " emitted INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;";

enum { S_GET, S_ADD, S_FINISH, S_EMITTING, S_EMITTED, S_UNEMITTED, S_COUNT, S_N };

static const char *const sql[S_N] = {
	[S_GET] = "SELECT status FROM request WHERE custom_id = ?1",
	[S_ADD] = "INSERT INTO request (custom_id, line) VALUES (?1, ?2)",
	[S_FINISH] = "UPDATE request SET status = ?2, result = ?3, emitted = 0, out_path = NULL,"
	    " out_dev = NULL, out_ino = NULL, out_offset = NULL WHERE custom_id = ?1",
	[S_EMITTING] = "UPDATE request SET out_path = ?2, out_dev = ?3, out_ino = ?4,"
	    " out_offset = ?5 WHERE custom_id = ?1",
	[S_EMITTED] = "UPDATE request SET emitted = 1 WHERE custom_id = ?1",
	[S_UNEMITTED] = "SELECT custom_id, result, out_path, out_dev, out_ino, out_offset"
	    " FROM request WHERE status <> 'pending' AND emitted = 0 ORDER BY line",
	[S_COUNT] = "SELECT count(*) FILTER (WHERE status = 'done'),"
	    " count(*) FILTER (WHERE status = 'failed') FROM request",
};

struct batchstate {
	sqlite3		*db;
	sqlite3_stmt	*st[S_N];
	char		*path;
};

static int
fail(struct batchstate *s, const char *what)
{
	err_warn("%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

struct batchstate *
batchstate_open(const char *path)
{
	struct batchstate *s = calloc(1, sizeof *s);

	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		err_warn("%s: out of memory", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK || sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		fail(s, "cannot open the state file");
		batchstate_close(s);
		return NULL;
	}
	for (int i = 0; i < S_N; i++)
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->st[i], NULL) != SQLITE_OK) {
			fail(s, "not a state file of this version");
			batchstate_close(s);
			return NULL;
		}
	return s;
}

void
batchstate_close(struct batchstate *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* Run statement k (bound) to its end.  0 or -1. */
static int
run(struct batchstate *s, int k)
{
	int rc = sqlite3_step(s->st[k]);

	sqlite3_reset(s->st[k]);
	sqlite3_clear_bindings(s->st[k]);
	return rc == SQLITE_DONE ? 0 : fail(s, "cannot be written");
}

int
batchstate_begin(struct batchstate *s, const char *custom_id, unsigned long line)
{
	sqlite3_stmt *st = s->st[S_GET];
	int status = BATCHSTATE_NEW, rc;

	sqlite3_bind_text(st, 1, custom_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		status = strcmp(t, "done") == 0 ? BATCHSTATE_DONE : strcmp(t, "failed") == 0 ?
		    BATCHSTATE_FAILED : BATCHSTATE_PENDING;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "cannot be read");
	if (status != BATCHSTATE_NEW)
		return status;
	sqlite3_bind_text(s->st[S_ADD], 1, custom_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st[S_ADD], 2, (sqlite3_int64)line);
	return run(s, S_ADD) == 0 ? BATCHSTATE_NEW : -1;
}

int
batchstate_finish(struct batchstate *s, const char *custom_id, int failed, const char *result)
{
	sqlite3_bind_text(s->st[S_FINISH], 1, custom_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st[S_FINISH], 2, failed ? "failed" : "done", -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st[S_FINISH], 3, result, -1, SQLITE_STATIC);
	return run(s, S_FINISH);
}

int
batchstate_emit(struct batchstate *s, const char *custom_id, const char *result,
    const struct batch_output *out)
{
	sqlite3_stmt *st = s->st[S_EMITTING];
	off_t at = out->regular ? lseek(out->fd, 0, SEEK_END) : -1;

	sqlite3_bind_text(st, 1, custom_id, -1, SQLITE_STATIC);
	if (out->regular && at >= 0 && out->path[0] != '\0') {
		sqlite3_bind_text(st, 2, out->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)out->dev);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)out->ino);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)at);
	}
	if (run(s, S_EMITTING) == -1 || batch_output_write(out, result) == -1)
		return -1;
	sqlite3_bind_text(s->st[S_EMITTED], 1, custom_id, -1, SQLITE_STATIC);
	return run(s, S_EMITTED);
}

/* Is line (no newline) at offset at of the file path (device dev, inode ino)?  1 or 0. */
static int
written_at(const char *path, sqlite3_int64 dev, sqlite3_int64 ino, sqlite3_int64 at,
    const char *line)
{
	size_t n = strlen(line);
	char *buf = malloc(n + 1);
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), yes = 0;

	if (fd >= 0 && buf != NULL && fstat(fd, &st) == 0 && (sqlite3_int64)st.st_dev == dev &&
	    (sqlite3_int64)st.st_ino == ino && pread(fd, buf, n + 1, (off_t)at) == (ssize_t)(n + 1))
		yes = memcmp(buf, line, n) == 0 && buf[n] == '\n';
	if (fd >= 0)
		close(fd);
	free(buf);
	return yes;
}

long
batchstate_recover(struct batchstate *s, const struct batch_output *out)
{
	sqlite3_stmt *st = s->st[S_UNEMITTED];
	long written = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *result = (const char *)sqlite3_column_text(st, 1);
		const char *path = (const char *)sqlite3_column_text(st, 2);

		if (path != NULL && written_at(path, sqlite3_column_int64(st, 3),
		    sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), result)) {
			sqlite3_bind_text(s->st[S_EMITTED], 1, id, -1, SQLITE_TRANSIENT);
			rc = run(s, S_EMITTED);
		} else {
			rc = batchstate_emit(s, id, result, out);
			written++;
		}
		if (rc == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? written : -1;
}

void
batchstate_counts(struct batchstate *s, long *done, long *failed)
{
	sqlite3_stmt *st = s->st[S_COUNT];

	*done = *failed = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*done = (long)sqlite3_column_int64(st, 0);
		*failed = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
}

int
batch_output_init(struct batch_output *out, int fd, const char *path)
{
	struct stat st;
	char link[64];
	ssize_t n;

	memset(out, 0, sizeof *out);
	out->fd = fd;
	if (fstat(fd, &st) == -1)
		return -1;
	out->regular = S_ISREG(st.st_mode);
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	if (path != NULL && realpath(path, out->path) != NULL)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, out->path, sizeof out->path - 1)) < 0 || out->path[0] != '/')
		n = 0;
	out->path[n] = '\0';
	return 0;
}

int
batch_output_write(const struct batch_output *out, const char *line)
{
	size_t n = strlen(line);
	char *buf = malloc(n + 1);
	const char *p = buf;
	size_t left = n + 1;

	if (buf == NULL)
		return -1;
	memcpy(buf, line, n);
	buf[n] = '\n';
	/* One write for the whole line where the system allows: a kill leaves it or not. */
	while (left > 0) {
		ssize_t k = write(out->fd, p, left);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err_warn("the output: %s", strerror(errno));
			free(buf);
			return -1;
		}
		p += k;
		left -= (size_t)k;
	}
	free(buf);
	return 0;
}
