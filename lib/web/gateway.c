/*
 * gateway: who is asking, then a chat request or the router's answer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgi.h"
#include "chatreq.h"
#include "cli.h"
#include "fallback.h"
#include "gateway.h"
#include "gwload.h"
#include "routecgi.h"
#include "usage.h"
#include "utctime.h"

void
gateway_init(struct gateway *g, const char *db_path, int persistent)
{
	memset(g, 0, sizeof *g);
	g->attempts = (int)cli_env_number("AFMTS_GATEWAY_ATTEMPTS", 1, FALLBACK_MAX_ATTEMPTS, 4);
	g->timeout_ms = cli_env_number("AFMTS_GATEWAY_TIMEOUT_MS", 1000, 3600000, 120000);
	g->max_body = (size_t)cli_env_number("AFMTS_GATEWAY_MAX_BODY", 1024, 64L << 20, 4L << 20);
	g->keys_path = getenv("AFMTS_GATEWAY_KEYS");
	if (g->keys_path != NULL && *g->keys_path == '\0')
		g->keys_path = NULL;
	decider_init(&g->d, db_path, 1, persistent);
	if (persistent && gwload_init() == 0)	/* GET /metrics: in-flight requests */
		metrics_set_load(gwload_figures);
}

void
gateway_free(struct gateway *g)
{
	decider_close(&g->d);
	clientkeys_free(&g->keys);
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

/* The key's requests of today are used up: 0, or -1 after answering 429 or 503. */
static int
within_budget(struct gateway *g, const struct clientkey *k, FILE *out)
{
	sqlite3 *db;
	char retry[32];
	long used;
	time_t now = utctime_now();

	if (k->rpd < 0)
		return 0;
	if (decider_catalog(&g->d, &db) < 0 || (used = usage_client_today(db, k->name, now)) < 0) {
		cgi_fail(out, 503, "catalog_unavailable", "the catalog cannot be read", NULL, NULL);
		return -1;
	}
	if (used < k->rpd)
		return 0;
	snprintf(retry, sizeof retry, "%ld", (long)(86400 - now % 86400));
	cgi_fail(out, 429, "rate_limit_exceeded", "this client key's requests for today are used up",
	    "Retry-After", retry);
	return -1;
}

/*
 * Who is asking, when client keys are on: *client is its name (NULL when keys
 * are off).  With budget, its requests of today are counted too.  0, or -1
 * after answering 401, 429 or 503.
 */
static int
authenticate(struct gateway *g, const struct cgi_request *req, FILE *out, const char **client,
    int budget)
{
	const struct clientkey *k;

	*client = NULL;
	if (g->keys_path == NULL)
		return 0;
	if (keys_current(g) == -1) {
		cgi_fail(out, 503, "catalog_unavailable", "the client key file cannot be read", NULL, NULL);
		return -1;
	}
	if (req->authorization == NULL || strncmp(req->authorization, "Bearer ", 7) != 0 ||
	    (k = clientkeys_find(&g->keys, req->authorization + 7)) == NULL) {
		cgi_fail(out, 401, "invalid_api_key", "a valid client key is required "
		    "(Authorization: Bearer KEY)", "WWW-Authenticate", "Bearer realm=\"afmts\"");
		return -1;
	}
	*client = k->name;
	return budget ? within_budget(g, k, out) : 0;
}

/*
 * No model was chosen for r: an unknown model is 404 and a requirement no
 * model meets 400 (OpenAI's answers, which SDKs do not retry); models that
 * fit but are all cooling down or out of budget are 429 with the wait, and
 * 503 with it when some are out for another reason (a refused key).
 */
static void
none_fits(struct gateway *g, struct chatreq *r, const char *why, FILE *out)
{
	char msg[600], retry[24];
	long wait = 0;

	switch (fallback_empty(&g->d, r, &wait)) {
	case FALLBACK_UNKNOWN:
		snprintf(msg, sizeof msg, "The model '%.400s' does not exist in any provider's "
		    "list", r->q.model != NULL ? r->q.model : r->fallback[0]);
		cgi_head(out, 404, "application/json");
		cgi_head_end(out);
		cgi_error_json(out, cgi_error_type(404), msg, "model", "model_not_found");
		break;
	case FALLBACK_NO_FIT:
		snprintf(msg, sizeof msg, "no model fits: %s", why);
		cgi_fail(out, 400, "no_model_fits", msg, NULL, NULL);
		break;
	case FALLBACK_BUSY:
		snprintf(msg, sizeof msg, "every model that fits is cooling down or out of its "
		    "budget: %s", why);
		snprintf(retry, sizeof retry, "%ld", wait);
		cgi_fail(out, 429, "rate_limit_exceeded", msg, "Retry-After", retry);
		break;
	case FALLBACK_DOWN:
		snprintf(msg, sizeof msg, "no model that fits can take a request now: %s", why);
		snprintf(retry, sizeof retry, "%ld", wait);
		cgi_fail(out, 503, "model_unavailable", msg, "Retry-After", retry);
		break;
	default:
		cgi_fail(out, 503, "catalog_unavailable", "the catalog cannot be read", NULL, NULL);
	}
}

/* A chat request of an authenticated client: parsed, then tried model by model. */
static void
chat(struct gateway *g, const struct cgi_request *req, const char *client, FILE *out)
{
	struct fallback fb = { .max = g->attempts };
	struct chatreq r;
	char *body = NULL, why[512] = "";
	const char *bad;
	size_t len = 0;
	int status;

	status = cgi_body(req, "application/json", 1, g->max_body, &body, &len, &bad);
	if (status != 0) {
		cgi_fail(out, status, NULL, bad, NULL, NULL);
		return;
	}
	bad = chatreq_parse(&r, body, len, utctime_now(), strcmp(req->path, "/v1/completions") == 0);
	free(body);
	if (bad != NULL) {
		cgi_fail(out, 400, NULL, bad, NULL, NULL);
		return;
	}
	if (fallback_choose(&fb, &g->d, &r, why, sizeof why) == -1) {
		cgi_fail(out, 503, "catalog_unavailable", "the catalog cannot be read", NULL, NULL);
	} else if (fb.n == 0) {
		none_fits(g, &r, why, out);
	} else {
		fallback_run(&fb, &g->d, &r, g->timeout_ms, client, out);
	}
	fallback_free(&fb);
	chatreq_free(&r);
}

/* POST /v1/chat/completions or /v1/completions. */
static void
completions(struct gateway *g, const struct cgi_request *req, FILE *out)
{
	const char *client;
	sqlite3 *db;
	int code;

	if (!cgi_method(req, "POST")) {
		cgi_fail(out, 405, "method_not_allowed", "use POST", "Allow", "POST");
		return;
	}
	if ((code = decider_catalog(&g->d, &db)) < 0) {
		cgi_fail(out, 503, "catalog_unavailable", code == DECIDE_MISSING ?
		    "no catalog yet: run afmts-discover" : "the catalog cannot be read", NULL, NULL);
		return;
	}
	if (authenticate(g, req, out, &client, 1) == 0)
		chat(g, req, client, out);
}

void
gateway_serve(void *arg, FILE *in, FILE *out)
{
	struct gateway *g = arg;
	struct cgi_request req;
	const char *client;

	gwload_begin();
	cgi_request(&req, in);
	if (strcmp(req.path, "/v1/chat/completions") == 0 ||
	    strcmp(req.path, "/v1/completions") == 0) {
		completions(g, &req, out);
		decider_done(&g->d);
	} else if (authenticate(g, &req, out, &client, 0) == -1) {
		/*
		 * Client keys guard every path: /report can bench a model or spend a
		 * client's budget, /status and /route show base URLs, key variable
		 * names and providers' errors.  Only chat requests count against a budget.
		 */
		decider_done(&g->d);
	} else {
		routecgi_answer(&g->d, &req, out, client);
	}
	fflush(out);
	gwload_end();
}
