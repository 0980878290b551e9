/*
 * afmts-gateway: an OpenAI-compatible endpoint that forwards each chat
 * completion to the best free model that works now, falling back to the next
 * one on 429, 5xx, timeouts and dead connections (lib/web/gateway.c,
 * lib/web/fallback.c).  It runs under a web server, as CGI or as a persistent
 * FastCGI process; run by hand, it hashes a client key.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "cli.h"
#include "clientkeys.h"
#include "err.h"
#include "fastcgi.h"
#include "forward.h"
#include "gateway.h"
#include "paths.h"
#include "sha256.h"

static const char synopsis[] = "(run by a web server: CGI or FastCGI)\n"
    "       afmts-gateway --hash-key NAME [REQUESTS-A-DAY] < KEY";

static const char options[] =
    "Answer POST /v1/chat/completions, OpenAI style, with the best free model of\n"
    "the catalog that works now, falling back to the next on failure; answer\n"
    "/route, /v1/models, /status and /report as afmts-route does.\n"
    "\n"
    "  --hash-key NAME [N]  print a client key file line for the key on stdin\n"
    "                       (N: its requests a UTC day)\n"
    "  -h, --help           this help\n"
    "      --version        print the version\n"
    "\n"
    "Environment: AFMTS_DB (the catalog), AFMTS_GATEWAY_KEYS (client key file;\n"
    "unset: no client authentication), AFMTS_GATEWAY_ATTEMPTS (models tried,\n"
    "1 to 8, default 4), AFMTS_GATEWAY_TIMEOUT_MS (the whole request's time,\n"
    "default 120000), AFMTS_GATEWAY_MAX_BODY (request bytes, default 4 MiB),\n"
    "AFMTS_GATEWAY_MAX_REQUESTS (FastCGI: requests a process answers, default\n"
    "10000, 0: no limit), AFMTS_GATEWAY_WORKERS (FastCGI: requests answered at\n"
    "once, 1 to 256, default 1), AFMTS_FASTCGI_TIMEOUT (seconds a request may take to\n"
    "arrive, default 10), AFMTS_GATEWAY_WEBHOOK, AFMTS_GATEWAY_WEBHOOK_FILE (where\n"
    "a breaker that opens is posted, one a provider an hour) and\n"
    "AFMTS_GATEWAY_WEBHOOK_TIMEOUT (seconds, default 10), and the providers' key\n"
    "variables named in the catalog.\n";

/* --hash-key NAME [N]: a key file line for the key on standard input. */
static int
hash_key(const char *name, int argc, char **argv)
{
	char key[1024], hex[SHA256_HEX_LEN], *end;
	long rpd = -1;
	size_t n;

	if (!clientkeys_name_ok(name))
		cli_usage_error("--hash-key %s: a name is 1 to 63 of A-Z a-z 0-9 _ . -", name);
	if (argc > 1)
		cli_usage_error("%s: unexpected argument", argv[1]);
	if (argc == 1 && ((rpd = strtol(argv[0], &end, 10)) < 0 || *end != '\0' || end == argv[0]))
		cli_usage_error("%s: not a number of requests a day", argv[0]);
	if (fgets(key, sizeof key, stdin) == NULL)
		cli_usage_error("--hash-key: no key on standard input");
	n = strcspn(key, "\r\n");
	key[n] = '\0';
	if (n < 16)
		cli_usage_error("--hash-key: a key of at least 16 characters, please");
	sha256_hex(key, n, hex);
	memset(key, 0, sizeof key);
	if (rpd >= 0)
		printf("%s %s %ld\n", name, hex, rpd);
	else
		printf("%s %s\n", name, hex);
	return fflush(stdout) == EOF ? CLI_FAILED : CLI_OK;
}

static void
on_term(int sig)
{
	(void)sig;
	forward_cancel();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS, { "hash-key", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 }
	};
	struct gateway g;
	long max_requests;
	char *db_path;
	int c, rc, fcgi, workers;

	err_setprog("afmts-gateway");
	cli_start("afmts-gateway", synopsis, options);
	fcgi = fastcgi_listening();
	if (!fcgi && getenv("GATEWAY_INTERFACE") == NULL) {
		const char *name = NULL;

		while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
			if (c == 'k')
				name = optarg;
			else
				cli_common(c);
		if (name == NULL)
			cli_usage_error("run me under a web server, as CGI or FastCGI (see afmts-gateway(1))");
		return hash_key(name, argc - optind, argv + optind);
	}
	if (forward_init() == -1)
		return CLI_FAILED;
	/*
	 * A client gone is a failed write, not a killed process; under CGI the
	 * server's SIGTERM ends the transfer too, and either is recorded (499).
	 */
	signal(SIGPIPE, SIG_IGN);
	if (!fcgi)
		signal(SIGTERM, on_term);
	db_path = paths_db(NULL);
	gateway_init(&g, db_path, fcgi);
	if (fcgi) {
		/*
		 * libjq 1.6 leaks a few bytes per malformed JSON: after max_requests
		 * a worker process exits cleanly and a fresh one takes over.
		 */
		max_requests = cli_env_number("AFMTS_GATEWAY_MAX_REQUESTS", 0, 1000000000L, 10000);
		/* One process a stream: so many workers, so many streams at once. */
		workers = (int)cli_env_number("AFMTS_GATEWAY_WORKERS", 1, FASTCGI_MAX_WORKERS, 1);
		rc = fastcgi_serve(cgi_variables, g.max_body, max_requests, workers, gateway_serve,
		    &g);
	} else {
		gateway_serve(&g, stdin, stdout);
		rc = fflush(stdout) == EOF;
	}
	gateway_free(&g);
	free(db_path);
	return rc;
}
