/*
 * routecli: afmts-route's options, and its answers on the command line.
 */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "decide.h"
#include "err.h"
#include "param.h"
#include "routecli.h"
#include "routeparam.h"
#include "routestatus.h"
#include "utctime.h"

/* What an option is: a route query parameter or an outcome field (their tables name them), or one of its own. */
enum {
	OPT_ROUTE = 0x200, OPT_OUTCOME, OPT_DB, OPT_PROVIDER, OPT_ALL, OPT_FORMAT, OPT_HEADER,
	OPT_STATE, OPT_REFRESH, OPT_NO_TRAIN, OPT_WAIT
};

/* Options of afmts-route itself; the others are the tables' option spellings. */
static const struct option own_opts[] = {
	CLI_LONGOPTS,
	{ "db", required_argument, NULL, OPT_DB },
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "state", no_argument, NULL, OPT_STATE },
	{ "refresh", no_argument, NULL, OPT_REFRESH },
	{ "no-train", no_argument, NULL, OPT_NO_TRAIN },
	{ "wait", required_argument, NULL, OPT_WAIT },
};

#define NOWN (sizeof own_opts / sizeof own_opts[0])

static struct option longopts[NOWN + 32];

/*
 * Add table's option spellings as options of kind val (none is one of
 * own_opts: test/route.bats sees every option work).
 */
static size_t
add_options(size_t n, const struct param *table, int val)
{
	for (const struct param *p = table; p->name != NULL; p++) {
		if (p->option == NULL)
			continue;
		assert(n < sizeof longopts / sizeof longopts[0] - 1);
		longopts[n++] = (struct option){ p->option, required_argument, NULL, val };
	}
	return n;
}

const struct option *
routecli_longopts(void)
{
	if (longopts[0].name == NULL) {
		memcpy(longopts, own_opts, sizeof own_opts);
		add_options(add_options(NOWN, route_params, OPT_ROUTE), outcome_params, OPT_OUTCOME);
	}
	return longopts;
}



void
routecli_init(struct routecli_cmd *k, time_t now)
{
	route_query_init(&k->q, now);
	outcome_init(&k->o, now);
	k->db = k->report = k->provider = NULL;
	k->format = ROUTEOUT_JSONL;
	k->state = k->refresh = k->route_opts = k->outcome_opts = 0;
	k->wait_ms = -1;
}

const char *
routecli_option(struct routecli_cmd *k, int c, const char *name)
{
	const struct param *p;
	int f;

	switch (c) {
	case OPT_DB: k->db = optarg; return NULL;
	case OPT_PROVIDER: k->provider = optarg; return NULL;	/* a constraint, or the model's */
	case OPT_ALL: k->route_opts++; k->q.all = 1; return NULL;
	case OPT_NO_TRAIN: k->route_opts++; k->q.no_train = 1; return NULL;
	case OPT_STATE: k->state = 1; return NULL;
	case OPT_WAIT:
		k->route_opts++;
		return param_digits(optarg, ROUTECLI_MAX_WAIT_MS, &k->wait_ms) == 0 ? NULL :
		    "milliseconds, from 0 to 600000";
	case OPT_REFRESH: k->refresh = 1; return NULL;
	case OPT_HEADER: k->outcome_opts++; return outcome_header(&k->o, optarg);
	case OPT_FORMAT:
		if ((f = routeout_format_named(optarg)) == -1)
			return "one of jsonl, json, tsv, env";
		k->format = (enum routeout_format)f;
		return NULL;
	case OPT_ROUTE:
		k->route_opts++;
		p = param_option(route_params, name);
		assert(p != NULL);
		return param_apply(p, &k->q, optarg);
	case OPT_OUTCOME:
		if (strcmp(name, "report") == 0)
			k->report = optarg;
		else
			k->outcome_opts++;
		p = param_option(outcome_params, name);
		assert(p != NULL);
		return param_apply(p, &k->o, optarg);
	}
	cli_common(c);
	return NULL;
}

