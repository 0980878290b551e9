/*
 * table: query rows as HTML, CSV, JSON lines or Markdown.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "column.h"
#include "err.h"
#include "escape.h"
#include "jsonw.h"
#include "table.h"

static const char *const format_names[] = {
	[TABLE_HTML] = "html", [TABLE_CSV] = "csv", [TABLE_JSON] = "json", [TABLE_MD] = "md"
};

int
table_format_named(const char *name)
{
	for (int i = 0; i < (int)(sizeof format_names / sizeof format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0)
			return i;
	return -1;
}

void
table_real(double d, char buf[64])
{
	char *end;

	if (!isfinite(d)) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, 64, "%.6f", d);
	end = buf + strlen(buf) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}

/* Column i of the current row as text; numbers in our plain form. */
static const char *
cell_text(sqlite3_stmt *st, int i, char buf[64])
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return NULL;
	case SQLITE_INTEGER:
		snprintf(buf, 64, "%lld", (long long)sqlite3_column_int64(st, i));
		return buf;
	case SQLITE_FLOAT:
		table_real(sqlite3_column_double(st, i), buf);
		return buf[0] ? buf : NULL;
	default:
		return (const char *)sqlite3_column_text(st, i);
	}
}

static int
is_number(sqlite3_stmt *st, int i)
{
	int t = sqlite3_column_type(st, i);

	return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

static void
write_header(FILE *f, enum table_format fmt, sqlite3_stmt *st)
{
	int n = sqlite3_column_count(st);

	switch (fmt) {
	case TABLE_HTML:
		/* People's words for the machine names, which the other formats keep. */
		fputs("<table>\n<thead><tr>", f);
		for (int i = 0; i < n; i++) {
			const char *name = sqlite3_column_name(st, i);

			fputs(column_is_number(column_named(name)) ? "<th scope=\"col\" class=\"n\">" :
			    "<th scope=\"col\">", f);
			escape_html(f, column_label(name));
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		break;
	case TABLE_CSV:
		for (int i = 0; i < n; i++) {
			if (i > 0)
				putc(',', f);
			escape_csv(f, sqlite3_column_name(st, i));
		}
		fputs("\r\n", f);
		break;
	case TABLE_MD:
		for (int i = 0; i < n; i++) {
			fputs("| ", f);
			escape_md(f, sqlite3_column_name(st, i));
			putc(' ', f);
		}
		fputs("|\n", f);
		for (int i = 0; i < n; i++)
			fputs("| --- ", f);
		fputs("|\n", f);
		break;
	case TABLE_JSON:
		break;
	}
}

/*
 * Cell i of the current row for people: figures grouped and with their unit,
 * no value as a dash, and the column's label in data-label, which the narrow
 * layout of the page shows beside the value.
 */
static void
html_cell(FILE *f, sqlite3_stmt *st, int i)
{
	const char *name = sqlite3_column_name(st, i);
	const struct column *c = column_named(name);
	char buf[FIGURE_LEN];
	const char *cls, *text = NULL;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		column_figure_int(c, (long long)sqlite3_column_int64(st, i), buf);
		text = buf;
		break;
	case SQLITE_FLOAT:
		column_figure(c, sqlite3_column_double(st, i), buf);
		text = buf[0] ? buf : NULL;
		break;
	case SQLITE_NULL:
		break;
	default:
		text = (const char *)sqlite3_column_text(st, i);
		break;
	}
	if (text == NULL)
		cls = column_is_number(c) ? "n nil" : "nil";
	else if (is_number(st, i))
		cls = "n";
	else
		cls = column_text_class(c);
	fputs("<td", f);
	if (cls != NULL)
		fprintf(f, " class=\"%s\"", cls);
	fputs(" data-label=\"", f);
	escape_html(f, column_label(name));
	fputs("\">", f);
	if (text != NULL)
		escape_html(f, text);
	else
		fputs("&mdash;", f);
	fputs("</td>", f);
}

static void
write_row(FILE *f, enum table_format fmt, const char *section, sqlite3_stmt *st)
{
	int n = sqlite3_column_count(st);
	char buf[64];
	const char *v;

	if (fmt == TABLE_HTML)
		fputs("<tr>", f);
	if (fmt == TABLE_JSON) {
		putc('{', f);
		jsonw_key(f, "section", 1);
		jsonw_str(f, section);
	}
	for (int i = 0; i < n; i++) {
		v = fmt == TABLE_HTML ? NULL : cell_text(st, i, buf);
		switch (fmt) {
		case TABLE_HTML:
			html_cell(f, st, i);
			break;
		case TABLE_CSV:
			if (i > 0)
				putc(',', f);
			if (v != NULL)
				escape_csv(f, v);
			break;
		case TABLE_MD:
			fputs("| ", f);
			if (v != NULL)
				escape_md(f, v);
			putc(' ', f);
			break;
		case TABLE_JSON:
			jsonw_key(f, sqlite3_column_name(st, i), 0);
			if (v == NULL)
				fputs("null", f);
			else if (is_number(st, i))
				fputs(v, f);
			else
				jsonw_str(f, v);
			break;
		}
	}
	fputs(fmt == TABLE_HTML ? "</tr>\n" : fmt == TABLE_CSV ? "\r\n" :
	    fmt == TABLE_MD ? "|\n" : "}\n", f);
}

long
table_write(FILE *f, enum table_format fmt, const char *section, sqlite3_stmt *st)
{
	long rows = 0;
	int rc;

	/* The header needs the column names only: SQLite has them before a step. */
	write_header(f, fmt, st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		write_row(f, fmt, section, st);
		rows++;
	}
	if (fmt == TABLE_HTML) {
		if (rows == 0)
			fprintf(f, "<tr><td class=\"none\" colspan=\"%d\">none</td></tr>\n",
			    sqlite3_column_count(st));
		fputs("</tbody>\n</table>\n", f);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		err_warn("%s: %s", section, sqlite3_errmsg(sqlite3_db_handle(st)));
		return -1;
	}
	return rows;
}
