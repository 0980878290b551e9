/*
 * decide: snapshot or catalog, and keeping the snapshot true after each
 * decision and outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "decide.h"
#include "health.h"
#include "routekeep.h"

void
decider_init(struct decider *d, const char *catalog, int writable, int persistent)
{
	const char *how = getenv("AFMTS_ROUTE_SNAPSHOT");

	memset(d, 0, sizeof *d);
	d->catalog = catalog;
	d->writable = writable;
	d->persistent = persistent;
	d->source = how == NULL ? DECIDE_EITHER : strcmp(how, "off") == 0 ? DECIDE_CATALOG :
	    strcmp(how, "only") == 0 ? DECIDE_SNAPSHOT : DECIDE_EITHER;
}

void
decider_close(struct decider *d)
{
	route_close(d->rc);
	catalog_close(d->db);
	d->rc = NULL;
	d->db = NULL;
}

void
decider_done(struct decider *d)
{
	d->checked = 0;
	if (!d->persistent)
		decider_close(d);
}

/*
 * The open catalog is still the file at d->catalog (a run may replace it):
 * looked at once a request, however often the request asks for the catalog.
 */
static int
still_current(struct decider *d)
{
	struct stat st;

	if (!d->persistent || d->checked)
		return 1;
	d->checked = stat(d->catalog, &st) == 0 && st.st_dev == d->dev && st.st_ino == d->ino;
	return d->checked;
}

int
decider_catalog(struct decider *d, sqlite3 **db)
{
	struct stat st;
	int code;

	if (d->catalog == NULL)
		return DECIDE_MISSING;
	if (d->db != NULL && still_current(d)) {
		*db = d->db;
		return 0;
	}
	decider_close(d);
	code = catalog_open_existing(d->catalog, ROUTE_SCHEMA, d->writable, &d->db);
	if (code != CATALOG_OK)
		return code == CATALOG_MISSING ? DECIDE_MISSING : code == CATALOG_BUSY ?
		    DECIDE_BUSY : DECIDE_ERROR;
	if (stat(d->catalog, &st) == -1) {
		decider_close(d);
		return DECIDE_ERROR;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->checked = 1;
	*db = d->db;
	return 0;
}

int
decide(struct decider *d, struct route_query *q, route_emit emit, void *arg, char *why,
    size_t n)
{
	sqlite3 *db;
	int got, snapshot;

	/*
	 * The snapshot spares a process the catalog's open and schema; a decider
	 * that holds the catalog open (the gateway's) asks it, with its statements
	 * prepared, for less (make bench).
	 */
	snapshot = d->source == DECIDE_SNAPSHOT || (d->source == DECIDE_EITHER && d->db == NULL);
	q->catalog = d->catalog;
	if (d->catalog != NULL && snapshot &&
	    (got = route_select_snapshot(d->catalog, q, emit, arg, why, n)) != -2)
		return got < 0 ? DECIDE_ERROR : got;
	if (d->source == DECIDE_SNAPSHOT)
		return DECIDE_NO_SNAPSHOT;
	if ((got = decider_catalog(d, &db)) < 0)
		return got;
	if (d->rc == NULL && (d->rc = route_open(db)) == NULL)
		return DECIDE_ERROR;
	if ((got = route_select(d->rc, q, emit, arg, why, n)) < 0)
		return DECIDE_ERROR;
	/* The next process need not ask the catalog again. */
	if (snapshot)
		routekeep_refresh(db, d->catalog, q->now);
	return got;
}

int
decide_record(struct decider *d, struct outcome *o, char *msg, size_t n)
{
	sqlite3 *db;
	int code;

	if ((code = decider_catalog(d, &db)) < 0) {
		snprintf(msg, n, code == DECIDE_MISSING ? "no catalog" : code == DECIDE_BUSY ?
		    "the catalog is busy" : "the catalog cannot be written");
		return code == DECIDE_BUSY ? OUTCOME_BUSY : code == DECIDE_MISSING ?
		    OUTCOME_MISSING : OUTCOME_ERROR;
	}
	if ((code = outcome_record(db, o, msg, n)) == OUTCOME_OK)
		routekeep_outcome(db, o->u.provider, o->u.model, (int)o->u.status, o->now);
	return code;
}

int
decide_rebuild(struct decider *d, time_t now)
{
	sqlite3 *db;

	if (decider_catalog(d, &db) < 0)
		return -1;
	return routekeep_build(db, d->catalog, now, 1);
}

/* c is a local server's model that answers but has no idle slot. */
static int
local_busy(const struct candidate *c)
{
	return !c->usable && health_usable(c->health.state) && !c->budget.exhausted &&
	    (c->local.slots_url != NULL || c->local.health_url != NULL) && c->server.up;
}

/* When candidate c (not usable now) can take a request again; 0 if not known. */
static time_t
usable_again(const struct candidate *c, time_t now)
{
	time_t t = 0;

	if (!health_usable(c->health.state) && c->health.until > t)
		t = c->health.until;
	if (c->budget.exhausted && c->budget.until > t)
		t = c->budget.until;
	/* A slot frees when a request ends: look again in a second. */
	if (t == 0 && local_busy(c))
		t = now + 1;
	return t;
}

struct counting {
	struct decide_fitting *f;
	time_t		 now;
};

static int
count_fitting(const struct candidate *c, void *arg)
{
	struct counting *k = arg;
	time_t t = c->usable ? 0 : usable_again(c, k->now);

	k->f->n++;
	k->f->usable += c->usable;
	if (!c->usable && (c->health.state == HEALTH_COOLDOWN || c->budget.exhausted ||
	    local_busy(c)))
		k->f->limited++;
	if (t > 0 && (k->f->first_usable == 0 || t < k->f->first_usable))
		k->f->first_usable = t;
	return 0;
}

int
decide_fitting(struct decider *d, struct route_query *q, struct decide_fitting *f)
{
	struct counting k = { f, q->now };
	int all = q->all, count = q->count, got;
	char why[256];

	q->all = 1;
	q->count = 0;
	got = decide(d, q, count_fitting, &k, why, sizeof why);
	q->all = all;
	q->count = count;
	return got < 0 ? got : 0;
}
