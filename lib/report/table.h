/*
 * table: the rows of a query written as a report table, in one of four forms:
 * an HTML <table>, RFC 4180 CSV (header row, CRLF), JSON lines (one object a
 * row, with the section's name), or a Markdown table.  Rows are written as
 * SQLite steps through them: nothing is held.
 *
 * CSV, JSON and Markdown keep the query's column names and plain numbers:
 * integers as they are, reals with at most six decimals and no exponent or
 * thousands separator; NULL is an empty cell (null in JSON).  HTML is for
 * people: column.h's labels and units, figures grouped, NULL as a dash.
 */
#ifndef AFMTS_TABLE_H
#define AFMTS_TABLE_H

#include <stdio.h>

#include <sqlite3.h>

enum table_format { TABLE_HTML, TABLE_CSV, TABLE_JSON, TABLE_MD };

/* The format called name (html, csv, json, md); -1 when there is none. */
int table_format_named(const char *name);

/*
 * Step through st (bound, not yet stepped) writing each row.  Returns the
 * number of rows, or -1 after reporting an SQLite error.  st is reset.
 */
long table_write(FILE *f, enum table_format fmt, const char *section, sqlite3_stmt *st);

/* A real as the tables write it ("%.6f" without trailing zeros) into buf. */
void table_real(double d, char buf[64]);

#endif
