/*
 * afmts-notify: POST one JSON summary of a discovery run's changes to webhooks.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "alert.h"
#include "cli.h"
#include "err.h"

static const char synopsis[] =
    "--webhook URL... | --webhook-file FILE [--notify-on LIST] [--timeout S]\n"
    "       [--providers FILE] [--before FILE] < CHANGES";
static const char options[] =
    "Read a run's change lines (afmts-track's output) and POST one JSON summary,\n"
    "with a Slack-compatible \"text\", to each webhook, when it has any event.\n\n"
    "  --webhook URL        an http(s) URL to POST to (repeatable)\n"
    "  --webhook-file FILE  URLs, one a line (# comments)\n"
    "  --notify-on LIST     became_free,stopped_free,appeared,removed,\n"
    "                       provider_failed,provider_back (default: all)\n"
    "  --timeout S          the most one webhook may take, retries included (default 10)\n"
    "  --providers FILE     the run's provider lines (afmts-parse's)\n"
    "  --before FILE        afmts-route --state from before the run: which providers were failing\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_LONGOPTS,
		{ "webhook", required_argument, NULL, 'w' }, { "webhook-file", required_argument, NULL, 'f' },
		{ "notify-on", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ "providers", required_argument, NULL, 'p' }, { "before", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 } };
	const char *providers = NULL, *before = NULL, *why;
	struct alert_hooks h = { { NULL }, 0 };
	unsigned wanted = (1u << ALERT_NEVENTS) - 1;
	long timeout = 10;
	struct alert *a;
	int c, rc = CLI_OK;

	cli_start("afmts-notify", synopsis, options);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'w' && (why = alert_hook_add(&h, optarg, strlen(optarg))) != NULL)
			cli_usage_error("--webhook %s: %s", optarg, why);
		else if (c == 'f' && (why = alert_hook_file(&h, optarg)) != NULL)
			cli_usage_error("--webhook-file %s: %s", optarg, why);
		else if (c == 'n' && (why = alert_wanted(optarg, &wanted)) != NULL)
			cli_usage_error("--notify-on %s: %s", optarg, why);
		else if (c == 't' && cli_number("--timeout", optarg, 1, 600, &timeout) == -1)
			cli_usage();
		else if (c == 'p')
			providers = optarg;
		else if (c == 'b')
			before = optarg;
		else
			cli_common(c);
	}
	if (h.n == 0 || optind != argc)
		cli_usage_error(h.n == 0 ? "no webhook: give --webhook or --webhook-file" :
		    "no operands: the changes come on standard input");
	if ((a = malloc(sizeof *a)) == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return CLI_FAILED;
	alert_init(a, wanted);
	alert_read_changes(a, stdin);
	if (providers != NULL)
		alert_read_providers(a, providers, before);
	if (alert_total(a) > 0) {
		char *body = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&body, &len);

		alert_write(a, m);
		fclose(m);
		for (int i = 0; i < h.n; i++)
			if (alert_post(h.url[i], body, timeout * 1000) == -1)
				rc = CLI_PARTIAL;
		free(body);
	}
	alert_hooks_free(&h);
	alert_free(a);
	free(a);
	curl_global_cleanup();
	return rc;
}
