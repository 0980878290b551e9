/*
 * routecli: afmts-route's answers on the command line, each an exit status.
 */
#include <stdio.h>

#include "cli.h"
#include "decide.h"
#include "err.h"
#include "routecli.h"
#include "routestatus.h"

/* The exit status of a catalog that cannot be used, said on stderr when not yet. */
static int
catalog_failed(const char *path, int code)
{
	if (code == DECIDE_MISSING)
		err_warn("catalog %s: not found (run afmts-discover first)", path);
	if (code == DECIDE_NO_SNAPSHOT)
		err_warn("%s.route: the route snapshot cannot answer (missing, busy or expired)",
		    path);
	return code == DECIDE_MISSING || code == DECIDE_BUSY ? CLI_UNAVAILABLE : CLI_FAILED;
}

int
routecli_report(const char *path, struct outcome *o)
{
	struct decider d;
	char msg[160];
	int code;

	/* Never created here: an outcome alone does not make a catalog. */
	decider_init(&d, path, 1, 0);
	code = decide_record(&d, o, msg, sizeof msg);
	decider_close(&d);
	if (code == OUTCOME_MISSING)
		return catalog_failed(path, DECIDE_MISSING);
	if (code == OUTCOME_INVALID) {
		err_warn("--report %s: %s", o->u.model, msg);
		return CLI_USAGE;
	}
	return code;
}

/* The output, begun at the first candidate: nothing is printed when none fits. */
struct output {
	struct routeout	 out;
	enum routeout_format format;
	int		 begun;
};

static int
candidate(const struct candidate *c, void *arg)
{
	struct output *o = arg;

	if (!o->begun) {
		routeout_begin(&o->out, stdout, o->format);
		o->begun = 1;
	}
	return routeout_candidate(c, &o->out);
}

int
routecli_catalog(const char *path, time_t now, int state)
{
	struct decider d;
	sqlite3 *db;
	int code;

	decider_init(&d, path, 0, 0);
	if ((code = decider_catalog(&d, &db)) < 0)
		code = catalog_failed(path, code);
	else if (state)
		code = routestatus_write(db, now, stdout) == -1 ? CLI_FAILED : CLI_OK;
	else
		code = decide_rebuild(&d, now) == -1 ? CLI_FAILED : CLI_OK;
	decider_close(&d);
	return code;
}

int
routecli_choose(const char *path, struct route_query *q, enum routeout_format format)
{
	struct decider d;
	struct output o = { .format = format };
	char why[512] = "";
	int n;

	decider_init(&d, path, 0, 0);
	n = decide(&d, q, candidate, &o, why, sizeof why);
	decider_close(&d);
	if (n < 0)
		return catalog_failed(path, n);
	if (n > 0)
		routeout_end(&o.out);
	if (n == 0)
		err_warn("no model fits: %s", why);
	if (fflush(stdout) == EOF) {
		err_warn("stdout: write error");
		return CLI_FAILED;
	}
	return n > 0 ? CLI_OK : CLI_PARTIAL;
}
