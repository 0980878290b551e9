/*
 * usagekey: the usage store's model ids (usage.h): usage_models ids, looked
 * up or made once per pair and then kept in a strset ("provider\0model" -> id).
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "strset.h"
#include "usage.h"

struct usage_keys {
	sqlite3		*db;
	sqlite3_stmt	*find, *add;
	struct strset	*ids;
};

struct usage_keys *
usage_keys_new(sqlite3 *db)
{
	struct usage_keys *k = calloc(1, sizeof *k);

	if (k == NULL || (k->ids = strset_new()) == NULL) {
		free(k);
		err_warn("usage model keys: out of memory");
		return NULL;
	}
	k->db = db;
	return k;
}

/* The id from the catalog, adding the pair when it is new; -1 on error. */
static int64_t
stored_id(struct usage_keys *k, const char *provider, const char *model)
{
	int64_t id = -1;
	int rc;

	if (catalog_prepare_once(k->db, &k->find,
	    "SELECT id FROM usage_models WHERE provider = ?1 AND model = ?2") == NULL ||
	    catalog_prepare_once(k->db, &k->add,
	    "INSERT INTO usage_models (provider, model) VALUES (?1, ?2)") == NULL)
		return -1;
	sqlite3_bind_text(k->find, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->find, 2, model, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(k->find)) == SQLITE_ROW)
		id = sqlite3_column_int64(k->find, 0);
	sqlite3_reset(k->find);
	if (rc == SQLITE_ROW)
		return id;
	if (rc != SQLITE_DONE) {
		catalog_fail(k->db, rc, "find a usage model");
		return -1;
	}
	sqlite3_bind_text(k->add, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->add, 2, model, -1, SQLITE_STATIC);
	rc = sqlite3_step(k->add);
	sqlite3_reset(k->add);
	if (rc != SQLITE_DONE) {
		catalog_fail(k->db, rc, "add a usage model");
		return -1;
	}
	return sqlite3_last_insert_rowid(k->db);
}

int64_t
usage_keys_of(struct usage_keys *k, const char *provider, const char *model)
{
	size_t lp = strlen(provider) + 1, lm = strlen(model);
	char stack[1024], *pair = lp + lm <= sizeof stack ? stack : malloc(lp + lm);
	int64_t *id = NULL;
	int added;

	if (pair != NULL) {
		memcpy(pair, provider, lp);
		memcpy(pair + lp, model, lm);
		if (strset_count(k->ids) >= USAGE_KEYS_MAX_CACHED)
			strset_clear(k->ids);
		id = strset_value(k->ids, pair, lp + lm, &added);
	}
	if (pair != stack)
		free(pair);
	if (id == NULL) {
		err_warn("usage model keys: out of memory");
		return -1;
	}
	if (added && (*id = stored_id(k, provider, model)) == -1) {
		strset_clear(k->ids);	/* no pair is kept without its id */
		return -1;
	}
	return *id;
}

void
usage_keys_free(struct usage_keys *k)
{
	if (k == NULL)
		return;
	strset_free(k->ids);
	sqlite3_finalize(k->find);
	sqlite3_finalize(k->add);
	free(k);
}
