/*
 * reportsql: the named statements of sql/report.sql.
 *
 * The file is a list of statements, each after a "-- name: NAME" line, so
 * that the queries a report runs can be read, and run by hand, as SQL.
 */
#ifndef AFMTS_REPORTSQL_H
#define AFMTS_REPORTSQL_H

struct reportsql {
	char	*path;
	char	*text;
};

/* Read DATADIR/sql/report.sql.  0, or -1 after reporting. */
int reportsql_load(struct reportsql *q);

/*
 * The statement called name, for the caller to free, with "@USAGE@" replaced
 * by usage (the text of another statement) when usage is not NULL.  NULL
 * after reporting when there is no such statement.
 */
char *reportsql_get(const struct reportsql *q, const char *name, const char *usage);

void reportsql_free(struct reportsql *q);

#endif
