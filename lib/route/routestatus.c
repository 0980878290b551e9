/*
 * routestatus: GET /status and afmts-route --state.
 */
#include <string.h>

#include "budget.h"
#include "catalog.h"
#include "health.h"
#include "routeitem.h"
#include "jsonw.h"
#include "routestatus.h"
#include "utctime.h"

/* Column i as a JSON string, or null. */
static void
text_or_null(FILE *f, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	if (s != NULL)
		jsonw_str(f, s);
	else
		fputs("null", f);
}

static int
catalog_part(sqlite3 *db, time_t now, FILE *f)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT (SELECT max(started_at) FROM runs), "
	    "count(*), coalesce(sum(free), 0) FROM models WHERE present = 1");
	const char *at;
	time_t t;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		catalog_fail(db, sqlite3_errcode(db), "read the catalog");
		return -1;
	}
	fputs("\"catalog\":{\"updated_at\":", f);
	text_or_null(f, st, 0);
	jsonw_key(f, "age_seconds", 0);
	at = (const char *)sqlite3_column_text(st, 0);
	if (at != NULL && utctime_parse(at, &t) == 0)
		jsonw_num(f, (double)(now - t));
	else
		fputs("null", f);
	jsonw_key(f, "models", 0);
	jsonw_num(f, (double)sqlite3_column_int64(st, 1));
	jsonw_key(f, "free_models", 0);
	jsonw_num(f, (double)sqlite3_column_int64(st, 2));
	putc('}', f);
	sqlite3_finalize(st);
	return 0;
}

/*
 * What a provider's free models rest on (columns 11 to 13): the bases, the
 * day its free rule was checked and how many days ago, and whether its free
 * tier trains on prompts.
 */
static void
evidence(FILE *f, sqlite3_stmt *st, time_t now)
{
	const char *day = (const char *)sqlite3_column_text(st, 12);
	char at[UTCTIME_LEN + 16];
	time_t t;

	jsonw_key(f, "free_basis", 0);
	text_or_null(f, st, 11);
	jsonw_key(f, "free_checked", 0);
	text_or_null(f, st, 12);
	jsonw_key(f, "evidence_age_days", 0);
	if (day != NULL && strlen(day) == 10 &&
	    snprintf(at, sizeof at, "%sT00:00:00Z", day) > 0 && utctime_parse(at, &t) == 0)
		jsonw_num(f, (double)((now - t) / 86400));
	else
		fputs("null", f);
	jsonw_key(f, "trains_on_prompts", 0);
	text_or_null(f, st, 13);
}

static int
providers_part(sqlite3 *db, time_t now, FILE *f)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT p.name, p.last_observed_at, p.last_ok_at, "
	    "p.last_error_at, p.last_error_kind, p.last_error, p.failures, "
	    "(SELECT count(*) FROM models m WHERE m.provider = p.name AND m.present = 1), "
	    "(SELECT count(*) FROM models m WHERE m.provider = p.name AND m.present = 1 "
	    "AND m.free = 1), p.retired_at, p.retired_reason, "
	    "(SELECT group_concat(b, ',') FROM (SELECT DISTINCT m.free_basis AS b FROM models m "
	    "WHERE m.provider = p.name AND m.present = 1 AND m.free_basis IS NOT NULL ORDER BY b)), "
	    "(SELECT min(m.free_checked) FROM models m WHERE m.provider = p.name AND m.present = 1), "
	    "(SELECT max(m.trains_on_prompts) FROM models m WHERE m.provider = p.name "
	    "AND m.present = 1) FROM providers p ORDER BY p.name");
	static const char *const keys[] = { "name", "last_observed_at", "last_ok_at",
	    "last_error_at", "last_error_kind", "last_error" };
	int rc, n = 0;

	if (st == NULL)
		return -1;
	fputs(",\"providers\":[", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs(n++ ? ",{" : "{", f);
		for (int i = 0; i < 6; i++) {
			jsonw_key(f, keys[i], i == 0);
			text_or_null(f, st, i);
		}
		jsonw_key(f, "failures", 0);
		jsonw_num(f, (double)sqlite3_column_int64(st, 6));
		jsonw_key(f, "models", 0);
		jsonw_num(f, (double)sqlite3_column_int64(st, 7));
		jsonw_key(f, "free_models", 0);
		jsonw_num(f, (double)sqlite3_column_int64(st, 8));
		jsonw_key(f, "retired", 0);
		if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
			fputs("null", f);
		} else {
			putc('{', f);
			jsonw_key(f, "since", 1);
			text_or_null(f, st, 9);
			jsonw_key(f, "reason", 0);
			text_or_null(f, st, 10);
			putc('}', f);
		}
		evidence(f, st, now);
		putc('}', f);
	}
	putc(']', f);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(db, rc, "read providers");
		return -1;
	}
	return 0;
}

/* Every model with a failure in the last week whose breaker is not closed and clean. */
static int
breakers_part(sqlite3 *db, time_t now, FILE *f)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT DISTINCT provider, model FROM usage "
	    "WHERE status NOT BETWEEN 200 AND 299 AND ts >= ?1 ORDER BY provider, model");
	struct health_db *hd = health_open(db);
	char t[UTCTIME_LEN];
	int rc = SQLITE_ERROR, n = 0;

	if (st == NULL || hd == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - 7 * 86400));
	fputs(",\"breakers\":[", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		const char *m = (const char *)sqlite3_column_text(st, 1);
		struct health h;

		if (health_of(hd, p, m, now, &h) == -1) {
			rc = SQLITE_ERROR;
			goto out;
		}
		if (h.state == HEALTH_CLOSED && h.failures == 0)
			continue;
		fputs(n++ ? ",{" : "{", f);
		jsonw_key(f, "provider", 1);
		jsonw_str(f, p);
		jsonw_key(f, "model", 0);
		jsonw_str(f, m);
		jsonw_key(f, "state", 0);
		jsonw_str(f, health_name(h.state));
		jsonw_key(f, "status", 0);
		jsonw_num(f, h.status);
		jsonw_key(f, "failures", 0);
		jsonw_num(f, h.failures);
		jsonw_key(f, "until", 0);
		if (h.until != 0 && utctime_format(h.until, t) == 0)
			jsonw_str(f, t);
		else
			fputs("null", f);
		putc('}', f);
	}
	putc(']', f);
