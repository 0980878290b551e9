/*
 * afmts-gateway: an OpenAI-compatible endpoint that forwards each chat
 * completion to the best free model that works now, falling back to the next
 * one on 429, 5xx, timeouts and dead connections, and records every attempt
 * so that routing and reports see it at once.  It runs under a web server, as
 * CGI or as a persistent FastCGI process; every other path is answered as
 * afmts-route's CGI interface answers it.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "chatreq.h"
#include "clientkeys.h"
#include "cli.h"
#include "decide.h"
#include "err.h"
#include "fastcgi.h"
#include "forward.h"
#include "http.h"
#include "jsonw.h"
#include "paths.h"
#include "route.h"
#include "routecgi.h"
#include "usagesum.h"
#include "utctime.h"

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
    "10000, 0: no limit), AFMTS_FASTCGI_TIMEOUT (seconds a request may take to\n"
    "arrive, default 10), and the providers' key variables named in the catalog.\n";

#define MAX_ATTEMPTS	8

struct gateway {
	char		*db_path;
	int		 attempts;
	long		 timeout_ms;
	size_t		 max_body;
	struct decider	 d;		/* FastCGI: the catalog stays open between requests */
	const char	*keys_path;	/* AFMTS_GATEWAY_KEYS, or NULL: no client keys */
	struct clientkeys keys;
	int		 keys_loaded;
};

struct cand {
	char		*provider, *model, *base_url, *key_env;
};

struct cands {
	struct cand	 c[MAX_ATTEMPTS];
	int		 n, max;
};

/* --- the answer's head --------------------------------------------------- */

/* A header value: control characters (and so line breaks) become '?'. */
static void
header_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

struct served {
	FILE		*out;
	const struct cand *c;
	int		 attempt;
};

/* The answer's head; extra, when not NULL, is one more header line. */
static void
head(FILE *out, int status, const char *type, const struct cand *c, int attempts,
    const char *extra)
{
	fprintf(out, "Status: %d %s\r\nContent-Type: ", status, routecgi_reason(status));
	header_text(out, type);
	fputs("\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n", out);
	if (c != NULL) {
		fputs("X-Afmts-Provider: ", out);
		header_text(out, c->provider);
		fputs("\r\nX-Afmts-Model: ", out);
		header_text(out, c->model);
		fputs("\r\n", out);
	}
	if (attempts > 0)
		fprintf(out, "X-Afmts-Attempts: %d\r\n", attempts);
	if (strncmp(type, "text/event-stream", 17) == 0)
		fputs("X-Accel-Buffering: no\r\n", out);
	if (extra != NULL)
		fprintf(out, "%s\r\n", extra);
	fputs("\r\n", out);
}

/* The head of a streamed answer, written when the first byte arrives. */
static void
commit_stream(void *arg, const char *content_type)
{
	struct served *s = arg;

	head(s->out, 200, content_type, s->c, s->attempt, NULL);
	fflush(s->out);
}

/* An OpenAI-style error answer; extra, when not NULL, is one more header line. */
static void
fail(FILE *out, int status, const char *type, const char *msg, int attempts, const char *extra)
{
	head(out, status, "application/json", NULL, attempts, extra);
	fputs("{\"error\":{\"message\":", out);
	jsonw_str(out, msg);
	jsonw_key(out, "type", 0);
	jsonw_str(out, type);
	fputs("}}\n", out);
}

/*
 * A provider's refusal passed back (400, 422 ...): always JSON in OpenAI's
 * error shape, with the provider's message and type when it gave them (the
 * key masked by forward_run), never its body or Content-Type as they came.
 */
static void
refused(FILE *out, const struct attempt *a, const struct cand *c, int attempts)
{
	char msg[600];
	int status = a->status >= 400 && a->status <= 599 ? (int)a->status : 502;

	if (a->message[0] != '\0')
		snprintf(msg, sizeof msg, "%s", a->message);
	else
		snprintf(msg, sizeof msg, "%s", a->error);
	head(out, status, "application/json", c, attempts, NULL);
	fputs("{\"error\":{\"message\":", out);
	jsonw_str(out, msg);
	jsonw_key(out, "type", 0);
	jsonw_str(out, a->etype[0] != '\0' ? a->etype : "upstream_error");
	jsonw_key(out, "code", 0);
	fprintf(out, "%d}}\n", status);
}

/* --- candidates -------------------------------------------------------- */

