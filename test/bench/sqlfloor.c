/*
 * sqlfloor: the least a decision read from the catalog can cost, as a
 * baseline for afmts-route: a static binary that opens the catalog read-only
 * (the same SQLite configuration as afmts-route), prepares and runs one
 * statement, and exits.  Usage: sqlfloor CATALOG SQL
 */
#include <stdio.h>

#include <sqlite3.h>

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: sqlfloor CATALOG SQL\n");
		return 2;
	}
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, argv[2], -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlfloor: %s\n", db ? sqlite3_errmsg(db) : "out of memory");
		rc = 1;
	} else {
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("%s\n", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
