/*
 * gateway: who is asking, then a chat request or the router's answer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgi.h"
#include "chatreq.h"
#include "cli.h"
#include "fallback.h"
#include "fnv.h"
#include "fastcgi.h"
#include "forward.h"
#include "gateway.h"
#include "gwload.h"
#include "http.h"
#include "pool.h"
#include "routecgi.h"
#include "usage.h"
#include "utctime.h"

/* The catalog whose line of waiting requests GET /metrics counts. */
static const char *load_catalog;

/* The gateway's load: its workers busy (gwload.h), and the requests waiting in the line. */
static void
load_figures(struct metrics_load *load)
{
	gwload_figures(load);
	if (load->in_flight >= 0 && load_catalog != NULL)
		load->waiting = pool_line_length(load_catalog);
}

void
gateway_init(struct gateway *g, const char *db_path, int persistent)
{
	memset(g, 0, sizeof *g);
	g->attempts = (int)cli_env_number("AFMTS_GATEWAY_ATTEMPTS", 1, FALLBACK_MAX_ATTEMPTS, 4);
	g->timeout_ms = cli_env_number("AFMTS_GATEWAY_TIMEOUT_MS", 1000, 3600000, 120000);
	g->max_body = (size_t)cli_env_number("AFMTS_GATEWAY_MAX_BODY", 1024, 64L << 20, 4L << 20);
	g->buffer_ms = cli_env_number("AFMTS_GATEWAY_BUFFER_MS", 0, CHATREQ_MAX_WAIT_MS, 30000);
	g->max_waiting = (int)cli_env_number("AFMTS_GATEWAY_MAX_WAITING", 1, POOL_MAX_WAITERS, 64);
	g->keys_path = getenv("AFMTS_GATEWAY_KEYS");
	if (g->keys_path != NULL && *g->keys_path == '\0')
		g->keys_path = NULL;
	decider_init(&g->d, db_path, 1, persistent);
	gwalert_init(&g->alert, db_path);
	load_catalog = db_path;
	if (persistent && gwload_init() == 0)	/* GET /metrics: in-flight and waiting requests */
		metrics_set_load(load_figures);
}

void
gateway_free(struct gateway *g)
{
	decider_close(&g->d);
	clientkeys_free(&g->keys);
	gwalert_free(&g->alert);
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
 * No model was chosen for r, for reason kind (fallback_empty's; wait: the
 * seconds until one is usable again): an unknown model is 404 and a
 * requirement no model meets 400 (OpenAI's answers, which SDKs do not
 * retry); models that fit but are all busy, cooling down or out of budget are
 * 429 with the wait, and 503 with it when some are out for another reason (a
 * refused key, a local server that does not answer).
 */
static void
none_fits(struct chatreq *r, int kind, long wait, const char *why, FILE *out)
{
	char msg[600], retry[24];

	snprintf(retry, sizeof retry, "%ld", wait > 0 ? wait : 1);
	switch (kind) {
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
		snprintf(msg, sizeof msg, "every model that fits is busy, cooling down or out of its "
		    "budget%s%s", why[0] ? ": " : "", why);
		cgi_fail(out, 429, "rate_limit_exceeded", msg, "Retry-After", retry);
		break;
	case FALLBACK_DOWN:
		snprintf(msg, sizeof msg, "no model that fits can take a request now: %s", why);
		cgi_fail(out, 503, "model_unavailable", msg, "Retry-After", retry);
		break;
	default:
		cgi_fail(out, 503, "catalog_unavailable", "the catalog cannot be read", NULL, NULL);
	}
}

/*
 * A waiting request's client is still there: 1, or 0 when it went away
 * (FastCGI: the server closed or aborted the request; CGI: its SIGTERM).  A
 * stream's head goes out at once and a comment every second after (*said:
 * when last), whose writes fail once the client is gone: web servers notice
 * a client that left only when they write to it.
 */
static int
still_there(const struct chatreq *r, FILE *out, long long *said)
{
	long long now = http_clock_ms();

	if (r->stream && now - *said >= 1000) {
		cgi_commit_stream(out);
		fputs(": waiting for a model\n\n", out);
		if (fflush(out) == EOF || ferror(out))
			return 0;
		*said = now;
	}
	return !forward_cancelled() && !fastcgi_client_gone();
}

/*
 * One turn of r: choose and try (or, when none can take it now, answer from
 * the cache what one answered before), or say why none could be.  0 when answered,
 * else the fallback_empty reason none was chosen (*wait: seconds until one is
 * usable again), FALLBACK_BUSY with *wait 1 when the local servers chosen had
 * no slot left by the time of the attempt.
 */
static int
turn(struct gateway *g, struct chatreq *r, const char *client, char *why, size_t n, long *wait,
    FILE *out)
{
	struct fallback fb = { .max = g->attempts, .alert = &g->alert };
	struct cache_entry e;
	int kind = 0, hit;

	why[0] = '\0';
	r->q.now = utctime_now();
	if (fallback_choose(&fb, &g->d, r, why, n) == -1)
		kind = -1;
	else if (fb.n == 0) {
		/* None can take it now; one may have answered it before. */
		if ((hit = fallback_cached(&g->d, r, &g->alert, client, &e)) == 1) {
			fallback_write_hit(r, &e, out);
			cache_entry_free(&e);
		} else
			kind = hit == -1 ? -1 : fallback_empty(&g->d, r, wait);
	} else if (fallback_run(&fb, &g->d, r, g->timeout_ms, client, out) == FALLBACK_NO_SLOT) {
		kind = FALLBACK_BUSY;
		*wait = 1;
	}
	fallback_free(&fb);
	return kind;
}

/* What r waits for, for the line: its routing query (requests alike compete alike). */
static uint64_t
line_key(const struct chatreq *r)
{
	const struct route_query *q = &r->q;
	uint64_t h = FNV_SEED;
	const char *const *lists[] = { q->need, q->modality, q->provider, q->exclude };
	const int lens[] = { q->nneed, q->nmodality, q->nprovider, q->nexclude };
	int flags[] = { q->max_price >= 0, q->no_train, r->completion };

	for (int i = -2; i < r->nfallback; i++) {
		const char *s = i == -2 ? q->model : i == -1 ? q->family : r->fallback[i];

		h = fnv1a(h, s != NULL ? s : "", s != NULL ? strlen(s) + 1 : 1);
	}
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < lens[k]; i++)
			h = fnv1a(h, lists[k][i], strlen(lists[k][i]) + 1);
	return fnv1a(h, flags, sizeof flags);
}

