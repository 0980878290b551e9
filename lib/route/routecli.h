/*
 * routecli: afmts-route's command line: its options (its own, and the
 * parameters' option spellings from their tables), and what it does, each
 * returning its exit status (afmts-route(1)) after saying on stderr what
 * went wrong.
 */
#ifndef AFMTS_ROUTECLI_H
#define AFMTS_ROUTECLI_H

#include <getopt.h>
#include <time.h>

#include "route.h"
#include "routeout.h"
#include "usage.h"

/* What afmts-route's command line asks for. */
struct routecli_cmd {
	struct route_query q;
	struct outcome	 o;
	const char	*db, *report, *provider;
	enum routeout_format format;
	int		 state, refresh, route_opts, outcome_opts;
	long long	 wait_ms;	/* --wait, -1: none */
};

#define ROUTECLI_MAX_WAIT_MS 600000
#define ROUTECLI_WAIT_STEP_MS 100	/* how often --wait decides again */

/* k with nothing asked yet, at now (its two pools of 4 KiB are cleared once). */
void routecli_init(struct routecli_cmd *k, time_t now);

/*
 * afmts-route's long options: its own, then the option spellings of the route
 * query's parameters and an outcome's fields (routeparam.h, usage.h).
 */
const struct option *routecli_longopts(void);

/* Apply getopt's c (option name) with optarg to k.  NULL, or what is wrong. */
const char *routecli_option(struct routecli_cmd *k, int c, const char *name);

/* Exit with a usage error when k's options do not go together. */
void routecli_check(const struct routecli_cmd *k);

/*
 * Print the candidates for q from the catalog at path, in format; with
 * wait_ms >= 0 (--wait), once one can take the request, if that is within
 * wait_ms, else how long until one can (a "wait" record).
 */
int routecli_choose(const char *path, struct route_query *q, enum routeout_format format,
    long long wait_ms);


/* --report: record outcome o in the catalog at path, never created here. */
int routecli_report(const char *path, struct outcome *o);

/* --state (the state routing decides from, as JSON) or else --refresh (the route snapshot rebuilt). */
int routecli_catalog(const char *path, time_t now, int state);

#endif
