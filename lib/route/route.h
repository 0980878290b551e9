/*
 * route: the choice of models for one request, from the catalog.
 *
 * Constraints narrow the catalog's present models (in SQL, with bound
 * parameters); the breaker (health.h) and the budgets (budget.h) drop the
 * models that cannot take a request now; a strategy ranks what is left:
 *
 *   free-first   free before paid, then the longest context (the default)
 *   cheapest     lowest list price, input plus output, per million tokens
 *   fastest      lowest mean latency of successful requests over 7 days;
 *                models never measured come after, in free-first order
 *   least-used   fewest requests today (UTC): spreads load over free quotas
 *   round-robin  the free-first list rotated by one at each decision
 *   random       a draw weighted by the day's budget left
 *
 * Ties keep free-first order, and free-first ties go by provider then model.
 */
#ifndef AFMTS_ROUTE_H
#define AFMTS_ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "budget.h"
#include "health.h"
#include "pool.h"
#include "strpool.h"

enum route_strategy {
	ROUTE_FREE_FIRST, ROUTE_CHEAPEST, ROUTE_FASTEST, ROUTE_LEAST_USED,
	ROUTE_ROUND_ROBIN, ROUTE_RANDOM, ROUTE_NSTRATEGIES
};

#define ROUTE_SCHEMA 13		/* catalog version the decision path reads and writes */
#define ROUTE_MAX_TERMS 16	/* items of one list (needs, providers ...) */
#define ROUTE_MAX_COUNT 1000

struct route_query {
	const char	*need[ROUTE_MAX_TERMS];
	const char	*modality[ROUTE_MAX_TERMS];	/* "image", "in:image", "out:audio" */
	const char	*provider[ROUTE_MAX_TERMS];
	const char	*exclude[ROUTE_MAX_TERMS];
	int		 nneed, nmodality, nprovider, nexclude;
	const char	*family;
	const char	*model;		/* one catalog id (a pinned model); NULL: any */
	long long	 min_context;	/* 0: any */
	long long	 prompt_tokens;	/* the request's prompt, 0: not known (then min_context) */
	double		 max_price;	/* USD per million tokens, at the price tier the prompt
					   reaches; < 0: free models only */
	enum route_strategy strategy;
	int		 count;		/* candidates wanted; 0: all */
	int		 all;		/* keep models that cannot take a request now */
	int		 no_train;	/* leave out models whose free tier trains on prompts */
	time_t		 now;
	uint64_t	 seed;		/* for random; 0: from the clock */
	const char	*catalog;	/* its path: round-robin keeps its turn in CATALOG.rr */
	struct strpool	 store;		/* the strings above point here */
};

/* A ranked model; its strings live until the emit callback returns. */
struct candidate {
	int		 rank;
	const char	*provider, *model, *base_url, *key_env, *family, *why;
	double		 score;		/* what the strategy ranks by (see route.h) */
	long long	 context_length;	/* -1: not known */
	int		 free, has_prices;
	double		 input_price, output_price;
	time_t		 first_seen;
	int		 usable;	/* health, budget (and a local server's slots) let it
					   take a request now */
	struct health	 health;
	struct budget	 budget;
	struct pool_server_ref local;	/* a local server's URLs and slots (NULLs: not local) */
	struct pool_view server;	/* what the local server said */
};

/* Called per candidate, best first; a nonzero return stops the walk. */
typedef int (*route_emit)(const struct candidate *c, void *arg);

struct route_ctx;

/* Prepare on an open catalog; NULL after reporting. */
struct route_ctx *route_open(sqlite3 *db);
void route_close(struct route_ctx *rc);

/* A query with the defaults: free-first, free only, 1 candidate, now. */
void route_query_init(struct route_query *q, time_t now);

/*
 * Apply one parameter to q, by its name in the CGI query string (need,
 * min_context, prompt_tokens, modality, family, model, provider,
 * exclude_provider, max_price, strategy, count, seed: routeparam.h declares
 * them).  Returns NULL, or a static message saying what is wrong.
 */
const char *route_param(struct route_query *q, const char *name, const char *value);

/* The strategy called name, or -1. */
int route_strategy_named(const char *name);
const char *route_strategy_name(enum route_strategy s);

/*
 * Rank the models that fit q and emit them.  Returns how many were emitted,
 * or -1 after reporting an error.  When none fits, why (of size n) says
 * which constraint emptied the list.
 */
int route_select(struct route_ctx *rc, const struct route_query *q, route_emit emit,
    void *arg, char *why, size_t n);

/*
 * The same, from the route snapshot of the catalog at path catalog
 * (routesnap.h) instead of the catalog: the same candidates in the same
 * order.  Returns -2, having emitted nothing, when the snapshot cannot answer
 * for q->now (none, busy, or a judgment has expired): the caller asks the
 * catalog.
 */
int route_select_snapshot(const char *catalog, const struct route_query *q,
    route_emit emit, void *arg, char *why, size_t n);

#endif
