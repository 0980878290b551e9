/*
 * report: sections of a report, as tables or as one HTML page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "chart.h"
#include "column.h"
#include "err.h"
#include "escape.h"
#include "figure.h"
#include "paths.h"
#include "refprice.h"
#include "report.h"
#include "utctime.h"

static const char *const sections[] = {
	"headline", "summary", "evidence", "changes", "usage", "cost", "trend", "daily"
};
#define NSECTIONS (int)(sizeof sections / sizeof sections[0])

#define MAX_SLOT 32

int
report_has_section(const char *name)
{
	for (int i = 0; i < NSECTIONS; i++)
		if (strcmp(name, sections[i]) == 0)
			return 1;
	return 0;
}

const char *
report_section_name(int i)
{
	return i >= 0 && i < NSECTIONS ? sections[i] : NULL;
}

const char *
report_section_list(void)
{
	static char list[128];

	if (list[0] == '\0')
		for (int i = 0; i < NSECTIONS; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
			    i ? ", " : "", sections[i]);
	return list;
}

/* A file of the data dir's reports/ directory, for the caller to free. */
static char *
reports_file(const char *name)
{
	char *data = paths_data_dir(), *dir = data ? paths_join(data, "reports") : NULL;
	char *path = dir ? paths_join(dir, name) : NULL;

	free(data);
	free(dir);
	if (path == NULL)
		err_warn("out of memory");
	return path;
}

static void
bind_named(sqlite3_stmt *st, const char *name, const char *value)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

/* The statement called name, prepared with the period bound; NULL after reporting. */
static sqlite3_stmt *
statement(struct report *r, const char *name)
{
	char *sql = reportsql_get(&r->sql, name, r->usage);
	sqlite3_stmt *st;

	if (sql == NULL)
		return NULL;
	st = catalog_prepare(r->db, sql);
	free(sql);
	if (st != NULL) {
		bind_named(st, ":from", r->period.from);
		bind_named(st, ":to", r->period.to);
		bind_named(st, ":trend_to", r->period.trend_to);
	}
	return st;
}

/* Run the statement called name, which returns no rows.  0 or -1. */
static int
run(struct report *r, const char *name)
{
	sqlite3_stmt *st = statement(r, name);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : (catalog_fail(r->db, rc, name), -1);
}

static int
load_reference_prices(struct report *r)
{
	char *path = reports_file("reference-prices.tsv");
	sqlite3_stmt *add;
	long n = -1;

	if (path != NULL && run(r, "refprice_table") == 0 &&
	    (add = statement(r, "refprice_add")) != NULL) {
		n = refprice_load(add, path);
		sqlite3_finalize(add);
	}
	free(path);
	return n < 0 ? -1 : 0;
}

/* The CTEs @USAGE@ stands for: the period's usage, then its costs (usage_costs). */
static char *
usage_ctes(struct report *r)
{
	char *u = reportsql_get(&r->sql, r->usage_source, NULL);
	char *c = u ? reportsql_get(&r->sql, "usage_costs", NULL) : NULL;
	char *both = NULL;
	size_t n;

	if (c != NULL) {
		n = strlen(u) + strlen(c) + 3;
		if ((both = malloc(n)) != NULL)
			snprintf(both, n, "%s,\n%s", u, c);
		else
			err_warn("out of memory");
	}
	free(u);
	free(c);
	return both;
}

int
report_begin(struct report *r, sqlite3 *db, const struct period *p, int from_rows)
{
	memset(r, 0, sizeof *r);
	r->db = db;
	r->period = *p;
	r->usage_source = p->aligned && !from_rows ? "usage_from_rollups" : "usage_from_rows";
	if (reportsql_load(&r->sql) == -1)
		return -1;
	if ((r->usage = usage_ctes(r)) == NULL ||
	    refprice_register(db) == -1 || catalog_exec(db, "BEGIN") != CATALOG_OK)
		return -1;
	return load_reference_prices(r) == -1 || run(r, "free_delta") == -1 ||
	    run(r, "pricing") == -1 || run(r, "price_bands") == -1 ? -1 : 0;
}

int
report_section(struct report *r, const char *name, enum table_format fmt, FILE *f)
{
	sqlite3_stmt *st = statement(r, name);
	long rows;

	if (st == NULL)
		return -1;
	rows = table_write(f, fmt, name, st);
	sqlite3_finalize(st);
	return rows < 0 ? -1 : 0;
}

void
report_end(struct report *r)
{
	if (r->db != NULL && !sqlite3_get_autocommit(r->db))
		catalog_exec(r->db, "COMMIT");
	reportsql_free(&r->sql);
	free(r->usage);
	r->usage = NULL;
}

/* --- HTML --- */

static void
kpi(FILE *f, const char *value, const char *label, const char *extra)
{
	fputs("<div class=\"kpi\"><span class=\"v\">", f);
	escape_html(f, value);
	fputs("</span>", f);
	if (extra != NULL && extra[0] != '\0') {
		fputs(" <span class=\"d\">", f);
		escape_html(f, extra);
		fputs("</span>", f);
	}
	fputs("<span class=\"k\">", f);
	escape_html(f, label);
	fputs("</span></div>\n", f);
}

