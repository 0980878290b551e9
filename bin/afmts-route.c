/*
 * afmts-route: the best free model for a request, from the shell or as a CGI
 * program (when GATEWAY_INTERFACE is set).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decide.h"
#include "err.h"
#include "fastcgi.h"
#include "paths.h"
#include "route.h"
#include "routecgi.h"
#include "routecli.h"
#include "routeout.h"
#include "routestatus.h"
#include "usage.h"
#include "utctime.h"

static const char synopsis[] =
    "[--db PATH] [--need LIST] [--min-context N] [--prompt-tokens N] [--modality LIST]\n"
    "       [--family NAME] [--model ID] [--provider LIST] [--exclude-provider LIST]\n"
    "       [--max-price USD] [--strategy NAME] [--count N] [--all]\n"
    "       [--format json|jsonl|tsv|env]\n"
    "       afmts-route [--db PATH] --report MODEL --status CODE [--provider NAME]\n"
    "       [--latency MS] [--tokens IN,OUT] [--retry-after S] [--header 'NAME: VALUE']\n"
    "       afmts-route [--db PATH] --state | --refresh";

static const char options[] =
    "Print the catalog's best models for one request, best first, as candidate\n"
    "records; record a request's outcome (--report); or print the state routing\n"
    "decides from (--state).  Under a web server (GATEWAY_INTERFACE set) it answers\n"
    "GET /route, GET /v1/models, GET /status and POST /report.\n"
    "\n"
    "  --db PATH               the catalog (default $AFMTS_DB, else the XDG state dir)\n"
    "  --need LIST             features every candidate has: tools,vision,json_mode,...\n"
    "  --min-context N         at least N tokens of context\n"
    "  --prompt-tokens N       the prompt's size, for --max-price (default: --min-context)\n"
    "  --modality LIST         input modalities (image, audio ...); out:M for outputs\n"
    "  --family NAME           only this model family (llama, qwen, gemma ...)\n"
    "  --model ID              only this catalog model (is it usable now?)\n"
    "  --provider LIST         only these providers\n"
    "  --exclude-provider LIST never these providers\n"
    "  --max-price USD         allow paid models up to USD per million tokens\n"
    "                          (input and output each, at the price tier the prompt\n"
    "                          reaches); default: free models only\n"
    "  --strategy NAME         free-first (default), cheapest, fastest, least-used,\n"
    "                          round-robin, random\n"
    "  --count N               at most N candidates (default 1)\n"
    "  --all                   also models that cannot take a request now, marked\n"
    "  --format FMT            jsonl (default), json, tsv, env (shell assignments)\n"
    "  --seed N                the random strategy's seed, for repeatable draws\n"
    "  --report MODEL          record an outcome of a request to MODEL:\n"
    "    --status CODE         its HTTP status (0: no response), required\n"
    "    --provider NAME       MODEL's provider, when several offer it\n"
    "    --latency MS          milliseconds it took\n"
    "    --tokens IN,OUT       prompt and completion tokens\n"
    "    --retry-after S       the Retry-After it carried\n"
    "    --header 'N: V'       an x-ratelimit-* header it carried (repeatable)\n"
    "    --request-id ID, --client NAME, --error TEXT\n"
    "  --state                 catalog age, providers and breakers, as JSON\n"
    "  --refresh               rebuild the route snapshot (CATALOG.route) now\n"
    "  -h, --help              this help\n"
    "      --version           print the version\n"
    "\n"
    "AFMTS_NOW (RFC 3339 or epoch seconds) replaces the clock, for tests;\n"
    "AFMTS_ROUTE_SNAPSHOT=off decides from the catalog alone, =only from the\n"
    "route snapshot alone (exit 4 when it cannot answer), for tests.\n"
    "Exit status: 0 candidates printed or outcome recorded, 1 no model fits,\n"
    "2 usage, 3 catalog missing or busy, 4 catalog error.\n";

enum {
	OPT_NEED = 0x200, OPT_MIN_CONTEXT, OPT_PROMPT_TOKENS, OPT_MODALITY, OPT_FAMILY, OPT_MODEL, OPT_PROVIDER, OPT_EXCLUDE,
	OPT_MAX_PRICE, OPT_STRATEGY, OPT_COUNT, OPT_ALL, OPT_FORMAT, OPT_SEED, OPT_DB,
	OPT_REPORT, OPT_STATUS, OPT_LATENCY, OPT_TOKENS, OPT_RETRY_AFTER, OPT_HEADER,
	OPT_REQUEST_ID, OPT_CLIENT, OPT_ERROR, OPT_STATE, OPT_REFRESH
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "db", required_argument, NULL, OPT_DB },
	{ "need", required_argument, NULL, OPT_NEED },
	{ "min-context", required_argument, NULL, OPT_MIN_CONTEXT },
	{ "prompt-tokens", required_argument, NULL, OPT_PROMPT_TOKENS },
	{ "modality", required_argument, NULL, OPT_MODALITY },
	{ "family", required_argument, NULL, OPT_FAMILY },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "exclude-provider", required_argument, NULL, OPT_EXCLUDE },
	{ "max-price", required_argument, NULL, OPT_MAX_PRICE },
	{ "strategy", required_argument, NULL, OPT_STRATEGY },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "tokens", required_argument, NULL, OPT_TOKENS },
	{ "retry-after", required_argument, NULL, OPT_RETRY_AFTER },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "request-id", required_argument, NULL, OPT_REQUEST_ID },
	{ "client", required_argument, NULL, OPT_CLIENT },
	{ "error", required_argument, NULL, OPT_ERROR },
	{ "state", no_argument, NULL, OPT_STATE },
	{ "refresh", no_argument, NULL, OPT_REFRESH },
	{ NULL, 0, NULL, 0 }
};

/* The option spelling of each query parameter and outcome field. */
static const char *const route_names[] = {
	[OPT_NEED - OPT_NEED] = "need", [OPT_MIN_CONTEXT - OPT_NEED] = "min_context",
	[OPT_PROMPT_TOKENS - OPT_NEED] = "prompt_tokens",
	[OPT_MODALITY - OPT_NEED] = "modality", [OPT_FAMILY - OPT_NEED] = "family",
	[OPT_MODEL - OPT_NEED] = "model",
	[OPT_PROVIDER - OPT_NEED] = "provider", [OPT_EXCLUDE - OPT_NEED] = "exclude_provider",
	[OPT_MAX_PRICE - OPT_NEED] = "max_price", [OPT_STRATEGY - OPT_NEED] = "strategy",
	[OPT_COUNT - OPT_NEED] = "count", [OPT_SEED - OPT_NEED] = "seed",
};

