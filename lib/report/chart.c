/*
 * chart: inline SVG line and stacked-bar charts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "escape.h"
#include "figure.h"

#define W	640		/* viewBox width */
#define H	220		/* plot area and axes */
#define LEFT	56
#define RIGHT	24
#define TOP	12
#define BOTTOM	28
#define SHOWN	10		/* series drawn; the rest are summed as "other" */

static const char *const palette[SHOWN + 1] = {
	"#1b6ac9", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8590c", "#0b7285", "#c2255c",
	"#5f3dc4", "#74b816", "#495057", "#adb5bd"
};

void
chart_init(struct chart *c)
{
	memset(c, 0, sizeof *c);
}

static int
day_index(struct chart *c, const char *day)
{
	for (int i = 0; i < c->ndays; i++)
		if (strcmp(c->day[i], day) == 0)
			return i;
	if (c->ndays == CHART_DAYS)
		return -1;
	snprintf(c->day[c->ndays], sizeof c->day[0], "%s", day);
	return c->ndays++;
}

static int
series_index(struct chart *c, const char *name)
{
	for (int i = 0; i < c->nseries; i++)
		if (strcmp(c->name[i], name) == 0)
			return i;
	if (c->nseries == CHART_SERIES) {
		snprintf(c->name[CHART_SERIES - 1], CHART_NAME, "other");
		return CHART_SERIES - 1;
	}
	snprintf(c->name[c->nseries], CHART_NAME, "%s", name);
	return c->nseries++;
}

int
chart_add(struct chart *c, const char *day, const char *name, double value)
{
	int d = day_index(c, day);

	if (d == -1)
		return -1;
	c->v[series_index(c, name)][d] += isfinite(value) ? value : 0;
	return 0;
}

/* The series to draw: the SHOWN largest by their last day, then "other". */
struct shown {
	int	n, has_other;
	int	index[SHOWN];
	double	other[CHART_DAYS];
};

static void
pick_series(const struct chart *c, struct shown *s)
{
	int used[CHART_SERIES] = {0}, last = c->ndays - 1;

	memset(s, 0, sizeof *s);
	while (s->n < SHOWN && s->n < c->nseries) {
		int best = -1;

		for (int i = 0; i < c->nseries; i++)
			if (!used[i] && (best == -1 || c->v[i][last] > c->v[best][last]))
				best = i;
		used[best] = 1;
		s->index[s->n++] = best;
	}
	for (int i = 0; i < c->nseries; i++) {
		if (used[i])
			continue;
		s->has_other = 1;
		for (int d = 0; d < c->ndays; d++)
			s->other[d] += c->v[i][d];
	}
}

static const double *
values(const struct chart *c, const struct shown *s, int k)
{
	return k < s->n ? c->v[s->index[k]] : s->other;
}

static const char *
series_name(const struct chart *c, const struct shown *s, int k)
{
	return k < s->n ? c->name[s->index[k]] : "other";
}

/* A round number at or above m: 1, 2 or 5 times a power of ten. */
static double
nice_ceiling(double m)
{
	double p;

	if (m <= 0)
		return 1;
	p = pow(10, floor(log10(m)));
	return m <= p ? p : m <= 2 * p ? 2 * p : m <= 5 * p ? 5 * p : 10 * p;
}

static double
largest(const struct chart *c, const struct shown *s, enum chart_kind kind)
{
	int k, n = s->n + s->has_other;
	double m = 0;

	for (int d = 0; d < c->ndays; d++) {
		double sum = 0;

		for (k = 0; k < n; k++) {
			double v = values(c, s, k)[d];

			if (kind == CHART_BARS)
				sum += v > 0 ? v : 0;
			else if (v > m)
				m = v;
		}
		if (sum > m)
			m = sum;
	}
	return nice_ceiling(m);
}