static int
html_headline(struct report *r, FILE *f)
{
	sqlite3_stmt *st = statement(r, "headline");
	char v[FIGURE_LEN], d[FIGURE_LEN];
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs("<div class=\"kpis\">\n", f);
		figure_count(sqlite3_column_int64(st, 1), v);
		figure_change(sqlite3_column_int64(st, 2), d);
		kpi(f, v, "Free models", d);
		figure_count(sqlite3_column_int64(st, 0), v);
		kpi(f, v, "Models tracked", NULL);
		figure_count(sqlite3_column_int64(st, 3), v);
		kpi(f, v, "Requests", NULL);
		figure_count(sqlite3_column_int64(st, 4), v);
		kpi(f, v, "Tokens", NULL);
		figure_usd(sqlite3_column_double(st, 5), v);
		kpi(f, v, "Cost", NULL);
		figure_usd(sqlite3_column_double(st, 6), v);
		kpi(f, v, "Saved", NULL);
		figure_count(sqlite3_column_int64(st, 7), v);
		kpi(f, v, "Cache hits (requests saved)", NULL);
		fputs("</div>\n", f);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : (catalog_fail(r->db, rc, "headline"), -1);
}

/* Fill c from the statement called name: for each row, column 0 is the day
 * and each column in cols[] (or, when series_col >= 0, the one value column
 * named by that column) a series.  A column's series has its label for people. */
static int
collect(struct report *r, const char *name, struct chart *c, int series_col, int value_col,
    const int *cols, int ncols)
{
	sqlite3_stmt *st = statement(r, name);
	int rc;

	chart_init(c);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *day = (const char *)sqlite3_column_text(st, 0);

		if (day == NULL)
			continue;
		if (series_col >= 0) {
			const char *s = (const char *)sqlite3_column_text(st, series_col);

			chart_add(c, day, s ? s : "", sqlite3_column_double(st, value_col));
		}
		for (int i = 0; i < ncols; i++)
			chart_add(c, day, column_label(sqlite3_column_name(st, cols[i])),
			    sqlite3_column_double(st, cols[i]));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : (catalog_fail(r->db, rc, name), -1);
}

/* The charts of the page: a template slot, the query feeding it, how. */
static const struct chart_slot {
	const char	*slot, *query, *title, *unit;
	enum chart_kind	 kind;
	int		 series_col, value_col;	/* a series per distinct value of a column */
	int		 cols[2], ncols;		/* or a series per column */
} chart_slots[] = {
	{ "chart_free", "trend", "Free models per provider, by day", "", CHART_LINES, 1, 2, { 0 }, 0 },
	{ "chart_tokens", "daily", "Tokens per day", "", CHART_BARS, -1, 0, { 2, 3 }, 2 },
	{ "chart_savings", "daily", "Savings per day, USD", "$", CHART_BARS, -1, 0, { 5 }, 1 },
};

static int
html_chart(struct report *r, FILE *f, const struct chart_slot *cs)
{
	struct chart *c = malloc(sizeof *c);
	int rc;

	if (c == NULL)
		return err_warn("out of memory"), -1;
	if ((rc = collect(r, cs->query, c, cs->series_col, cs->value_col, cs->cols,
	    cs->ncols)) == 0)
		chart_svg(f, c, cs->kind, cs->title, cs->unit);
	free(c);
	return rc;
}

static void
html_period(struct report *r, FILE *f)
{
	escape_html(f, r->period.first);
	if (strcmp(r->period.first, r->period.last) != 0) {
		fputs(" to ", f);
		escape_html(f, r->period.last);
	}
	fputs(r->tz ? " (" : " (UTC)", f);
	if (r->tz) {
		escape_html(f, r->tz);
		fputs(")", f);
	}
}

/* Write what the slot called name stands for.  0, or -1 (reported). */
static int
html_slot(struct report *r, FILE *f, const char *name)
{
	char now[UTCTIME_LEN];

	if (strcmp(name, "period") == 0) {
		html_period(r, f);
		return 0;
	}
	if (strcmp(name, "generated") == 0) {
		if (utctime_format(utctime_now(), now) == 0)
			escape_html(f, now);
		return 0;
	}
	if (strcmp(name, "headline") == 0)
		return html_headline(r, f);
	for (size_t i = 0; i < sizeof chart_slots / sizeof chart_slots[0]; i++)
		if (strcmp(name, chart_slots[i].slot) == 0)
			return html_chart(r, f, &chart_slots[i]);
	if (report_has_section(name))
		return report_section(r, name, TABLE_HTML, f);
	err_warn("report template: unknown slot {{%s}}", name);
	return -1;
}

int
report_html(struct report *r, FILE *f)
{
	char *path = reports_file("report.html"), *tpl = path ? catalog_read_file(path) : NULL;
	const char *p, *open, *close;
	int rc = 0;

	if (tpl == NULL) {
		if (path != NULL)
			err_warn("%s: cannot read the report template", path);
		free(path);
		return -1;
	}
	for (p = tpl; rc == 0 && (open = strstr(p, "{{")) != NULL; p = close + 2) {
		char slot[MAX_SLOT];
		size_t n;

		if ((close = strstr(open + 2, "}}")) == NULL ||
		    (n = (size_t)(close - open - 2)) >= sizeof slot) {
			err_warn("%s: an unclosed or overlong {{slot}}", path);
			rc = -1;
			break;
		}
		fwrite(p, 1, (size_t)(open - p), f);
		memcpy(slot, open + 2, n);
		slot[n] = '\0';
		rc = html_slot(r, f, slot);
	}
	if (rc == 0)
		fputs(p, f);
	free(tpl);
	free(path);
	return rc;
}

int
report_tables(struct report *r, const char *section, enum table_format format, FILE *f)
{
	const char *name;

	if (section != NULL)
		return report_section(r, section, format, f);
	for (int i = 0; (name = report_section_name(i)) != NULL; i++) {
		if (format == TABLE_MD)
			fprintf(f, "%s## %s\n\n", i ? "\n" : "", name);
		if (report_section(r, name, format, f) == -1)
			return -1;
	}
	return 0;
}
