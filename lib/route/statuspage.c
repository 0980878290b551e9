/*
 * statuspage: the sections of GET /status.html, each a query written by the
 * report's table writer.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "escape.h"
#include "health.h"
#include "metrics.h"
#include "paths.h"
#include "routesnap.h"
#include "statuspage.h"
#include "table.h"
#include "utctime.h"

/* The report's <style> element, as reports/report.html has it; nothing when it cannot be read. */
static void
style(FILE *f)
{
	char *dir = paths_data_dir(), *path = dir ? paths_join(dir, "reports/report.html") : NULL;
	char *html = path ? catalog_read_file(path) : NULL, *from, *to;

	if (html != NULL && (from = strstr(html, "<style>")) != NULL &&
	    (to = strstr(from, "</style>")) != NULL)
		fwrite(from, 1, (size_t)(to - from) + strlen("</style>"), f);
	else
		err_warn("%s: no report style to borrow", path ? path : "reports/report.html");
	free(html);
	free(path);
	free(dir);
}

static void
head(FILE *f, time_t now)
{
	char t[UTCTIME_LEN];

	(void)utctime_format(now, t);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:\">\n"
	    "<meta http-equiv=\"refresh\" content=\"30\">\n<title>AFMTS status</title>\n", f);
	style(f);
	fputs("\n</head>\n<body>\n<header>\n<h1>AFMTS: status</h1>\n<p class=\"meta\">", f);
	escape_html(f, t);
	fputs(" &middot; reloads every 30 s</p>\n</header>\n", f);
}

/* One section: a heading, the rows of sql (?1 bound to since, text) as a table, a note. */
static int
section(sqlite3 *db, FILE *f, const char *id, const char *title, const char *sql,
    const char *since, const char *empty, const char *note)
{
	sqlite3_stmt *st = catalog_prepare(db, sql);
	long n;

	if (st == NULL)
		return -1;
	if (since != NULL)
		sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT);
	fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n<div class=\"box\">", id, title);
	n = table_write(f, TABLE_HTML, id, st);
	sqlite3_finalize(st);
	if (n == -1)
		return -1;
	fputs("</div>\n", f);
	if (n == 0)
		fprintf(f, "<p class=\"note\">%s</p>\n", empty);
	if (note != NULL)
		fprintf(f, "<p class=\"note\">%s</p>\n", note);
	fputs("</section>\n", f);
	return 0;
}

static const char providers_sql[] =
    "SELECT p.name AS provider, "
    "(SELECT count(*) FROM models m WHERE m.provider = p.name AND m.present = 1) AS models, "
    "(SELECT count(*) FROM models m WHERE m.provider = p.name AND m.present = 1 AND m.free = 1) "
    "AS free_models, "
    "(SELECT count(*) FROM changes c WHERE c.provider = p.name AND c.at >= ?1 AND "
    "(c.event = 'became_free' OR (c.event IN ('added', 'returned') AND "
    "json_extract(c.after, '$.free') = 1))) AS became_free, "
    "(SELECT count(*) FROM changes c WHERE c.provider = p.name AND c.at >= ?1 AND "
    "(c.event = 'became_paid' OR (c.event = 'removed' AND "
    "json_extract(c.before, '$.free') = 1))) AS stopped_free, "
    "p.last_observed_at AS last_discovery, p.last_ok_at AS last_complete, "
    "CASE WHEN p.retired_at IS NOT NULL THEN 'retired: ' || coalesce(p.retired_reason, '') "
    "WHEN p.last_observed_at IS NOT NULL AND p.last_observed_at = p.last_ok_at THEN 'ok' "
    "ELSE 'failing (' || p.failures || '): ' || coalesce(p.last_error_kind, '') || ' ' || "
    "coalesce(p.last_error, '') END AS health "
    "FROM providers p ORDER BY p.name";

static const char changes_sql[] =
    "SELECT at, event, provider, model FROM changes WHERE at >= ?1 AND event IN "
    "('added', 'removed', 'became_free', 'became_paid', 'returned') "
    "ORDER BY at DESC, id DESC LIMIT 200";

