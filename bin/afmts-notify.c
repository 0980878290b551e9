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

#define MAX_HOOKS 16

struct hooks {
	char	*url[MAX_HOOKS];
	int	 n;
};

static void
hook_add(struct hooks *h, const char *url, size_t len)
{
	if ((len < 7 || strncmp(url, "http://", 7) != 0) && (len < 8 || strncmp(url, "https://", 8) != 0))
		cli_usage_error("--webhook: an http:// or https:// URL is needed");
	if (h->n == MAX_HOOKS)
		cli_usage_error("at most %d webhooks", MAX_HOOKS);
	if ((h->url[h->n++] = strndup(url, len)) == NULL)
		exit(CLI_FAILED);
}

static void
hook_file(struct hooks *h, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		cli_usage_error("--webhook-file %s: cannot be read", path);
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (n > 0 && line[0] != '#')
			hook_add(h, line, (size_t)n);
	}
	free(line);
	fclose(f);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_LONGOPTS,
		{ "webhook", required_argument, NULL, 'w' }, { "webhook-file", required_argument, NULL, 'f' },
		{ "notify-on", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ "providers", required_argument, NULL, 'p' }, { "before", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 } };
	const char *providers = NULL, *before = NULL, *why;
	struct hooks h = { { NULL }, 0 };
	unsigned wanted = (1u << ALERT_NEVENTS) - 1;
	long timeout = 10;
	struct alert *a;
	int c, rc = CLI_OK;

	cli_start("afmts-notify", synopsis, options);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'w')
			hook_add(&h, optarg, strlen(optarg));
		else if (c == 'f')
			hook_file(&h, optarg);
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
	for (int i = 0; i < h.n; i++)
		free(h.url[i]);
	alert_free(a);
	free(a);
	curl_global_cleanup();
	return rc;
}