static const char *const outcome_names[] = {
	[OPT_STATUS - OPT_STATUS] = "status", [OPT_LATENCY - OPT_STATUS] = "latency_ms",
	[OPT_TOKENS - OPT_STATUS] = "tokens", [OPT_RETRY_AFTER - OPT_STATUS] = "retry_after",
	[OPT_REQUEST_ID - OPT_STATUS] = "request_id", [OPT_CLIENT - OPT_STATUS] = "client",
	[OPT_ERROR - OPT_STATUS] = "error",
};

int
main(int argc, char **argv)
{
	struct route_query q;
	struct outcome o;
	const char *db_opt = NULL, *why, *report_model = NULL, *provider = NULL;
	enum routeout_format format = ROUTEOUT_JSONL;
	int c, f, li = 0, state = 0, refresh = 0, outcome_opts = 0, route_opts = 0, rc, fcgi;
	char *path;
	time_t now;

	err_setprog("afmts-route");
	/* One thread, and no allocation statistics: SQLite's mutexes and its
	 * memory accounting are a tenth of a decision. */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((now = utctime_now()) == (time_t)-1) {
		err_warn("AFMTS_NOW: not a time (RFC 3339 or seconds since the epoch)");
		return CLI_USAGE;
	}
	if ((fcgi = fastcgi_listening()) || getenv("GATEWAY_INTERFACE") != NULL) {
		path = paths_db(NULL);
		rc = fcgi ? routecgi_fastcgi(path) : routecgi_main(path);
		free(path);
		return rc;
	}
	cli_start("afmts-route", synopsis, options);
	route_query_init(&q, now);
	outcome_init(&o, now);
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		cli_common(c);
		why = NULL;
		if (c == OPT_DB) {
			db_opt = optarg;
		} else if (c == OPT_PROVIDER) {
			provider = optarg;	/* a constraint, or the reported model's provider */
		} else if (c >= OPT_NEED && c <= OPT_SEED && c != OPT_ALL && c != OPT_FORMAT) {
			route_opts++;
			why = route_param(&q, route_names[c - OPT_NEED], optarg);
		} else if (c == OPT_ALL) {
			route_opts++;
			q.all = 1;
		} else if (c == OPT_FORMAT) {
			if ((f = routeout_format_named(optarg)) == -1)
				cli_usage_error("--format: one of jsonl, json, tsv, env");
			format = (enum routeout_format)f;
		} else if (c == OPT_REPORT) {
			report_model = optarg;
			why = outcome_param(&o, "model", optarg);
		} else if (c == OPT_HEADER) {
			outcome_opts++;
			why = outcome_header(&o, optarg);
		} else if (c >= OPT_STATUS && c <= OPT_ERROR) {
			outcome_opts++;
			why = outcome_param(&o, outcome_names[c - OPT_STATUS], optarg);
		} else if (c == OPT_STATE) {
			state = 1;
		} else if (c == OPT_REFRESH) {
			refresh = 1;
		}
		if (why != NULL)
			cli_usage_error("--%s %s: %s", longopts[li].name, optarg, why);
	}
	if (optind < argc)
		cli_usage_error("unexpected argument: %s", argv[optind]);
	if (report_model == NULL && outcome_opts > 0)
		cli_usage_error("--status, --latency, --tokens ... go with --report MODEL");
	if (report_model != NULL && (route_opts > 0 || state))
		cli_usage_error("--report records an outcome: no route options with it");
	if (state && route_opts > 0)
		cli_usage_error("--state takes no route options");
	if (refresh && (route_opts > 0 || state || report_model != NULL))
		cli_usage_error("--refresh takes no other option but --db");
	if (report_model != NULL && !o.u.has_status)
		cli_usage_error("--report needs --status CODE");
	if ((path = paths_catalog(db_opt)) == NULL)
		return CLI_USAGE;
	if (report_model != NULL) {
		if (provider != NULL && (why = outcome_param(&o, "provider", provider)) != NULL)
			cli_usage_error("--provider %s: %s", provider, why);
		rc = routecli_report(path, &o);
	} else {
		if (provider != NULL && (why = route_param(&q, "provider", provider)) != NULL)
			cli_usage_error("--provider %s: %s", provider, why);
		rc = state || refresh ? routecli_catalog(path, q.now, state) :
		    routecli_choose(path, &q, format);
	}
	free(path);
	return rc;
}
