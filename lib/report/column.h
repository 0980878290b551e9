/*
 * column: what the HTML report calls a report column and how it writes its
 * values.  The queries of sql/report.sql name columns for machines
 * (prompt_tokens, latency_p95_ms); CSV, JSON and Markdown keep those names,
 * and the page shows the label and the unit kept here, one entry a name.
 */
#ifndef AFMTS_COLUMN_H
#define AFMTS_COLUMN_H

#include "figure.h"

enum column_kind {
	COLUMN_TEXT,	/* text: wraps at spaces */
	COLUMN_ID,	/* an id or JSON text with no spaces: may wrap anywhere */
	COLUMN_TIME,	/* an instant or a day: never wraps */
	COLUMN_COUNT,	/* a whole number, grouped */
	COLUMN_CHANGE,	/* a signed whole number: +3, -2 */
	COLUMN_MS,	/* milliseconds: "850 ms", "1.25 s" */
	COLUMN_USD,	/* US dollars */
	COLUMN_RATIO,	/* 0..1, as a percentage */
	COLUMN_YESNO	/* 0 or 1, as no or yes */
};

struct column {
	const char		*name;	/* as the query names it */
	const char		*label;	/* for people */
	enum column_kind	 kind;
};

/* The column called name, or NULL when it has no entry. */
const struct column *column_named(const char *name);

/* The label of the column called name; name itself when it has no entry. */
const char *column_label(const char *name);

/* Are the column's values numbers (right-aligned)?  c may be NULL. */
int column_is_number(const struct column *c);

/* The class of an HTML cell of text in column c (NULL: no entry), or NULL. */
const char *column_text_class(const struct column *c);

/* v, a value of column c (NULL: no entry), as people read it. */
void column_figure(const struct column *c, double v, char buf[FIGURE_LEN]);

/* The same for a whole number, exactly. */
void column_figure_int(const struct column *c, long long n, char buf[FIGURE_LEN]);

#endif
