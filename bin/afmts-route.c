/*
 * afmts-route: the best free model for a request, from the shell or as a CGI
 * program (when GATEWAY_INTERFACE is set).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "fastcgi.h"
#include "paths.h"
#include "routecgi.h"
#include "routecli.h"
#include "utctime.h"

static const char synopsis[] =
    "[--db PATH] [--need LIST] [--min-context N] [--prompt-tokens N] [--modality LIST]\n"
    "       [--family NAME] [--model ID] [--provider LIST] [--exclude-provider LIST]\n"
    "       [--max-price USD] [--strategy NAME] [--count N] [--all] [--no-train]\n"
    "       [--wait MS] [--format json|jsonl|tsv|env]\n"
    "       afmts-route [--db PATH] --report MODEL --status CODE [--provider NAME]\n"
    "       [--latency MS] [--tokens IN,OUT] [--retry-after S] [--header 'NAME: VALUE']\n"
    "       afmts-route [--db PATH] --state | --refresh";

static const char options[] =
    "Print the catalog's best models for one request, best first, as candidate\n"
    "records; record a request's outcome (--report); or print the state routing\n"
    "decides from (--state).  Under a web server (GATEWAY_INTERFACE set) it answers\n"
    "GET /route, GET /v1/models, GET /status, GET /metrics and POST /report.\n"
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
    "  --no-train              never models whose provider trains on free prompts\n"
    "  --wait MS               when none can take it now, wait up to MS ms for one\n"
    "                          (busy local server, cooldown, budget); else print\n"
    "                          when one can (a \"wait\" record, exit 1)\n"
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

int
main(int argc, char **argv)
{
	struct routecli_cmd k;
	const struct option *longopts;
	const char *why;
	int c, li = 0, rc, fcgi;
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
	longopts = routecli_longopts();
	routecli_init(&k, now);
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1)
		if ((why = routecli_option(&k, c, longopts[li].name)) != NULL)
			cli_usage_error("--%s %s: %s", longopts[li].name, optarg, why);
	if (optind < argc)
		cli_usage_error("unexpected argument: %s", argv[optind]);
	routecli_check(&k);
	if (k.provider != NULL && (why = k.report != NULL ?
	    outcome_param(&k.o, "provider", k.provider) :
	    route_param(&k.q, "provider", k.provider)) != NULL)
		cli_usage_error("--provider %s: %s", k.provider, why);
	if ((path = paths_catalog(k.db)) == NULL)
		return CLI_USAGE;
	if (k.report != NULL)
		rc = routecli_report(path, &k.o);
	else if (k.state || k.refresh)
		rc = routecli_catalog(path, now, k.state);
	else
		rc = routecli_choose(path, &k.q, k.format, k.wait_ms);
	free(path);
	return rc;
}
