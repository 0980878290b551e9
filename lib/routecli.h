/*
 * routecli: what afmts-route does from the command line, each returning its
 * exit status (afmts-route(1)) after saying on stderr what went wrong.
 */
#ifndef AFMTS_ROUTECLI_H
#define AFMTS_ROUTECLI_H

#include <time.h>

#include "route.h"
#include "routeout.h"
#include "usage.h"

/* Print the candidates for q from the catalog at path, in format. */
int routecli_choose(const char *path, struct route_query *q, enum routeout_format format);

/* Record outcome o in the catalog at path (never created here). */
int routecli_report(const char *path, struct outcome *o);

/* --state (the state routing decides from, as JSON) or else --refresh (the route snapshot rebuilt). */
int routecli_catalog(const char *path, time_t now, int state);

#endif
