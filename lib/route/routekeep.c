/*
 * routekeep: building the route snapshot and re-judging its entries.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "err.h"
#include "routeitem.h"
#include "routekeep.h"
#include "routesnap.h"

/* The present models in free-first order, with what the constraints test beyond ITEM_COLUMNS. */
static const char build_sql[] =
    "SELECT " ITEM_COLUMNS ", features, json_extract(modalities, '$.input'), "
    "json_extract(modalities, '$.output'), modalities IS NOT NULL, price_tiers, "
    "trains_on_prompts IS 'true' "
    "FROM models WHERE present = 1 ORDER BY free DESC, context_length DESC, provider, model";

/*
 * The first usage row after now: from then on it counts in windows that
 * judgments made at now did not see (rows stamped ahead of the clock).
 */
static int
next_row_after(sqlite3 *db, time_t now, time_t *at)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT min(ts) FROM usage WHERE ts > ?1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	*at = HEALTH_FOREVER;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		*at = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		catalog_fail(db, rc, "read the newest usage");
		return -1;
	}
	return 0;
}

static time_t
earliest(time_t a, time_t b)
{
	return a < b ? a : b;
}

/* Judge it at now into j, holding no later than cap.  0 or -1. */
static int
judge(struct route_ctx *rc, struct item *it, time_t now, time_t cap, struct routesnap_judgment *j)
{
	if (item_judge(rc, it, now) == -1 || item_latency(rc, it, now) == -1)
		return -1;
	memset(j, 0, sizeof *j);
	j->judged_at = (int64_t)now;
	j->stable_until = (int64_t)earliest(earliest(it->health.stable_until,
	    it->budget.stable_until), cap);
	j->health_state = (int32_t)it->health.state;
	j->health_since = (int64_t)it->health.since;
	j->health_until = (int64_t)it->health.until;
	j->health_status = it->health.status;
	j->health_failures = it->health.failures;
	j->exhausted = it->budget.exhausted;
	j->which = routesnap_which_index(it->budget.which);
	j->budget_until = (int64_t)it->budget.until;
	j->requests_today = it->budget.requests_today;
	j->tokens_today = it->budget.tokens_today;
	j->requests_minute = it->budget.requests_minute;
	j->day_left = it->budget.day_left;
	j->day_reset_at = (int64_t)it->budget.day_reset_at;
	j->rpd = it->budget.max[BW_RPD];
	j->learned = it->budget.learned;
	j->latency = it->key;
	return 0;
}

/* An entry's catalog columns from the item loaded with st's extra columns. */
static struct routesnap_entry *
add_entry(struct routesnap_builder *b, sqlite3_stmt *st, const struct item *it)
{
	const char *str[RS_NSTRINGS] = {
		[RS_PROVIDER] = it->provider, [RS_MODEL] = it->model, [RS_BASE_URL] = it->base_url,
		[RS_KEY_ENV] = it->key_env, [RS_FAMILY] = it->family,
		[RS_FEATURES] = (const char *)sqlite3_column_text(st, ITEM_NCOLUMNS),
		[RS_MOD_IN] = (const char *)sqlite3_column_text(st, ITEM_NCOLUMNS + 1),
		[RS_MOD_OUT] = (const char *)sqlite3_column_text(st, ITEM_NCOLUMNS + 2),
		[RS_PRICE_TIERS] = (const char *)sqlite3_column_text(st, ITEM_NCOLUMNS + 4),
		[RS_SLOTS_URL] = it->local.slots_url, [RS_HEALTH_URL] = it->local.health_url,
	};
	struct routesnap_entry *e = routesnap_builder_add(b, str);

	if (e == NULL)
		return NULL;
	e->context_length = it->ctx;
	e->first_seen = (int64_t)it->first_seen;
	e->rpm = it->lim.max[BW_RPM];
	e->rpd = it->lim.max[BW_RPD];
	e->tpm = it->lim.max[BW_TPM];
	e->tpd = it->lim.max[BW_TPD];
	e->rpmo = it->lim.max[BW_RPMO];
	e->scope = it->lim.scope;
	e->day_reset = it->lim.day_reset;
	e->day_offset = it->lim.day_offset;
	e->header_requests = it->lim.header_requests;
	e->header_tokens = it->lim.header_tokens;
	e->slots = it->local.slots;
	e->input_price = it->in;
	e->output_price = it->out;
	e->free_value = it->free;
	e->flags = (it->has_prices ? RSF_HAS_PRICES : 0) |
	    (sqlite3_column_type(st, 7) != SQLITE_NULL ? RSF_IN_PRICE : 0) |
	    (sqlite3_column_type(st, 8) != SQLITE_NULL ? RSF_OUT_PRICE : 0) |
	    (sqlite3_column_type(st, 5) != SQLITE_NULL ? RSF_CONTEXT : 0) |
	    (sqlite3_column_int(st, ITEM_NCOLUMNS + 3) ? RSF_MODALITIES : 0) |
	    (budget_shared(&it->lim) ? RSF_SCOPE_PROVIDER : 0) |
	    (sqlite3_column_int(st, ITEM_NCOLUMNS + 5) ? RSF_TRAINS : 0);
	return e;
}