out:
	if (rc != SQLITE_DONE && st != NULL && hd != NULL)
		catalog_fail(db, rc, "read breakers");
	health_close(hd);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* "name":time, or null for 0. */
static void
time_member(FILE *f, const char *name, time_t t)
{
	char s[UTCTIME_LEN];

	jsonw_key(f, name, 0);
	if (t != 0 && utctime_format(t, s) == 0)
		jsonw_str(f, s);
	else
		fputs("null", f);
}

/* One budget: its scope and clock, and each limit with its use, reset and source. */
static void
budget_entry(FILE *f, const struct item *it, const struct budget *b, int first)
{
	char reset[20];

	fputs(first ? "{" : ",{", f);
	jsonw_key(f, "provider", 1);
	jsonw_str(f, it->provider);
	jsonw_key(f, "model", 0);
	if (budget_shared(&it->lim))
		fputs("null", f);
	else
		jsonw_str(f, it->model);
	jsonw_key(f, "scope", 0);
	jsonw_str(f, budget_scope_name(it->lim.scope));
	jsonw_key(f, "day_reset", 0);
	utctime_reset_name(it->lim.day_reset, it->lim.day_offset, reset);
	jsonw_str(f, reset);
	jsonw_key(f, "exhausted", 0);
	if (b->exhausted)
		jsonw_str(f, b->which);
	else
		fputs("null", f);
	time_member(f, "until", b->exhausted ? b->until : 0);
	fputs(",\"limits\":[", f);
	for (int w = 0, n = 0; w < BW_COUNT; w++) {
		if (b->max[w] < 0)
			continue;
		fputs(n++ ? ",{" : "{", f);
		jsonw_key(f, "window", 1);
		jsonw_str(f, budget_window_name(w));
		jsonw_key(f, "limit", 0);
		jsonw_num(f, (double)b->max[w]);
		jsonw_key(f, "used", 0);
		jsonw_num(f, (double)b->used[w]);
		time_member(f, "resets_at", b->reset[w]);
		jsonw_key(f, "source", 0);
		jsonw_str(f, b->learned & 1 << w ? "learned" : "descriptor");
		time_member(f, "seen_at", b->learned & 1 << w ? b->learned_at[w] : 0);
		putc('}', f);
	}
	fputs("]}", f);
}

/*
 * The budgets in use: of models used since yesterday (UTC), with a limit
 * learned from headers within a day or from the account; a shared budget once
 * for its provider.
 */
static int
budgets_part(sqlite3 *db, time_t now, FILE *f)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT " ITEM_COLUMNS " FROM models m "
	    "WHERE present = 1 AND (EXISTS (SELECT 1 FROM ratelimits r WHERE "
	    "r.provider = m.provider AND r.model IN (m.model, '') AND (r.observed_at >= ?1 OR "
	    "r.kind LIKE 'account:%')) OR "
	    "EXISTS (SELECT 1 FROM usage_daily d WHERE d.provider = m.provider AND "
	    "d.model = m.model AND d.day >= ?2)) ORDER BY provider, model");
	struct budget_db *bd = budget_open(db);
	char ago[UTCTIME_LEN], last[64] = "";
	int rc = SQLITE_ERROR, n = 0;

	if (st == NULL || bd == NULL || utctime_format(now - 86400, ago) == -1)
		goto out;
	sqlite3_bind_text(st, 1, ago, -1, SQLITE_TRANSIENT);
	ago[10] = '\0';
	sqlite3_bind_text(st, 2, ago, -1, SQLITE_TRANSIENT);
	fputs(",\"budgets\":[", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct item it;
		struct budget b;
		int skip;

		if (item_load(st, &it) == -1) {
			rc = SQLITE_NOMEM;
			goto out;
		}
		skip = budget_shared(&it.lim) && strcmp(last, it.provider) == 0;
		if (!skip && budget_of(bd, it.provider, it.model, &it.lim, now, &b) == -1) {
			item_free(&it);
			rc = SQLITE_ERROR;
			goto out;
		}
		if (!skip)
			budget_entry(f, &it, &b, n++ == 0);
		snprintf(last, sizeof last, "%s", budget_shared(&it.lim) ? it.provider : "");
		item_free(&it);
	}
	putc(']', f);
out:
	if (rc != SQLITE_DONE && st != NULL && bd != NULL)
		catalog_fail(db, rc, "read budgets");
	budget_close(bd);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
routestatus_write(sqlite3 *db, time_t now, FILE *f)
{
	char t[UTCTIME_LEN];

	(void)utctime_format(now, t);
	fputs("{\"now\":", f);
	jsonw_str(f, t);
	putc(',', f);
	if (catalog_part(db, now, f) == -1 || providers_part(db, now, f) == -1 ||
	    breakers_part(db, now, f) == -1 || budgets_part(db, now, f) == -1)
		return -1;
	fputs("}\n", f);
	return 0;
}