/*
 * r tried, and when every model that fits is busy now but one will be
 * usable within the request's time to wait (afmts_wait_ms, at most
 * AFMTS_GATEWAY_BUFFER_MS), tried again as soon as it is.  Requests that
 * wait for the same (line_key) go oldest first, a newcomer behind them; at
 * most AFMTS_GATEWAY_MAX_WAITING wait; a request leaves when its client goes
 * away.
 */
static void
serve_chat(struct gateway *g, struct chatreq *r, const char *client, FILE *out)
{
	long budget = r->wait_ms >= 0 && r->wait_ms < g->buffer_ms ? r->wait_ms : g->buffer_ms;
	long long deadline = http_clock_ms() + budget, ticket = 0, said = 0;
	const char *cat = g->d.catalog;
	uint64_t key = line_key(r);
	char why[512] = "";
	long wait = 1;
	int kind = 0;

	for (;;) {
		if (pool_line_first(cat, key, ticket)) {
			/* Being tried: out of the way of those behind, its place kept. */
			if (ticket > 0)
				pool_line_served(cat, ticket, 1);
			if ((kind = turn(g, r, client, why, sizeof why, &wait, out)) == 0)
				break;
			if (ticket > 0)
				pool_line_served(cat, ticket, 0);
			if (kind != FALLBACK_BUSY || http_clock_ms() + wait * 1000 > deadline + 999 ||
			    (ticket == 0 && (ticket = pool_line_join(cat, key, g->max_waiting)) < 0)) {
				none_fits(r, kind, wait, why, out);
				break;
			}
		} else if (ticket == 0 && (ticket = pool_line_join(cat, key, g->max_waiting)) < 0) {
			none_fits(r, FALLBACK_BUSY, wait, "too many requests are waiting", out);
			break;
		}
		if (http_clock_ms() >= deadline) {
			none_fits(r, FALLBACK_BUSY, wait, why, out);
			break;
		}
		if (still_there(r, out, &said) == 0)
			break;
		nanosleep(&(struct timespec){ 0, GATEWAY_WAIT_STEP_MS * 1000000L }, NULL);
	}
	if (ticket > 0)
		pool_line_leave(cat, ticket);
}

/* A chat request of an authenticated client: parsed, then tried model by model. */
static void
chat(struct gateway *g, const struct cgi_request *req, const char *client, FILE *out)
{
	struct chatreq r;
	char *body = NULL;
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
	serve_chat(g, &r, client, out);
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
	/* The answer is out: a breaker an attempt opened is posted now, by another process. */
	gwalert_send(&g->alert);
	gwload_end();
}
