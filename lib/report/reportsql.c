/*
 * reportsql: the named statements of sql/report.sql.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "catalog.h"
#include "err.h"
#include "paths.h"
#include "reportsql.h"

#define NAME_MARK "-- name: "
#define USAGE_MARK "@USAGE@"

int
reportsql_load(struct reportsql *q)
{
	char *data = paths_data_dir(), *dir = data ? paths_join(data, "sql") : NULL;

	q->path = dir ? paths_join(dir, "report.sql") : NULL;
	free(data);
	free(dir);
	q->text = q->path ? catalog_read_file(q->path) : NULL;
	if (q->text == NULL) {
		err_warn("%s: %s", q->path ? q->path : "sql/report.sql",
		    q->path ? strerror(errno) : "out of memory");
		return -1;
	}
	return 0;
}

/* The start of the line "-- name: NAME", or NULL. */
static const char *
find_name(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; (p = strstr(p, NAME_MARK)) != NULL; p++) {
		const char *s = p + strlen(NAME_MARK);

		if ((p == text || p[-1] == '\n') && strncmp(s, name, n) == 0 &&
		    (s[n] == '\n' || s[n] == '\0'))
			return p;
	}
	return NULL;
}

char *
reportsql_get(const struct reportsql *q, const char *name, const char *usage)
{
	const char *start = find_name(q->text, name), *end, *mark;
	size_t len, ulen = usage ? strlen(usage) : 0;
	char *sql;

	if (start == NULL) {
		err_warn("%s: no statement named %s", q->path, name);
		return NULL;
	}
	start = strchr(start, '\n');
	start = start ? start + 1 : q->text + strlen(q->text);
	for (end = start; (end = strstr(end, NAME_MARK)) != NULL; end++)
		if (end[-1] == '\n')
			break;
	len = end ? (size_t)(end - start) : strlen(start);
	if ((sql = malloc(len + ulen + 1)) == NULL) {
		err_warn("out of memory");
		return NULL;
	}
	memcpy(sql, start, len);
	sql[len] = '\0';
	if (usage != NULL && (mark = strstr(sql, USAGE_MARK)) != NULL) {
		size_t at = (size_t)(mark - sql), tail = len - at - strlen(USAGE_MARK);

		memmove(sql + at + ulen, mark + strlen(USAGE_MARK), tail + 1);
		memcpy(sql + at, usage, ulen);
	}
	return sql;
}

void
reportsql_free(struct reportsql *q)
{
	free(q->path);
	free(q->text);
	q->path = q->text = NULL;
}
