/*
 * report: the sections of a report over one period of a catalog, written as
 * tables (CSV, JSON lines, Markdown) or as one HTML page from the template
 * reports/report.html.
 *
 * Sections: headline (one row of totals), summary (free models per provider),
 * evidence (what each provider's free models rest on, and how old that is:
 * stale past 90 days), changes, usage, cost, trend (free models per provider and day), daily
 * (requests, tokens, cost and savings per day).  Every query reads the catalog
 * inside one read transaction, so the sections agree with each other.
 */
#ifndef AFMTS_REPORT_H
#define AFMTS_REPORT_H

#include <stdio.h>

#include <sqlite3.h>

#include "period.h"
#include "reportsql.h"
#include "table.h"

#define REPORT_SCHEMA 13		/* catalog version afmts-report reads */

struct report {
	sqlite3		*db;
	struct reportsql sql;
	struct period	 period;
	const char	*usage_source;	/* name of the statement that defines u and l */
	const char	*tz;		/* for titles; NULL for UTC */
	char		*usage;		/* its text */
};

/* The section called name is one of ours?  1 or 0. */
int report_has_section(const char *name);

/* Section i in report order (0 first), or NULL past the last. */
const char *report_section_name(int i);

/* Every section, in report order, as "a, b, c" (for messages). */
const char *report_section_list(void);

/*
 * Prepare r over the open catalog db for the period: reference prices,
 * pricing of the models used.  from_rows forces reading the usage rows
 * instead of the daily roll-ups.  0, or -1 after reporting.
 */
int report_begin(struct report *r, sqlite3 *db, const struct period *p, int from_rows);

/* Write one section as a table.  0, or -1 after reporting. */
int report_section(struct report *r, const char *name, enum table_format fmt, FILE *f);

/* Every section (section NULL), or the one named, as tables in format.  0, or -1. */
int report_tables(struct report *r, const char *section, enum table_format format, FILE *f);

/* Write the whole report as one HTML page.  0, or -1 after reporting. */
int report_html(struct report *r, FILE *f);

/* End the read transaction and free what r holds (not the catalog). */
void report_end(struct report *r);

#endif
