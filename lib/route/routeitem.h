/*
 * routeitem: one model as a decision sees it, shared by route.c (which
 * decides) and routekeep.c (which keeps the route snapshot): its catalog
 * row and its judgment.  Not an interface for programs: they use route.h.
 */
#ifndef AFMTS_ROUTEITEM_H
#define AFMTS_ROUTEITEM_H

#include <time.h>

#include <sqlite3.h>

#include "budget.h"
#include "health.h"
#include "pool.h"
#include "route.h"

struct route_ctx {
	sqlite3		*db;
	struct health_db *hd;
	struct budget_db *bd;
	sqlite3_stmt	*latency;
};

struct item {
	const char	*provider, *model, *base_url, *key_env, *family;
	struct pool_server_ref local;	/* a local server's URLs and slots (NULLs: not local) */
	struct pool_view server;	/* what it said, when local */
	int		 borrowed;	/* the strings are a snapshot's, not to be freed */
	long long	 ctx;
	int		 free, has_prices, order, usable;
	double		 in, out, key, score;
	time_t		 first_seen;
	struct limits	 lim;
	struct health	 health;
	struct budget	 budget;
};

/* The columns item_load reads, in its order (SELECT ITEM_COLUMNS FROM models ...). */
#define ITEM_COLUMNS \
	"provider, model, base_url, key_env, family, context_length, free, " \
	"input_price, output_price, first_seen, json_extract(limits, '$.rpm'), " \
	"json_extract(limits, '$.rpd'), json_extract(limits, '$.tpm'), " \
	"json_extract(limits, '$.tpd'), json_extract(limits, '$.scope'), " \
	"json_extract(record, '$.local.slots_url'), json_extract(record, '$.local.health_url'), " \
	"json_extract(limits, '$.slots'), json_extract(limits, '$.rpmo'), " \
	"json_extract(limits, '$.day_reset'), json_extract(limits, '$.header_requests'), " \
	"json_extract(limits, '$.header_tokens')"
#define ITEM_NCOLUMNS 22

/* Fill it from the current row (its strings copied).  0, or -1 when out of memory. */
int item_load(sqlite3_stmt *st, struct item *it);
void item_free(struct item *it);

/* Breaker and budget of it now.  0 or -1. */
int item_judge(struct route_ctx *rc, struct item *it, time_t now);

/*
 * A local server's model: usable only while its server answers and has an
 * idle slot (asked through catalog's pool).  Nothing for other models.
 */
void item_judge_local(const char *catalog, struct item *it);

/* Mean latency over 7 days into it->key; NAN if never measured.  0 or -1. */
int item_latency(struct route_ctx *rc, struct item *it, time_t now);

struct routesnap;

/* Entry i of a route snapshot as an item, strings the snapshot's (NULL where bad), not judged. */
void item_of_entry(const struct routesnap *s, size_t i, struct item *it);

#endif