void
routecli_check(const struct routecli_cmd *k)
{
	if (k->report == NULL && k->outcome_opts > 0)
		cli_usage_error("--status, --latency, --tokens ... go with --report MODEL");
	if (k->report != NULL && (k->route_opts > 0 || k->state))
		cli_usage_error("--report records an outcome: no route options with it");
	if (k->state && k->route_opts > 0)
		cli_usage_error("--state takes no route options");
	if (k->refresh && (k->route_opts > 0 || k->state || k->report != NULL))
		cli_usage_error("--refresh takes no other option but --db");
	if (k->report != NULL && !k->o.u.has_status)
		cli_usage_error("--report needs --status CODE");
}

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

	decider_init(&d, path, 1, 0);
	code = decide_record(&d, o, msg, sizeof msg);
	decider_close(&d);
	if (code == OUTCOME_MISSING)
		return catalog_failed(path, DECIDE_MISSING);
	if (code == OUTCOME_INVALID)
		err_warn("--report %s: %s", o->u.model, msg);
	return code == OUTCOME_OK ? CLI_OK : code == OUTCOME_INVALID ? CLI_USAGE :
	    code == OUTCOME_BUSY ? CLI_UNAVAILABLE : CLI_FAILED;
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

/* None could take q within the wait: when the first can, on stdout in format, for scripts. */
static void
say_wait(enum routeout_format format, long seconds)
{
	switch (format) {
	case ROUTEOUT_ENV:
		printf("AFMTS_RETRY_AFTER=%ld\n", seconds);
		break;
	case ROUTEOUT_TSV:
		printf("wait\t%ld\n", seconds);
		break;
	default:
		printf("{\"type\":\"wait\",\"retry_after\":%ld}\n", seconds);
	}
}

/*
 * Decide q, and while none can take it now but one can again within wait_ms,
 * decide again as soon as it can.  What decide returns; *retry: the seconds
 * until the first can, when none could in time (0: none will).
 */
static int
decide_within(struct decider *d, struct route_query *q, long long wait_ms, struct output *o,
    char *why, size_t n, long *retry)
{
	long long deadline = utctime_clock_ms() + wait_ms;
	int got;

	*retry = 0;
	while ((got = decide(d, q, candidate, o, why, n)) == 0 && wait_ms >= 0) {
		struct decide_fitting f = { 0 };

		if (decide_fitting(d, q, &f) < 0 || f.first_usable == 0)
			break;
		*retry = f.first_usable > q->now ? (long)(f.first_usable - q->now) : 1;
		if (utctime_clock_ms() + *retry * 1000 > deadline + 999)
			break;
		nanosleep(&(struct timespec){ 0, ROUTECLI_WAIT_STEP_MS * 1000000L }, NULL);
		q->now = utctime_now();
	}
	if (got != 0)
		*retry = 0;
	return got;
}

int
routecli_choose(const char *path, struct route_query *q, enum routeout_format format,
    long long wait_ms)
{
	struct decider d;
	struct output o = { .format = format };
	char why[512] = "";
	long retry;
	int n;

	decider_init(&d, path, 0, 0);
	n = decide_within(&d, q, wait_ms, &o, why, sizeof why, &retry);
	decider_close(&d);
	if (n < 0)
		return catalog_failed(path, n);
	if (n > 0)
		routeout_end(&o.out);
	if (n == 0 && retry > 0) {
		err_warn("no model can take it within %lld ms: the first is usable again in %ld s (%s)",
		    wait_ms, retry, why);
		say_wait(format, retry);
	} else if (n == 0)
		err_warn("no model fits: %s", why);
	if (fflush(stdout) == EOF) {
		err_warn("stdout: write error");
		return CLI_FAILED;
	}
	return n > 0 ? CLI_OK : CLI_PARTIAL;
}