static const char traffic_sql[] =
    "SELECT provider, model, count(*) AS requests, "
    "count(CASE WHEN status NOT BETWEEN 200 AND 299 THEN 1 END) AS errors, "
    "sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, "
    "avg(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 THEN latency_ms END) "
    "AS latency_mean_ms FROM usage WHERE ts >= unixepoch(?1) "
    "GROUP BY provider, model ORDER BY requests DESC, provider, model LIMIT 100";

static const char unusable_sql[] =
    "SELECT provider, model, state, back_at FROM temp.status_unusable "
    "ORDER BY back_at IS NULL, back_at, provider, model LIMIT 500";

/* --- models that cannot take a request now (the snapshot's judgments) ------ */

struct unusable {
	sqlite3_stmt	*add;
	time_t		 now;
	char		 why[64];
};

static int
unusable_one(void *arg, const char *provider, const char *model, const struct routesnap_judgment *j)
{
	struct unusable *u = arg;
	int usable = health_usable((enum health_state)j->health_state);
	int out_of_budget = j->exhausted && j->budget_until > u->now;
	int64_t back = usable ? 0 : j->health_until;
	char t[UTCTIME_LEN];
	int rc;

	if (usable && !out_of_budget)
		return 0;
	if (usable)
		snprintf(u->why, sizeof u->why, "out of budget (%s)", routesnap_which(j->which) ?
		    routesnap_which(j->which) : "x-ratelimit");
	else
		snprintf(u->why, sizeof u->why, "%s", health_name((enum health_state)j->health_state));
	/* Back when both are over; a model gone until the next discovery has no time. */
	if (out_of_budget && (usable || (back != 0 && j->budget_until > back)))
		back = j->budget_until;
	sqlite3_bind_text(u->add, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(u->add, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(u->add, 3, u->why, -1, SQLITE_STATIC);
	if (back > 0 && utctime_format((time_t)back, t) == 0)
		sqlite3_bind_text(u->add, 4, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(u->add, 4);
	rc = sqlite3_step(u->add);
	sqlite3_reset(u->add);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The models out now into temp.status_unusable.  1, 0 when the snapshot cannot be had, -1. */
static int
unusable_fill(sqlite3 *db, const char *catalog, time_t now)
{
	struct unusable u = { NULL, now, "" };
	int rc;

	if (catalog_exec(db, "CREATE TEMP TABLE IF NOT EXISTS status_unusable (provider TEXT, "
	    "model TEXT, state TEXT, back_at TEXT)") != CATALOG_OK ||
	    catalog_exec(db, "DELETE FROM temp.status_unusable") != CATALOG_OK ||
	    (u.add = catalog_prepare(db, "INSERT INTO temp.status_unusable VALUES (?1, ?2, ?3, ?4)"))
	    == NULL)
		return -1;
	rc = metrics_each_judgment(db, catalog, now, unusable_one, &u);
	sqlite3_finalize(u.add);
	return rc == 0 ? 1 : 0;
}

int
statuspage_write(sqlite3 *db, const char *catalog, time_t now, FILE *f)
{
	char day[UTCTIME_LEN], hour[UTCTIME_LEN];
	int have;

	if (utctime_format(now - 86400, day) == -1 || utctime_format(now - 3600, hour) == -1 ||
	    (have = unusable_fill(db, catalog, now)) == -1)
		return -1;
	head(f, now);
	if (section(db, f, "providers", "Free models per provider", providers_sql, day,
	    "No provider has been observed yet: run afmts-discover.",
	    "Changes count the last 24 hours; health is the last discovery run's.") == -1 ||
	    section(db, f, "out", "Models out now", unusable_sql, NULL, have ?
	    "Every model can take a request." : "The route snapshot cannot be read now.",
	    "Cooling down after a 429, breaker open after failures, a refused key (benched), "
	    "gone until the next discovery, or a rate limit used up.") == -1 ||
	    section(db, f, "traffic", "Requests of the last hour", traffic_sql, hour,
	    "No request in the last hour.", NULL) == -1 ||
	    section(db, f, "changes", "Changes of the last 24 hours", changes_sql, day,
	    "Nothing changed in the last 24 hours.", NULL) == -1)
		return -1;
	fputs("</body>\n</html>\n", f);
	return 0;
}
