/*
 * column: the label and the unit of each report column, kept as data.
 */
#include <math.h>
#include <string.h>

#include "column.h"

/* Every column of sql/report.sql, by name.  A new column with no entry shows
 * its machine name and grouped numbers: add it here. */
static const struct column columns[] = {
	{ "provider", "Provider", COLUMN_TEXT },
	{ "model", "Model", COLUMN_ID },
	{ "models", "Models", COLUMN_COUNT },
	{ "free_models", "Free models", COLUMN_COUNT },
	{ "free_models_before", "Free at start", COLUMN_COUNT },
	{ "free_change", "Change", COLUMN_CHANGE },
	{ "at", "When (UTC)", COLUMN_TIME },
	{ "event", "Event", COLUMN_TEXT },
	{ "before", "Before", COLUMN_ID },
	{ "after", "After", COLUMN_ID },
	{ "requests", "Requests", COLUMN_COUNT },
	{ "errors", "Errors", COLUMN_COUNT },
	{ "error_rate", "Error rate", COLUMN_RATIO },
	{ "tokens", "Tokens", COLUMN_COUNT },
	{ "prompt_tokens", "Prompt tokens", COLUMN_COUNT },
	{ "completion_tokens", "Completion tokens", COLUMN_COUNT },
	{ "latency_p50_ms", "p50 latency", COLUMN_MS },
	{ "latency_p95_ms", "p95 latency", COLUMN_MS },
	{ "free", "Free", COLUMN_YESNO },
	{ "cost_usd", "Cost", COLUMN_USD },
	{ "reference", "Compared with", COLUMN_ID },
	{ "reference_input_price", "Paid input, per 1M tokens", COLUMN_USD },
	{ "reference_output_price", "Paid output, per 1M tokens", COLUMN_USD },
	{ "reference_cost_usd", "At paid prices", COLUMN_USD },
	{ "savings_usd", "Saved", COLUMN_USD },
	{ "cache_hits", "Cache hits (requests saved)", COLUMN_COUNT },
	{ "day", "Day", COLUMN_TIME },
	{ "retired", "Retired since", COLUMN_TIME },
	{ "free_basis", "Free because", COLUMN_TEXT },
	{ "checked", "Checked", COLUMN_TIME },
	{ "evidence_age_days", "Days since", COLUMN_COUNT },
	{ "evidence", "Evidence", COLUMN_TEXT },
	{ "trains_on_prompts", "Trains on prompts", COLUMN_TEXT },
	/* The status page's (statuspage.h). */
	{ "became_free", "Became free (24 h)", COLUMN_COUNT },
	{ "stopped_free", "Stopped being free (24 h)", COLUMN_COUNT },
	{ "last_discovery", "Last discovery (UTC)", COLUMN_TIME },
	{ "last_complete", "Last complete (UTC)", COLUMN_TIME },
	{ "health", "Health", COLUMN_TEXT },
	{ "state", "State", COLUMN_TEXT },
	{ "back_at", "Back at (UTC)", COLUMN_TIME },
	{ "latency_mean_ms", "Mean latency", COLUMN_MS },
};

const struct column *
column_named(const char *name)
{
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
		if (strcmp(name, columns[i].name) == 0)
			return &columns[i];
	return NULL;
}

const char *
column_label(const char *name)
{
	const struct column *c = column_named(name);

	return c != NULL ? c->label : name;
}

int
column_is_number(const struct column *c)
{
	return c != NULL && c->kind != COLUMN_TEXT && c->kind != COLUMN_ID && c->kind != COLUMN_TIME;
}

/* reports/report.html styles these classes: w wraps anywhere, t never. */
const char *
column_text_class(const struct column *c)
{
	if (c == NULL)
		return NULL;
	return c->kind == COLUMN_ID ? "w" : c->kind == COLUMN_TIME ? "t" : NULL;
}

void
column_figure_int(const struct column *c, long long n, char buf[FIGURE_LEN])
{
	switch (c != NULL ? c->kind : COLUMN_COUNT) {
	case COLUMN_CHANGE:
		figure_change(n, buf);
		break;
	case COLUMN_YESNO:
		strcpy(buf, n != 0 ? "yes" : "no");
		break;
	case COLUMN_MS:
	case COLUMN_USD:
	case COLUMN_RATIO:
		column_figure(c, (double)n, buf);
		break;
	default:
		figure_count(n, buf);
		break;
	}
}

void
column_figure(const struct column *c, double v, char buf[FIGURE_LEN])
{
	/* A whole number held as a real (a sum, say) is still a count. */
	int whole = isfinite(v) && fabs(v) < 9007199254740992.0 && v == trunc(v);

	switch (c != NULL ? c->kind : COLUMN_TEXT) {
	case COLUMN_COUNT:
	case COLUMN_CHANGE:
	case COLUMN_YESNO:
		if (whole)
			column_figure_int(c, (long long)v, buf);
		else
			figure_number(v, 6, buf);
		break;
	case COLUMN_MS:
		figure_ms(v, buf);
		break;
	case COLUMN_USD:
		figure_usd(v, buf);
		break;
	case COLUMN_RATIO:
		figure_percent(v, buf);
		break;
	default:
		/* No entry, or a number in a text column: as precise as table.h's. */
		figure_number(v, 6, buf);
		break;
	}
}
