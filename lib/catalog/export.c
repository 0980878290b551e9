/*
 * export: what the catalog holds, printed as the records it was made of.
 */
#include <stdio.h>

#include "catalog.h"
#include "cli.h"
#include "err.h"
#include "export.h"
#include "jsonl.h"

/* --export: the present models, as the model records they were read as. */
int
export_models(sqlite3 *db, FILE *out)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT record, last_seen FROM models "
	    "WHERE present = 1 ORDER BY provider, model");
	int rc;

	if (st == NULL)
		return CATALOG_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jv m = jv_parse((const char *)sqlite3_column_text(st, 0));

		m = jv_object_set(m, jv_string("observed_at"),
		    jv_string((const char *)sqlite3_column_text(st, 1)));
		if (jsonl_put(out, m) == -1)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return catalog_fail(db, rc, "export");
	return fflush(out) == 0 ? CLI_OK : CLI_PARTIAL;
}

/* --history: every change of a model, oldest first: its recorded states. */
int
export_history(sqlite3 *db, const char *model, const char *provider, FILE *out)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT at, event, provider, before, after "
	    "FROM changes WHERE model = ?1 AND (?2 IS NULL OR provider = ?2) "
	    "ORDER BY provider, at, id");
	int rc, n = 0;

	if (st == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
	if (provider != NULL)
		sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jv c = jv_object_set(jv_object(), jv_string("type"), jv_string("change"));

		c = jv_object_set(c, jv_string("event"),
		    jv_string((const char *)sqlite3_column_text(st, 1)));
		c = jv_object_set(c, jv_string("provider"),
		    jv_string((const char *)sqlite3_column_text(st, 2)));
		c = jv_object_set(c, jv_string("model"), jv_string(model));
		for (int col = 3; col <= 4; col++)
			c = jv_object_set(c, jv_string(col == 3 ? "before" : "after"),
			    sqlite3_column_type(st, col) == SQLITE_NULL ? jv_null() :
			    jv_parse((const char *)sqlite3_column_text(st, col)));
		c = jv_object_set(c, jv_string("at"), jv_string((const char *)sqlite3_column_text(st, 0)));
		if (jsonl_put(out, c) == -1)
			break;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return catalog_fail(db, rc, "history");
	if (fflush(out) != 0)
		return CLI_PARTIAL;
	if (n == 0) {
		err_warn("no history for model '%s'", model);
		return CLI_PARTIAL;
	}
	return CLI_OK;
}
