/*
 * chart: small inline SVG charts of daily figures (at most CHART_DAYS days),
 * drawn by our own code so that a report is one self-contained file.
 * Series names are escaped; nothing in the SVG can run.
 */
#ifndef AFMTS_CHART_H
#define AFMTS_CHART_H

#include <stdio.h>

#define CHART_DAYS	31
#define CHART_SERIES	64	/* collected; the drawing keeps the largest 10 */
#define CHART_NAME	64

enum chart_kind { CHART_LINES, CHART_BARS };

struct chart {
	int	ndays, nseries;
	char	day[CHART_DAYS][11];		/* YYYY-MM-DD */
	char	name[CHART_SERIES][CHART_NAME];
	double	v[CHART_SERIES][CHART_DAYS];
};

/* Empty the chart. */
void chart_init(struct chart *c);

/*
 * Add value to series name on day (days and series appear in the order they
 * are first added; past CHART_SERIES, names share the last series, "other").
 * Returns -1 when the chart already holds CHART_DAYS other days.
 */
int chart_add(struct chart *c, const char *day, const char *name, double value);

/* The chart as an <svg> element with a legend; title labels it. */
void chart_svg(FILE *f, const struct chart *c, enum chart_kind kind, const char *title,
    const char *unit);

#endif