static int
keep_candidate(const struct candidate *c, void *arg)
{
	struct cands *cs = arg;
	struct cand *k;

	if (cs->n == cs->max || !c->usable)
		return cs->n == cs->max;
	for (int i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].provider, c->provider) == 0 && strcmp(cs->c[i].model, c->model) == 0)
			return 0;
	k = &cs->c[cs->n];
	k->provider = strdup(c->provider);
	k->model = strdup(c->model);
	k->base_url = strdup(c->base_url);
	k->key_env = strdup(c->key_env);
	if (k->provider == NULL || k->model == NULL || k->base_url == NULL || k->key_env == NULL) {
		free(k->provider), free(k->model), free(k->base_url), free(k->key_env);
		return 1;
	}
	cs->n++;
	return cs->n == cs->max;
}

static void
cands_free(struct cands *cs)
{
	for (int i = 0; i < cs->n; i++) {
		free(cs->c[i].provider);
		free(cs->c[i].model);
		free(cs->c[i].base_url);
		free(cs->c[i].key_env);
	}
	cs->n = 0;
}

/*
 * The models to try, best first: the policy's ranking, or the explicit
 * fallback order (the pinned model first).  0, or -1 after reporting.
 */
static int
choose(struct decider *d, struct chatreq *r, struct cands *cs, char *why, size_t n)
{
	int rv = 0;

	if (r->nfallback == 0) {
		r->q.count = cs->max;
		r->q.all = 0;
		rv = decide(d, &r->q, keep_candidate, cs, why, n) < 0 ? -1 : 0;
	} else {
		const char *pinned = r->q.model;

		for (int i = -1; i < r->nfallback && cs->n < cs->max && rv == 0; i++) {
			const char *id = i < 0 ? pinned : r->fallback[i];

			if (id == NULL)
				continue;
			r->q.model = id;
			r->q.count = 1;
			r->q.all = 0;
			rv = decide(d, &r->q, keep_candidate, cs, why, n) < 0 ? -1 : 0;
		}
		r->q.model = pinned;
	}
	if (rv == 0 && cs->n == 0 && why[0] == '\0')
		snprintf(why, n, "none of the models asked for can take a request now");
	return rv;
}

/* --- attempts ------------------------------------------------------------- */

static void
record(struct decider *d, const struct cand *c, const struct attempt *a, const char *client)
{
	struct outcome o;
	char buf[32], msg[160];

	outcome_init(&o, utctime_now());
	outcome_param(&o, "provider", c->provider);
	outcome_param(&o, "model", c->model);
	snprintf(buf, sizeof buf, "%ld", a->committed ? 200L : a->status);
	outcome_param(&o, "status", buf);
	snprintf(buf, sizeof buf, "%ld", a->latency_ms);
	outcome_param(&o, "latency_ms", buf);
	if (a->has_usage) {
		snprintf(buf, sizeof buf, "%lld,%lld", a->prompt_tokens, a->completion_tokens);
		outcome_param(&o, "tokens", buf);
	}
	if (a->retry_after >= 0) {
		snprintf(buf, sizeof buf, "%ld", a->retry_after);
		outcome_param(&o, "retry_after", buf);
	}
	if (a->error[0] != '\0')
		outcome_param(&o, "error", a->error);
	outcome_param(&o, "client", client ? client : "afmts-gateway");
	for (int i = 0; i < a->nheader; i++)
		outcome_header(&o, a->header[i]);
	if (a->has_cost) {
		o.u.has_cost = 1;
		o.u.cost = a->cost;
	}
	if (decide_record(d, &o, msg, sizeof msg) != OUTCOME_OK)
		err_warn("%s/%s: outcome not recorded: %s", c->provider, c->model, msg);
}

/* Statuses worth another model: the provider's trouble, not the request's. */
static int
worth_retrying(long status)
{
	return status == 0 || status == 401 || status == 402 || status == 403 || status == 404 ||
	    status == 408 || status == 409 || status == 429 || status >= 500;
}

