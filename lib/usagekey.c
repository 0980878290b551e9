/*
 * usagekey: usage_models ids, looked up or made once per pair and then kept
 * in an open-addressing table.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "fnv.h"
#include "usagekey.h"

struct slot {
	char		*pair;		/* "provider\0model\0", NULL when free */
	uint64_t	 hash;
	int64_t		 id;
};

struct usagekey {
	sqlite3		*db;
	sqlite3_stmt	*find, *add;
	struct slot	*slot;
	size_t		 cap, n;	/* cap a power of two */
};

static void
clear(struct usagekey *k)
{
	for (size_t i = 0; i < k->cap; i++)
		free(k->slot[i].pair);
	memset(k->slot, 0, k->cap * sizeof *k->slot);
	k->n = 0;
}

static int
grow(struct usagekey *k)
{
	size_t cap = k->cap ? k->cap * 2 : 256;
	struct slot *slot = calloc(cap, sizeof *slot);

	if (slot == NULL)
		return -1;
	for (size_t i = 0; i < k->cap; i++) {
		size_t j;

		if (k->slot[i].pair == NULL)
			continue;
		for (j = k->slot[i].hash & (cap - 1); slot[j].pair != NULL; j = (j + 1) & (cap - 1))
			;
		slot[j] = k->slot[i];
	}
	free(k->slot);
	k->slot = slot;
	k->cap = cap;
	return 0;
}

struct usagekey *
usagekey_new(sqlite3 *db)
{
	struct usagekey *k = calloc(1, sizeof *k);

	if (k == NULL || grow(k) == -1) {
		free(k);
		err_warn("usage model keys: out of memory");
		return NULL;
	}
	k->db = db;
	return k;
}

/* The id from the catalog, adding the pair when it is new; -1 on error. */
static int64_t
stored_id(struct usagekey *k, const char *provider, const char *model)
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
usagekey_of(struct usagekey *k, const char *provider, const char *model)
{
	size_t lp = strlen(provider) + 1, lm = strlen(model) + 1, j;
	uint64_t h = fnv1a(fnv1a(FNV_SEED, provider, lp), model, lm);
	struct slot *s;
	int64_t id;

	for (j = h & (k->cap - 1); (s = &k->slot[j])->pair != NULL; j = (j + 1) & (k->cap - 1))
		if (s->hash == h && memcmp(s->pair, provider, lp) == 0 &&
		    memcmp(s->pair + lp, model, lm) == 0)
			return s->id;
	if ((id = stored_id(k, provider, model)) == -1)
		return -1;
	if (k->n >= USAGEKEY_MAX_CACHED)
		clear(k);
	if ((k->n + 1) * 4 > k->cap * 3 && grow(k) == -1)
		goto nomem;
	for (j = h & (k->cap - 1); k->slot[j].pair != NULL; j = (j + 1) & (k->cap - 1))
		;
	s = &k->slot[j];
	if ((s->pair = malloc(lp + lm)) == NULL)
		goto nomem;
	memcpy(s->pair, provider, lp);
	memcpy(s->pair + lp, model, lm);
	s->hash = h;
	s->id = id;
	k->n++;
	return id;
nomem:
	err_warn("usage model keys: out of memory");
	return -1;
}

void
usagekey_free(struct usagekey *k)
{
	if (k == NULL)
		return;
	clear(k);
	free(k->slot);
	sqlite3_finalize(k->find);
	sqlite3_finalize(k->add);
	free(k);
}