static double
x_of(const struct chart *c, int d, enum chart_kind kind)
{
	double span = W - LEFT - RIGHT;

	if (kind == CHART_BARS)
		return LEFT + span * (d + 0.5) / c->ndays;
	return c->ndays < 2 ? LEFT + span / 2 : LEFT + span * d / (c->ndays - 1);
}

static double
y_of(double v, double top)
{
	return H - BOTTOM - (H - BOTTOM - TOP) * (v > 0 ? v : 0) / top;
}

static void
axes(FILE *f, const struct chart *c, double top, enum chart_kind kind, const char *unit)
{
	char label[FIGURE_LEN];

	for (int g = 0; g <= 4; g++) {
		double v = top * g / 4, y = y_of(v, top);

		figure_number(v, 6, label);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
		    "<text x=\"%d\" y=\"%.1f\" class=\"yl\">%s%s</text>\n",
		    LEFT, y, W - RIGHT, y, LEFT - 4, y + 4, unit, label);
	}
	for (int d = 0; d < c->ndays; d++)
		if (d % 5 == 0 || d == c->ndays - 1)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"xl\">%.5s</text>\n",
			    x_of(c, d, kind), H - BOTTOM + 16, c->day[d] + 5);
}

static void
lines(FILE *f, const struct chart *c, const struct shown *s, double top)
{
	for (int k = 0; k < s->n + s->has_other; k++) {
		const double *v = values(c, s, k);

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
		    palette[k]);
		for (int d = 0; d < c->ndays; d++)
			fprintf(f, "%s%.1f,%.1f", d ? " " : "", x_of(c, d, CHART_LINES), y_of(v[d], top));
		fputs("\"><title>", f);
		escape_html(f, series_name(c, s, k));
		fputs("</title></polyline>\n", f);
	}
}

static void
bars(FILE *f, const struct chart *c, const struct shown *s, double top, const char *unit)
{
	double bw = (W - LEFT - RIGHT) / (double)c->ndays * 0.7;
	char label[FIGURE_LEN];

	for (int d = 0; d < c->ndays; d++) {
		double base = 0;

		for (int k = 0; k < s->n + s->has_other; k++) {
			double v = values(c, s, k)[d];

			if (v <= 0)
				continue;
			figure_number(v, 6, label);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"%s\"><title>%s ", x_of(c, d, CHART_BARS) - bw / 2,
			    y_of(base + v, top), bw, y_of(base, top) - y_of(base + v, top),
			    palette[k], c->day[d]);
			escape_html(f, series_name(c, s, k));
			fprintf(f, ": %s%s</title></rect>\n", unit, label);
			base += v;
		}
	}
}

static void
legend(FILE *f, const struct chart *c, const struct shown *s)
{
	for (int k = 0; k < s->n + s->has_other; k++) {
		int x = LEFT + (k % 4) * 145, y = H + 8 + (k / 4) * 18;

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		    "<text x=\"%d\" y=\"%d\" class=\"lg\">", x, y, palette[k], x + 14, y + 9);
		escape_html(f, series_name(c, s, k));
		fputs("</text>\n", f);
	}
}

void
chart_svg(FILE *f, const struct chart *c, enum chart_kind kind, const char *title,
    const char *unit)
{
	struct shown s;
	double top;
	int height;

	pick_series(c, &s);
	top = largest(c, &s, kind);
	height = H + 12 + ((s.n + s.has_other + 3) / 4) * 18;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"", W, height);
	escape_html(f, title);
	fputs("\">\n<title>", f);
	escape_html(f, title);
	fputs("</title>\n", f);
	if (c->ndays == 0) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"lg\">no data</text>\n</svg>\n",
		    W / 2, H / 2);
		return;
	}
	axes(f, c, top, kind, unit);
	if (kind == CHART_LINES)
		lines(f, c, &s, top);
	else
		bars(f, c, &s, top, unit);
	legend(f, c, &s);
	fputs("</svg>\n", f);
}