/* Items in provider order: a provider's shared facts are read once, not per model. */
struct by_provider {
	const char	*provider;
	size_t		 i;
};

static int
provider_cmp(const void *a, const void *b)
{
	const struct by_provider *x = a, *y = b;
	int c = strcmp(x->provider != NULL ? x->provider : "", y->provider != NULL ? y->provider : "");

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

static size_t *
provider_order(const struct item *v, size_t n)
{
	struct by_provider *p = malloc((n ? n : 1) * sizeof *p);
	size_t *o = malloc((n ? n : 1) * sizeof *o);

	if (p == NULL || o == NULL) {
		free(p);
		free(o);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		p[i].provider = v[i].provider;
		p[i].i = i;
	}
	qsort(p, n, sizeof *p, provider_cmp);
	for (size_t i = 0; i < n; i++)
		o[i] = p[i].i;
	free(p);
	return o;
}

/* Load every present model into b and v (n of them), judged at now.  0 or -1. */
static int
load_all(struct route_ctx *rc, struct routesnap_builder *b, struct item **vp, size_t *np,
    time_t now)
{
	sqlite3_stmt *st = catalog_prepare(rc->db, build_sql);
	struct item *v = NULL;
	size_t n = 0, cap = 0, *order = NULL;
	time_t cap_at;
	int step, rv = -1;

	if (st == NULL || next_row_after(rc->db, now, &cap_at) == -1)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			struct item *nv = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *v);

			if (nv == NULL)
				goto oom;
			v = nv;
		}
		if (item_load(st, &v[n]) == -1)
			goto oom;
		if (add_entry(b, st, &v[n++]) == NULL)
			goto oom;
	}
	if (step != SQLITE_DONE) {
		catalog_fail(rc->db, step, "read the models");
		goto out;
	}
	if ((order = provider_order(v, n)) == NULL)
		goto oom;
	health_forget(rc->hd);
	budget_forget(rc->bd);
	for (size_t k = 0; k < n; k++)
		if (judge(rc, &v[order[k]], now, cap_at, &b->e[order[k]].j) == -1)
			goto out;
	rv = 0;
	goto out;
oom:
	err_warn("route snapshot: out of memory");
out:
	sqlite3_finalize(st);
	free(order);
	*vp = v;
	*np = n;
	return rv;
}

/* Build under the lock held as lockfd.  0 or -1. */
static int
build_locked(sqlite3 *db, const char *catalog, time_t now)
{
	struct routesnap_builder b;
	struct route_ctx *rc;
	struct item *v = NULL;
	size_t n = 0;
	int rv = -1;

	routesnap_builder_init(&b);
	if ((rc = route_open(db)) == NULL)
		return -1;
	/* One read transaction: every judgment from one state of the catalog. */
	if (catalog_exec(db, "SAVEPOINT snapshot") != CATALOG_OK) {
		route_close(rc);
		return -1;
	}
	if (load_all(rc, &b, &v, &n, now) == 0)
		rv = routesnap_builder_write(&b, catalog);
	catalog_exec(db, "RELEASE snapshot");
	for (size_t i = 0; i < n; i++)
		item_free(&v[i]);
	free(v);
	routesnap_builder_free(&b);
	route_close(rc);
	return rv;
}

int
routekeep_build(sqlite3 *db, const char *catalog, time_t now, int wait)
{
	int lockfd = routesnap_lock(catalog, 1, wait), rv;

	if (lockfd == -1) {
		if (wait)
			err_warn("%s.route.lock: cannot lock the route snapshot", catalog);
		return -1;
	}
	if ((rv = build_locked(db, catalog, now)) == -1) {
		char path[4096];

		if (routesnap_path(catalog, ".route", path, sizeof path) == 0)
			(void)unlink(path);
		if (wait)
			err_warn("%s.route: cannot write the route snapshot", catalog);
	}
	routesnap_unlock(lockfd);
	return rv;
}