static void
forward_all(struct gateway *g, struct chatreq *r, struct cands *cs,
    const char *client, FILE *out)
{
	char summary[512] = "", url[2048];
	long long deadline = http_clock_ms() + g->timeout_ms;
	size_t used = 0;
	int i;

	for (i = 0; i < cs->n; i++) {
		const struct cand *c = &cs->c[i];
		struct served s = { .out = out, .c = c, .attempt = i + 1 };
		struct attempt *a = calloc(1, sizeof *a);
		long left = (long)(deadline - http_clock_ms());
		size_t blen = strlen(c->base_url);
		char *body;
		int ok;

		if (a == NULL || left < 100) {
			free(a);
			break;
		}
		while (blen > 0 && c->base_url[blen - 1] == '/')
			blen--;
		snprintf(url, sizeof url, "%.*s/%s", (int)blen, c->base_url,
		    r->completion ? "completions" : "chat/completions");
		if ((body = chatreq_body_for(r, c->model)) == NULL) {
			free(a);
			break;
		}
		a->url = url;
		a->key = c->key_env[0] ? getenv(c->key_env) : NULL;
		a->body = body;
		a->stream = r->stream;
		a->timeout_ms = left;
		a->client = out;
		a->commit = commit_stream;
		a->commit_arg = &s;
		ok = forward_run(a) == 0;
		record(&g->d, c, a, client);
		free(body);
		if (ok || a->committed || !worth_retrying(a->status)) {
			if (ok && !a->committed) {
				/* A completion: JSON (forward_run parsed it), the key masked. */
				head(out, 200, "application/json", c, i + 1, NULL);
				if (a->answer != NULL)
					fwrite(a->answer, 1, a->nanswer, out);
			} else if (!a->committed) {
				refused(out, a, c, i + 1);
			}
			forward_done(a);
			free(a);
			return;
		}
		used += (size_t)snprintf(summary + used, used < sizeof summary ? sizeof summary - used : 0,
		    "%s%.60s/%.80s: %.100s", i ? "; " : "", c->provider, c->model, a->error);
		if (used >= sizeof summary)
			used = sizeof summary - 1;
		forward_done(a);
		free(a);
	}
	fail(out, i < cs->n ? 504 : 502, "upstream_error", summary[0] ? summary :
	    "no attempt could be made in the time allowed", i, NULL);
}

/* --- a request ---------------------------------------------------------- */

/* Read the request body (CONTENT_LENGTH bytes, at most max); a status or 0. */
static int
read_body(FILE *in, size_t max, char **body, size_t *len)
{
	const char *cl = getenv("CONTENT_LENGTH"), *ct = getenv("CONTENT_TYPE");
	unsigned long n;
	char *end;

	if (ct == NULL || strncmp(ct, "application/json", 16) != 0)
		return 415;
	if (cl == NULL || *cl == '\0')
		return 411;
	n = strtoul(cl, &end, 10);
	if (*end != '\0' || *cl == '-')
		return 400;
	if (n > max)
		return 413;
	if ((*body = malloc(n + 1)) == NULL)
		return 503;
	*len = fread(*body, 1, n, in);
	(*body)[*len] = '\0';
	return *len == n ? 0 : 400;
}

/* The client keys, read again when the file changes.  0, or -1 (reported). */
static int
keys_current(struct gateway *g)
{
	struct stat st;

	if (g->keys_loaded && stat(g->keys_path, &st) == 0 && st.st_mtime == g->keys.mtime)
		return 0;
	clientkeys_free(&g->keys);
	g->keys_loaded = clientkeys_load(&g->keys, g->keys_path) == 0;
	return g->keys_loaded ? 0 : -1;
}

/*
 * Who is asking, when client keys are on: *client is its name (NULL when keys
 * are off).  With budget, its requests of today are counted too (from the catalog).
 * 0, or -1 after answering 401, 429 or 503.
 */
static int
authenticate(struct gateway *g, FILE *out, const char **client, int budget)
{
	const char *auth = getenv("HTTP_AUTHORIZATION");
	const struct clientkey *k;
	sqlite3 *db;
	char retry[64];
	long used;
	time_t now;

	*client = NULL;
	if (g->keys_path == NULL)
		return 0;
	if (keys_current(g) == -1) {
		fail(out, 503, "unavailable", "the client key file cannot be read", 0, NULL);
		return -1;
	}
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    (k = clientkeys_find(&g->keys, auth + 7)) == NULL) {
		fail(out, 401, "authentication_error", "a valid client key is required "
		    "(Authorization: Bearer KEY)", 0, "WWW-Authenticate: Bearer realm=\"afmts\"");
		return -1;
	}
	*client = k->name;
	if (!budget || k->rpd < 0)
		return 0;
	if (decider_catalog(&g->d, &db) < 0 || (used = usagesum_client_today(db, k->name, utctime_now())) < 0) {
		fail(out, 503, "unavailable", "the catalog cannot be read", 0, NULL);
		return -1;
	}
	if (used >= k->rpd) {
		now = utctime_now();
		snprintf(retry, sizeof retry, "Retry-After: %ld", (long)(86400 - now % 86400));
		fail(out, 429, "rate_limit_exceeded", "this client key's requests for today "
		    "are used up", 0, retry);
		return -1;
	}
	return 0;
}

