/*
 * routeparam: a request's parameters, declared once for the query string,
 * the form of the gateway's options and afmts-route's command line.
 */
#include <stdint.h>
#include <string.h>

#include "names.h"
#include "route.h"
#include "routeparam.h"

static const char *const strategy_names[ROUTE_NSTRATEGIES] = {
	[ROUTE_FREE_FIRST] = "free-first", [ROUTE_CHEAPEST] = "cheapest",
	[ROUTE_FASTEST] = "fastest", [ROUTE_LEAST_USED] = "least-used",
	[ROUTE_ROUND_ROBIN] = "round-robin", [ROUTE_RANDOM] = "random",
};

int
route_strategy_named(const char *name)
{
	for (int i = 0; i < ROUTE_NSTRATEGIES; i++)
		if (strcmp(name, strategy_names[i]) == 0)
			return i;
	return -1;
}

const char *
route_strategy_name(enum route_strategy s)
{
	return strategy_names[s];
}

void
route_query_init(struct route_query *q, time_t now)
{
	memset(q, 0, sizeof *q);
	q->max_price = -1;
	q->count = 1;
	q->now = now;
}

/* Append the words of the comma list value (checked) to list. */
static const char *
words(struct route_query *q, const char *value, const char **list, int *n)
{
	char *copy = strpool_keep(&q->store, value), *w, *save = NULL;

	if (copy == NULL)
		return "the request's lists are too long";
	for (w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		if (*n == ROUTE_MAX_TERMS)
			return "a list holds at most 16 items";
		list[(*n)++] = w;
	}
	return *n == 0 ? "an empty list" : NULL;
}

static const char *
set_need(void *q, const char *v, double d)
{
	struct route_query *rq = q;

	(void)d;
	return words(rq, v, rq->need, &rq->nneed);
}

static const char *
set_modality(void *q, const char *v, double d)
{
	struct route_query *rq = q;

	(void)d;
	return words(rq, v, rq->modality, &rq->nmodality);
}

static const char *
set_provider(void *q, const char *v, double d)
{
	struct route_query *rq = q;

	(void)d;
	return words(rq, v, rq->provider, &rq->nprovider);
}

static const char *
set_exclude(void *q, const char *v, double d)
{
	struct route_query *rq = q;

	(void)d;
	return words(rq, v, rq->exclude, &rq->nexclude);
}

static const char *
set_model(void *q, const char *v, double d)
{
	struct route_query *rq = q;

	(void)d;
	if (*v == '\0' || strlen(v) > 512)
		return "model must be a catalog id of 1 to 512 bytes";
	return (rq->model = strpool_keep(&rq->store, v)) == NULL ? "the request is too long" : NULL;
}

static const char *
set_family(void *q, const char *v, double d)
{
	struct route_query *rq = q;

	(void)d;
	return (rq->family = strpool_keep(&rq->store, v)) == NULL ? "the request is too long" : NULL;
}

static const char *
set_min_context(void *q, const char *v, double d)
{
	(void)v;
	((struct route_query *)q)->min_context = (long long)d;
	return NULL;
}

static const char *
set_prompt_tokens(void *q, const char *v, double d)
{
	(void)v;
	((struct route_query *)q)->prompt_tokens = (long long)d;
	return NULL;
}

static const char *
set_max_price(void *q, const char *v, double d)
{
	(void)v;
	((struct route_query *)q)->max_price = d;
	return NULL;
}

static const char *
set_count(void *q, const char *v, double d)
{
	(void)v;
	((struct route_query *)q)->count = (int)d;
	return NULL;
}

static const char *
set_seed(void *q, const char *v, double d)
{
	(void)v;
	((struct route_query *)q)->seed = (uint64_t)d;
	return NULL;
}

static const char *
set_no_train(void *q, const char *v, double d)
{
	(void)v;
	((struct route_query *)q)->no_train = d != 0;
	return NULL;
}

static const char *
set_strategy(void *q, const char *v, double d)
{
	int s = route_strategy_named(v);

	(void)d;
	if (s == -1)
		return "strategy must be free-first, cheapest, fastest, least-used, "
		    "round-robin or random";
	((struct route_query *)q)->strategy = (enum route_strategy)s;
	return NULL;
}

const struct param route_params[] = {
	{ "need", "need", PARAM_WORDS, 0, 32, NULL, set_need },
	{ "modality", "modality", PARAM_WORDS, 0, 36, NULL, set_modality },
	/* No option of its own: afmts-route's --provider is this or an outcome's provider. */
	{ "provider", NULL, PARAM_PROVIDERS, 0, NAMES_PROVIDER_MAX, NULL, set_provider },
	{ "exclude_provider", "exclude-provider", PARAM_PROVIDERS, 0, NAMES_PROVIDER_MAX, NULL,
	    set_exclude },
	{ "model", "model", PARAM_ANY, 0, 0, NULL, set_model },
	{ "family", "family", PARAM_WORD, 0, 64,
	    "family must be a word of a-z, 0-9, '_', '-', '.', ':'", set_family },
	{ "min_context", "min-context", PARAM_WHOLE, 0, 1e12,
	    "min_context must be a whole number of tokens", set_min_context },
	{ "prompt_tokens", "prompt-tokens", PARAM_WHOLE, 0, 1e12,
	    "prompt_tokens must be a whole number of tokens", set_prompt_tokens },
	{ "max_price", "max-price", PARAM_NUMBER, 0, 1e6,
	    "max_price must be USD per million tokens, from 0 to 1e6", set_max_price },
	{ "count", "count", PARAM_WHOLE, 1, ROUTE_MAX_COUNT,
	    "count must be a whole number from 1 to 1000", set_count },
	{ "seed", "seed", PARAM_WHOLE, 1, 9007199254740992.0,
	    "seed must be a whole number from 1 to 2^53", set_seed },
	{ "strategy", "strategy", PARAM_ANY, 0, 0, NULL, set_strategy },
	/* No option of its own: afmts-route's --no-train takes no value. */
	{ "no_train", NULL, PARAM_WHOLE, 0, 1, "no_train must be 0 or 1", set_no_train },
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

const char *
route_param(struct route_query *q, const char *name, const char *value)
{
	return param_set(route_params, q, name, value);
}