/*
 * Re-judge the entries of s (open under the lock) that want(): in provider
 * order, from one read of the catalog.  0 or -1.
 */
static int
rejudge(struct route_ctx *rc, const struct routesnap *s, const unsigned char *want,
    size_t nwant, time_t now)
{
	struct item *v = calloc(nwant ? nwant : 1, sizeof *v);
	size_t *at = malloc((nwant ? nwant : 1) * sizeof *at), *order = NULL, k = 0;
	struct routesnap_judgment j;
	time_t cap_at;
	int rv = -1;

	if (v == NULL || at == NULL)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		if (!want[i])
			continue;
		item_of_entry(s, i, &v[k]);
		if (v[k].provider == NULL || v[k].model == NULL)
			goto out;
		at[k++] = i;
	}
	if ((order = provider_order(v, nwant)) == NULL ||
	    catalog_exec(rc->db, "SAVEPOINT rejudge") != CATALOG_OK)
		goto out;
	health_forget(rc->hd);
	budget_forget(rc->bd);
	rv = next_row_after(rc->db, now, &cap_at);
	for (k = 0; k < nwant && rv == 0; k++)
		if (judge(rc, &v[order[k]], now, cap_at, &j) == -1 ||
		    routesnap_rejudge(s->fd, at[order[k]], &j) == -1)
			rv = -1;
	catalog_exec(rc->db, "RELEASE rejudge");
out:
	free(order);
	free(at);
	free(v);
	return rv;
}

/* Re-judge the entries of catalog's snapshot marked by pick() at now, under the lock. */
static void
keep(sqlite3 *db, const char *catalog, time_t now, int wait,
    int (*pick)(const struct routesnap *, size_t, const void *), const void *arg)
{
	struct routesnap s;
	struct route_ctx *rc = NULL;
	unsigned char *want = NULL;
	char path[4096];
	size_t nwant = 0;
	int lockfd = routesnap_lock(catalog, !wait, wait), ok = 0;

	if (lockfd == -1)
		return;
	if (routesnap_open_locked(&s, catalog) == -1) {
		/*
		 * None, one that does not check out, or one this writer may not
		 * write: a decision builds it anew, a writer removes it.
		 */
		if ((wait || build_locked(db, catalog, now) == -1) &&
		    routesnap_path(catalog, ".route", path, sizeof path) == 0)
			(void)unlink(path);
		routesnap_unlock(lockfd);
		return;
	}
	if ((want = calloc(s.n ? s.n : 1, 1)) != NULL) {
		for (size_t i = 0; i < s.n; i++)
			nwant += (want[i] = (unsigned char)pick(&s, i, arg));
		ok = nwant == 0 ||
		    ((rc = route_open(db)) != NULL && rejudge(rc, &s, want, nwant, now) == 0);
	}
	route_close(rc);
	free(want);
	routesnap_close(&s);
	/* A snapshot that could not follow the catalog must not outlive it. */
	if (!ok && routesnap_path(catalog, ".route", path, sizeof path) == 0)
		(void)unlink(path);
	routesnap_unlock(lockfd);
}

struct touched {
	const char	*provider, *model;
	int		 wide;		/* a refused key: every model of the provider */
};

static int
pick_touched(const struct routesnap *s, size_t i, const void *arg)
{
	const struct touched *t = arg;
	const char *p = routesnap_str(s, i, RS_PROVIDER), *m = routesnap_str(s, i, RS_MODEL);

	if (p == NULL || m == NULL)
		return 1;	/* judged, it fails, and the snapshot goes */
	if (strcmp(p, t->provider) != 0)
		return 0;
	return t->wide || (s->e[i].flags & RSF_SCOPE_PROVIDER) || strcmp(m, t->model) == 0;
}

void
routekeep_outcome(sqlite3 *db, const char *provider, const char *model, int status, time_t now)
{
	const char *catalog = sqlite3_db_filename(db, "main");
	struct touched t = { provider, model, status == 401 || status == 402 || status == 403 };

	if (catalog != NULL && *catalog != '\0' && provider != NULL && model != NULL)
		keep(db, catalog, now, 1, pick_touched, &t);
}

static int
pick_expired(const struct routesnap *s, size_t i, const void *arg)
{
	const struct routesnap_judgment *j = &s->e[i].j;
	time_t now = *(const time_t *)arg;

	return now < j->judged_at || now >= j->stable_until;
}

void
routekeep_refresh(sqlite3 *db, const char *catalog, time_t now)
{
	keep(db, catalog, now, 0, pick_expired, &now);
}
