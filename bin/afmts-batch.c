/*
 * afmts-batch: many chat completion requests, as JSON lines, sent through
 * the gateway's decision and forwarding code within every model's budgets,
 * one result line each; resumable with a state file (lib/web/batch.c).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "batchwork.h"
#include "cli.h"
#include "err.h"
#include "forward.h"
#include "paths.h"

static const char synopsis[] = "[--parallel N] [--ordered] [--state FILE] [--retries N]\n"
    "       [--failed FILE] [--retry-failed] [--max-price USD] [--max-cost USD]\n"
    "       [--timeout MS] [--max-line BYTES] [--cache FILE] [--db PATH] [-o FILE] [-v]\n"
    "       [FILE]";

static const char options[] =
    "Send each chat completion request of FILE (or stdin), a JSON line (an\n"
    "OpenAI body, or an OpenAI Batch API line {custom_id, method, url, body}),\n"
    "to the best model that can take it within its budgets, and write one result\n"
    "line per request.\n"
    "\n"
    "  --parallel N      requests in flight at most (1 to 64, default 4)\n"
    "  --ordered         results in input order (default: as they finish)\n"
    "  --state FILE      record each request's status; a rerun sends only what is not done\n"
    "  --retries N       attempts after a failure worth retrying (default 2)\n"
    "  --failed FILE     append failed requests (dead letters) with the reasons\n"
    "  --retry-failed    send only the requests --state records as failed\n"
    "  --max-price USD   allow paid models up to USD per million tokens\n"
    "  --max-cost USD    stop before the paid total would pass USD\n"
    "  --timeout MS      one attempt's time (default 120000)\n"
    "  --max-line BYTES  longest input line (default 4194304)\n"
    "  --cache FILE      answer deterministic requests asked before from FILE (AFMTS_CACHE)\n"
    "  --db PATH         the catalog (default: AFMTS_DB, then the XDG state dir)\n"
    "  -o, --output FILE append the results to FILE (default: stdout)\n"
    "  -v, --verbose     a summary line on stderr at the end\n"
    "  -h, --help        this help\n"
    "      --version     print the version\n";

/* A number of USD from option opt, >= 0. */
static double
usd(const char *opt, const char *arg)
{
	char *end;
	double d = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(d >= 0) || d > 1e9)
		cli_usage_error("%s %s: not an amount of USD", opt, arg);
	return d;
}

static void
parse(int argc, char **argv, struct batch_opts *o, const char **db)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS, { "parallel", required_argument, NULL, 'p' },
		{ "ordered", no_argument, NULL, 'O' }, { "state", required_argument, NULL, 's' },
		{ "retries", required_argument, NULL, 'r' }, { "failed", required_argument, NULL, 'f' },
		{ "retry-failed", no_argument, NULL, 'R' }, { "max-price", required_argument, NULL, 'P' },
		{ "max-cost", required_argument, NULL, 'C' }, { "timeout", required_argument, NULL, 't' },
		{ "max-line", required_argument, NULL, 'L' }, { "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' }, { "verbose", no_argument, NULL, 'v' },
		{ "cache", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 }
	};
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "ho:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': if (cli_number("--parallel", optarg, 1, BATCHWORK_MAX, &n) == -1) cli_usage();
			o->parallel = (int)n; break;
		case 'r': if (cli_number("--retries", optarg, 0, 100, &n) == -1) cli_usage();
			o->retries = (int)n; break;
		case 't': if (cli_number("--timeout", optarg, 1000, 3600000, &o->timeout_ms) == -1)
				cli_usage();
			break;
		case 'L': if (cli_number("--max-line", optarg, 2, 64L << 20, &n) == -1) cli_usage();
			o->max_line = (size_t)n; break;
		case 'O': o->ordered = 1; break;
		case 's': o->state = optarg; break;
		case 'f': o->failed = optarg; break;
		case 'R': o->retry_failed = 1; break;
		case 'P': o->max_price = usd("--max-price", optarg); break;
		case 'C': o->max_cost = usd("--max-cost", optarg); break;
		case 'd': *db = optarg; break;
		/* The workers' attempts (fallback_run) read it, as the gateway's do. */
		case 'c': if (*optarg == '\0' || setenv("AFMTS_CACHE", optarg, 1) == -1)
				cli_usage_error("--cache: a file name is needed");
			break;
		case 'o': o->output = optarg; break;
		case 'v': o->verbose = 1; break;
		default: cli_common(c);
		}
	}
	if (o->retry_failed && o->state == NULL)
		cli_usage_error("--retry-failed needs --state (or give the dead letters as the input)");
	if (optind + 1 < argc)
		cli_usage_error("%s: one input file at most", argv[optind + 1]);
}

int
main(int argc, char **argv)
{
	struct batch_opts o = { .parallel = 4, .retries = 2, .timeout_ms = 120000,
	    .max_line = (size_t)4 << 20, .max_price = -1, .max_cost = -1, .input_name = "stdin" };
	const char *db = NULL;
	char *db_path;
	FILE *in = stdin;
	int rc;

	err_setprog("afmts-batch");
	cli_start("afmts-batch", synopsis, options);
	parse(argc, argv, &o, &db);
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		if ((in = fopen(argv[optind], "r")) == NULL) {
			err_warn("%s: cannot open it", argv[optind]);
			return CLI_FAILED;
		}
		o.input_name = argv[optind];
	}
	o.progress = isatty(2);
	signal(SIGPIPE, SIG_IGN);	/* a closed output is a failed write, reported */
	if (forward_init() == -1)
		return CLI_FAILED;
	if ((db_path = paths_catalog(db)) == NULL)
		return CLI_USAGE;
	o.catalog = db_path;
	rc = batch_run(&o, in);
	free(db_path);
	if (in != stdin)
		fclose(in);
	return rc;
}
