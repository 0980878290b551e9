/* Unit tests of lib/report/figure.c and lib/report/column.c: the numbers and names of the HTML report. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "column.h"
#include "figure.h"
#include "unit.h"

/* Does fn(v) write want? */
#define FIG(fn, v, want) do { char b_[FIGURE_LEN]; fn((v), b_); CHECK(strcmp(b_, (want)) == 0); } while (0)

void
test_figure_groups_thousands_with_commas(void)
{
	char buf[FIGURE_LEN];

	FIG(figure_count, 0, "0");
	FIG(figure_count, 999, "999");
	FIG(figure_count, 1000, "1,000");
	FIG(figure_count, 1234567, "1,234,567");
	FIG(figure_count, -1234, "-1,234");
	FIG(figure_count, -9223372036854775807LL - 1, "-9,223,372,036,854,775,808");
	FIG(figure_change, 1234, "+1,234");
	FIG(figure_change, -12, "-12");
	FIG(figure_change, 0, "0");
	figure_number(1234.5, 2, buf);
	CHECK(strcmp(buf, "1,234.5") == 0);
	figure_number(-0.0000001, 6, buf);
	CHECK(strcmp(buf, "0") == 0);
	figure_number(INFINITY, 2, buf);
	CHECK(strcmp(buf, "") == 0);
}

void
test_figure_writes_money_durations_and_percentages(void)
{
	FIG(figure_usd, 0, "$0");
	FIG(figure_usd, 1234.5, "$1,234.50");
	FIG(figure_usd, 0.055484, "$0.0555");
	FIG(figure_usd, 0.000123, "$0.000123");
	FIG(figure_usd, 0.1, "$0.10");
	FIG(figure_usd, 0.9996, "$1.00");
	FIG(figure_usd, 0.0000001, "$0.00");
	FIG(figure_usd, -0.5, "-$0.50");
	FIG(figure_ms, 0, "0 ms");
	FIG(figure_ms, 850, "850 ms");
	FIG(figure_ms, 999.6, "1.00 s");
	FIG(figure_ms, 1250, "1.25 s");
	FIG(figure_ms, 12500, "12.5 s");
	FIG(figure_ms, 1234000, "1,234 s");
	FIG(figure_percent, 0, "0%");
	FIG(figure_percent, 0.125, "12.5%");
	FIG(figure_percent, 0.1111, "11.11%");
	FIG(figure_percent, 1, "100%");
}

void
test_column_labels_and_units_by_machine_name(void)
{
	char buf[FIGURE_LEN];

	CHECK(strcmp(column_label("free_models"), "Free models") == 0);
	CHECK(strcmp(column_label("prompt_tokens"), "Prompt tokens") == 0);
	CHECK(strcmp(column_label("latency_p95_ms"), "p95 latency") == 0);
	CHECK(strcmp(column_label("no_such_column"), "no_such_column") == 0);
	CHECK(column_is_number(column_named("cost_usd")) && !column_is_number(column_named("model")));
	CHECK(!column_is_number(NULL));
	column_figure_int(column_named("prompt_tokens"), 156288, buf);
	CHECK(strcmp(buf, "156,288") == 0);
	column_figure_int(column_named("latency_p95_ms"), 2150, buf);
	CHECK(strcmp(buf, "2.15 s") == 0);
	column_figure(column_named("error_rate"), 0.25, buf);
	CHECK(strcmp(buf, "25%") == 0);
	column_figure(column_named("savings_usd"), 0.055484, buf);
	CHECK(strcmp(buf, "$0.0555") == 0);
	column_figure_int(column_named("free"), 1, buf);
	CHECK(strcmp(buf, "yes") == 0);
	column_figure_int(column_named("free_change"), 3, buf);
	CHECK(strcmp(buf, "+3") == 0);
	/* A count that reached us as a real is still a count. */
	column_figure(column_named("requests"), 1234.0, buf);
	CHECK(strcmp(buf, "1,234") == 0);
	column_figure(NULL, 1234567.125, buf);
	CHECK(strcmp(buf, "1,234,567.125") == 0);
}