static void
chat(struct gateway *g, FILE *in, FILE *out, int completion)
{
	struct cands cs = { .max = g->attempts };
	struct chatreq r;
	char *body = NULL, why[512] = "";
	const char *bad, *client = NULL;
	size_t len = 0;
	sqlite3 *db;
	int status, code;

	if ((code = decider_catalog(&g->d, &db)) < 0) {
		fail(out, 503, "unavailable", code == DECIDE_MISSING ?
		    "no catalog yet: run afmts-discover" : "the catalog cannot be read", 0, NULL);
		return;
	}
	if (authenticate(g, out, &client, 1) == -1)
		goto out;
	if ((status = read_body(in, g->max_body, &body, &len)) != 0) {
		fail(out, status, "invalid_request_error", status == 415 ?
		    "send application/json" : status == 411 ? "a Content-Length is required" :
		    status == 413 ? "the body is too large" : "the body could not be read", 0, NULL);
		free(body);
		goto out;
	}
	bad = chatreq_parse(&r, body, len, utctime_now(), completion);
	free(body);
	if (bad != NULL) {
		fail(out, 400, "invalid_request_error", bad, 0, NULL);
		goto out;
	}
	if (choose(&g->d, &r, &cs, why, sizeof why) == -1) {
		fail(out, 503, "unavailable", "the catalog cannot be read", 0, NULL);
	} else if (cs.n == 0) {
		char msg[600];

		snprintf(msg, sizeof msg, "no model fits: %s", why);
		fail(out, 503, "no_model_available", msg, 0, NULL);
	} else {
		forward_all(g, &r, &cs, client, out);
	}
	cands_free(&cs);
	chatreq_free(&r);
out:
	decider_done(&g->d);
}

static void
serve(void *arg, FILE *in, FILE *out)
{
	struct gateway *g = arg;
	const char *method = getenv("REQUEST_METHOD"), *path = getenv("PATH_INFO");
	const char *client = NULL;

	if (path != NULL && (strcmp(path, "/v1/chat/completions") == 0 ||
	    strcmp(path, "/v1/completions") == 0)) {
		if (method != NULL && strcmp(method, "POST") == 0)
			chat(g, in, out, strcmp(path, "/v1/completions") == 0);
		else
			fail(out, 405, "invalid_request_error", "use POST", 0, NULL);
		fflush(out);
		return;
	}
	/*
	 * Client keys guard every path: /report can bench a model or spend a
	 * client's budget, /status and /route show base URLs, key variable names
	 * and providers' errors.  Only chat completions count against the budget.
	 */
	if (authenticate(g, out, &client, 0) == -1) {
		decider_done(&g->d);
		fflush(out);
		return;
	}
	routecgi_answer(&g->d, in, out, client);
}

static long
env_number(const char *name, long min, long max, long dflt)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max) {
		err_warn("%s=%s: not a number from %ld to %ld; using %ld", name, s, min, max, dflt);
		return dflt;
	}
	return v;
}

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
	return fflush(stdout) == EOF ? 4 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS, { "hash-key", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 }
	};
	static const char *const names[] = {
		"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE",
		"HTTP_AUTHORIZATION", NULL
	};
	struct gateway g = { 0 };
	long max_requests;
	int c, rc, fcgi;

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
	g.db_path = paths_db(NULL);
	g.attempts = (int)env_number("AFMTS_GATEWAY_ATTEMPTS", 1, MAX_ATTEMPTS, 4);
	g.timeout_ms = env_number("AFMTS_GATEWAY_TIMEOUT_MS", 1000, 3600000, 120000);
	g.max_body = (size_t)env_number("AFMTS_GATEWAY_MAX_BODY", 1024, 64L << 20, 4L << 20);
	if (forward_init() == -1) {
		free(g.db_path);
		return 4;
	}
	decider_init(&g.d, g.db_path, 1, fcgi);
	g.keys_path = getenv("AFMTS_GATEWAY_KEYS");
	if (g.keys_path != NULL && *g.keys_path == '\0')
		g.keys_path = NULL;
	if (fcgi) {
		/*
		 * libjq 1.6 leaks a few bytes per malformed JSON: after max_requests
		 * a worker process exits cleanly and a fresh one takes over.
		 */
		max_requests = env_number("AFMTS_GATEWAY_MAX_REQUESTS", 0, 1000000000L, 10000);
		rc = fastcgi_serve(names, g.max_body, max_requests, serve, &g);
	} else {
		serve(&g, stdin, stdout);
		rc = fflush(stdout) == EOF;
	}
	decider_close(&g.d);
	clientkeys_free(&g.keys);
	free(g.db_path);
	return rc;
}
