/*
 * fallback: candidates, attempts, and what each attempt leaves in the catalog.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cgi.h"
#include "err.h"
#include "fallback.h"
#include "forward.h"
#include "health.h"
#include "pool.h"
#include "http.h"
#include "utctime.h"

/* --- candidates -------------------------------------------------------- */

static void
model_free(struct fallback_model *k)
{
	free(k->provider);
	free(k->model);
	free(k->base_url);
	free(k->key_env);
	free((char *)k->local.slots_url);
	free((char *)k->local.health_url);
}

static int
keep_candidate(const struct candidate *c, void *arg)
{
	struct fallback *fb = arg;
	struct fallback_model *k;

	if (fb->n == fb->max || !c->usable)
		return fb->n == fb->max;
	if (fb->admit != NULL && !fb->admit(c, fb->admit_arg))
		return 0;
	for (int i = 0; i < fb->n; i++)
		if (strcmp(fb->m[i].provider, c->provider) == 0 &&
		    strcmp(fb->m[i].model, c->model) == 0)
			return 0;
	k = &fb->m[fb->n];
	memset(k, 0, sizeof *k);
	k->provider = strdup(c->provider);
	k->model = strdup(c->model);
	k->base_url = strdup(c->base_url);
	k->key_env = strdup(c->key_env);
	k->local.slots = c->local.slots;
	if (c->local.slots_url != NULL)
		k->local.slots_url = strdup(c->local.slots_url);
	if (c->local.health_url != NULL)
		k->local.health_url = strdup(c->local.health_url);
	if (k->provider == NULL || k->model == NULL || k->base_url == NULL || k->key_env == NULL ||
	    (c->local.slots_url != NULL && k->local.slots_url == NULL) ||
	    (c->local.health_url != NULL && k->local.health_url == NULL)) {
		model_free(k);
		return 1;
	}
	fb->n++;
	return fb->n == fb->max;
}

void
fallback_free(struct fallback *fb)
{
	for (int i = 0; i < fb->n; i++)
		model_free(&fb->m[i]);
	fb->n = 0;
}

/*
 * Emit the models for r's routing query to emit: once, count of them, when r
 * names no fallback list; else per model it names (its pinned one first), each
 * one of them, until done(arg).  q.model is r's own again after.  0, or -1
 * when the catalog cannot be read.
 */
static int
decide_request(struct decider *d, struct chatreq *r, int count, route_emit emit, void *arg,
    int (*done)(const void *), char *why, size_t n)
{
	const char *pinned = r->q.model;
	int rv = 0;

	if (r->nfallback == 0) {
		r->q.count = count;
		return decide(d, &r->q, emit, arg, why, n) < 0 ? -1 : 0;
	}
	for (int i = -1; i < r->nfallback && !done(arg) && rv == 0; i++) {
		if ((r->q.model = i < 0 ? pinned : r->fallback[i]) == NULL)
			continue;
		r->q.count = count ? 1 : 0;
		rv = decide(d, &r->q, emit, arg, why, n) < 0 ? -1 : 0;
	}
	r->q.model = pinned;
	return rv;
}

static int
fallback_full(const void *arg)
{
	const struct fallback *fb = arg;

	return fb->n >= fb->max;
}

int
fallback_choose(struct fallback *fb, struct decider *d, struct chatreq *r, char *why, size_t n)
{
	int rv;

	r->q.all = 0;
	rv = decide_request(d, r, fb->max, keep_candidate, fb, fallback_full, why, n);
	if (rv == 0 && fb->n == 0 && why[0] == '\0')
		snprintf(why, n, "none of the models asked for can take a request now");
	return rv;
}

/* --- when none can be chosen ------------------------------------------ */

/* Is model id in any provider's list (free or not, usable or not)?  1, 0 or -1. */
static int
known_model(struct decider *d, const char *id, time_t now)
{
	struct route_query q;
	struct decide_fitting f = { 0 };

	route_query_init(&q, now);
	q.model = id;
	q.max_price = 1e6;
	if (decide_fitting(d, &q, &f) < 0)
		return -1;
	return f.n > 0;
}

int
fallback_empty(struct decider *d, struct chatreq *r, long *retry_after)
{
	const char *pinned = r->q.model;
	struct decide_fitting f = { 0 };
	int known = pinned == NULL, k;

	for (int i = -1; i < r->nfallback && !known; i++) {
		const char *id = i < 0 ? pinned : r->fallback[i];

		if (id != NULL && (k = known_model(d, id, r->q.now)) != 0)
			known = k;
	}
	if (known != 1)
		return known == -1 ? -1 : FALLBACK_UNKNOWN;
	for (int i = -1; i < r->nfallback; i++) {
		r->q.model = i < 0 ? pinned : r->fallback[i];
		if ((i >= 0 || r->nfallback == 0 || pinned != NULL) && decide_fitting(d, &r->q, &f) < 0)
			return -1;
	}
	r->q.model = pinned;
	if (f.n == 0)
		return FALLBACK_NO_FIT;
	/* One freed up since the decision (a local server's slot): busy, try again. */
	if (f.usable > 0) {
		*retry_after = 1;
		return FALLBACK_BUSY;
	}
	*retry_after = f.first_usable > r->q.now ? (long)(f.first_usable - r->q.now) : 1;
	return f.limited == f.n ? FALLBACK_BUSY : FALLBACK_DOWN;
}

/* --- answers ---------------------------------------------------------- */

/* The head of attempt a's answer from model m, the attempts'th tried. */
static void
head(FILE *out, int status, const char *type, const struct fallback_model *m, int attempts,
    const struct attempt *a)
{
	char n[16];

	cgi_head(out, status, type);
	cgi_header(out, "X-Afmts-Provider", m->provider);
	cgi_header(out, "X-Afmts-Model", m->model);
	snprintf(n, sizeof n, "%d", attempts);
	cgi_header(out, "X-Afmts-Attempts", n);
	if (a->request_id[0] != '\0')
		cgi_header(out, "X-Request-Id", a->request_id);
	cgi_head_end(out);
}

struct served {
	FILE		*out;
	const struct fallback_model *m;
	const struct attempt *a;
	int		 attempt;
};

/* The head of a streamed answer, written when its first byte arrives. */
static void
commit_stream(void *arg, const char *content_type)
{
	struct served *s = arg;

	head(s->out, 200, content_type, s->m, s->attempt, s->a);
	fflush(s->out);
}

/*
 * A provider's refusal passed back (400, 422 ...): always JSON in OpenAI's
 * error shape, with the provider's message and type when it gave them (the
 * key masked by forward_run), never its body or Content-Type as they came.
 */
static void
refused(FILE *out, const struct attempt *a, const struct fallback_model *m, int attempts)
{
	int status = a->status >= 400 && a->status <= 599 ? (int)a->status : 502;

	head(out, status, "application/json", m, attempts, a);
	cgi_error_json(out, a->etype[0] != '\0' ? a->etype : cgi_error_type(status),
	    a->message[0] != '\0' ? a->message : a->error, NULL, a->ecode);
}

/* The answer of the attempt that ends the request. */
static void
settle(FILE *out, const struct attempt *a, int ok, const struct fallback_model *m, int attempts)
{
	if (a->committed)
		return;
	if (!ok) {
		refused(out, a, m, attempts);
		return;
	}
	/* A completion: JSON (forward_run parsed it), the key masked. */
	head(out, 200, "application/json", m, attempts, a);
	if (a->answer != NULL)
		fwrite(a->answer, 1, a->nanswer, out);
}

/* --- attempts ------------------------------------------------------------- */

static void
record(struct decider *d, struct gwalert *alert, const struct fallback_model *m,
    const struct attempt *a, const char *client, int nth)
{
	struct outcome o;
	char buf[48], msg[160];

	outcome_init(&o, utctime_now());
	outcome_param(&o, "provider", m->provider);
	outcome_param(&o, "model", m->model);
	snprintf(buf, sizeof buf, "%ld", a->status);
	outcome_param(&o, "status", buf);
	snprintf(buf, sizeof buf, "%ld", a->latency_ms);
	outcome_param(&o, "latency_ms", buf);
	if (a->has_usage) {
		snprintf(buf, sizeof buf, "%lld,%lld", a->prompt_tokens, a->completion_tokens);
		outcome_param(&o, "tokens", buf);
	} else if (a->status == 200 && a->body != NULL) {
		/* The provider gave no count: about four bytes a token, marked as such. */
		snprintf(buf, sizeof buf, "%lld,%lld", (long long)(strlen(a->body) + 3) / 4,
		    (a->content_bytes + 3) / 4);
		outcome_param(&o, "tokens", buf);
		o.u.estimated = 1;
	}
	if (a->retry_after >= 0) {
		snprintf(buf, sizeof buf, "%ld", a->retry_after);
		outcome_param(&o, "retry_after", buf);
	}
	if (a->error[0] != '\0')
		outcome_param(&o, "error", a->error);
	outcome_param(&o, "client", client ? client : "afmts-gateway");
	snprintf(buf, sizeof buf, "%d", nth);	/* 2 and on: fallbacks (GET /metrics) */
	outcome_param(&o, "attempt", buf);
	for (int i = 0; i < a->nheader; i++)
		outcome_header(&o, a->header[i]);
	if (a->has_cost) {
		o.u.has_cost = 1;
		o.u.cost = a->cost;
	}
	if (gwalert_record(alert, d, &o, msg, sizeof msg) != OUTCOME_OK)
		err_warn("%s/%s: outcome not recorded: %s", m->provider, m->model, msg);
}

int
fallback_worth_retrying(long status)
{
	return status == 0 || status == 401 || status == 402 || status == 403 || status == 404 ||
	    status == 408 || status == 409 || status == 429 || status >= 500;
}

/* The endpoint of model m for r. */
static void
endpoint(char *url, size_t n, const struct fallback_model *m, const struct chatreq *r)
{
	size_t blen = strlen(m->base_url);

	while (blen > 0 && m->base_url[blen - 1] == '/')
		blen--;
	snprintf(url, n, "%.*s/%s", (int)blen, m->base_url,
	    r->completion ? "completions" : "chat/completions");
}

/*
 * One attempt on model m, recorded (a breaker it opened noted in alert); its
 * body sent in the request's shape.
 * 0 answered, 1 failed, 2 not tried (a local server with no idle slot left),
 * or -1.
 */
static int
attempt(struct attempt *a, struct decider *d, struct gwalert *alert, const struct chatreq *r,
    const struct fallback_model *m, struct served *s, const char *client)
{
	char url[2048], *body;
	int ok, lease = POOL_NO_POOL;

	if ((m->local.slots_url != NULL || m->local.health_url != NULL) &&
	    (lease = pool_take(d->catalog, &m->local)) == -1)
		return 2;
	endpoint(url, sizeof url, m, r);
	if ((body = chatreq_body_for(r, m->model)) == NULL) {
		pool_give(d->catalog, lease);
		return -1;
	}
	a->url = url;
	a->key = m->key_env[0] ? getenv(m->key_env) : NULL;
	a->body = body;
	a->stream = r->stream;
	a->drop_usage = r->stream && !r->include_usage;
	a->client = s->out;
	a->commit = commit_stream;
	a->commit_arg = s;
	ok = forward_run(a) == 0;
	pool_give(d->catalog, lease);
	record(d, alert, m, a, client, s->attempt);
	free(body);
	return ok ? 0 : 1;
}

/* --- the answer cache (cache.h) ----------------------------------------- */

struct cached_run {
	struct cache	 c;
	int		 on;
	char		 key[FALLBACK_MAX_ATTEMPTS][SHA256_HEX_LEN];	/* of each model's answer */
	char		*tee;		/* a stream passed on, as the attempt's tee kept it */
	size_t		 ntee;
};

/* Open the cache r goes through, if any, and key r's answer from each of fb's models. */
static void
cache_begin(struct cached_run *cr, const struct fallback *fb, const struct decider *d,
    const struct chatreq *r)
{
	char buf[4096];
	const char *path = cache_path_for(r, d->catalog, buf, sizeof buf);

	memset(cr, 0, sizeof *cr);
	if (path == NULL || cache_open(&cr->c, path) == -1)
		return;
	cr->on = 1;
	for (int i = 0; i < fb->n && cr->on; i++)
		cr->on = cache_key(r, fb->m[i].provider, fb->m[i].model, cr->key[i]) == 0;
	if (!cr->on)
		cache_close(&cr->c);
}

/* A hit's usage row: status 200, no cost, no latency (the provider's is not ours), cached. */
static void
record_hit(struct decider *d, struct gwalert *alert, const struct cache_entry *e,
    const char *key, const char *client)
{
	struct outcome o;
	struct timespec ts;
	char id[96], msg[160];

	clock_gettime(CLOCK_REALTIME, &ts);
	/* An id of its own: hits alike in one second are still rows of their own. */
	snprintf(id, sizeof id, "afmts-cache-%.16s-%ld-%lld.%09ld", key, (long)getpid(),
	    (long long)ts.tv_sec, ts.tv_nsec);
	outcome_init(&o, utctime_now());
	outcome_param(&o, "provider", e->provider);
	outcome_param(&o, "model", e->model);
	outcome_param(&o, "status", "200");
	outcome_param(&o, "request_id", id);
	outcome_param(&o, "client", client ? client : "afmts-gateway");
	o.u.has_cost = 1;
	o.u.cost = 0;
	o.u.cached = 1;
	if (gwalert_record(alert, d, &o, msg, sizeof msg) != OUTCOME_OK)
		err_warn("%s/%s: outcome not recorded: %s", e->provider, e->model, msg);
}

/* The first of fb's models' answers in the cache: 1 with *e, the hit recorded; else 0. */
static int
cache_find(struct cached_run *cr, const struct fallback *fb, struct decider *d,
    const char *client, struct cache_entry *e)
{
	int found = 0;

	for (int i = 0; cr->on && i < fb->n && found == 0; i++)
		found = cache_get(&cr->c, cr->key[i], utctime_now(), e);
	if (found != 1)
		return 0;
	record_hit(d, fb->alert, e, cr->key[0], client);
	return 1;
}

void
fallback_write_hit(const struct chatreq *r, const struct cache_entry *e, FILE *out)
{
	cgi_head(out, 200, r->stream ? "text/event-stream" : "application/json");
	cgi_header(out, "X-Afmts-Provider", e->provider);
	cgi_header(out, "X-Afmts-Model", e->model);
	cgi_header(out, "X-Afmts-Cache", "hit");
	cgi_head_end(out);
	fwrite(e->body, 1, e->nbody, out);
	fflush(out);
}

/* Answer r from the cache when one of fb's models' answers is there.  1 answered, else 0. */
static int
cache_answer(struct cached_run *cr, const struct fallback *fb, struct decider *d,
    const struct chatreq *r, const char *client, FILE *out)
{
	struct cache_entry e;

	if (!cache_find(cr, fb, d, client, &e))
		return 0;
	fallback_write_hit(r, &e, out);
	cache_entry_free(&e);
	return 1;
}

/* fallback_cached's scan: a candidate's key looked up until one is found or enough were. */
struct cache_scan {
	struct cache		*c;
	const struct chatreq	*r;
	struct cache_entry	*e;
	char			 key[SHA256_HEX_LEN];
	int			 seen, found;
};

static int
scan_candidate(const struct candidate *c, void *arg)
{
	struct cache_scan *s = arg;

	if (s->found || s->seen >= FALLBACK_CACHE_SCAN)
		return 1;
	s->seen++;
	s->found = cache_key(s->r, c->provider, c->model, s->key) == 0 &&
	    cache_get(s->c, s->key, utctime_now(), s->e) == 1;
	return s->found || s->seen >= FALLBACK_CACHE_SCAN;
}

static int
scan_done(const void *arg)
{
	const struct cache_scan *s = arg;

	return s->found || s->seen >= FALLBACK_CACHE_SCAN;
}

int
fallback_cached(struct decider *d, struct chatreq *r, struct gwalert *alert,
    const char *client, struct cache_entry *e)
{
	struct cache_scan s = { .r = r, .e = e };
	struct cache c;
	const char *path;
	char why[256], buf[4096];
	int rv, all = r->q.all, count = r->q.count;

	if (r->cache_scanned || (path = cache_path_for(r, d->catalog, buf, sizeof buf)) == NULL)
		return 0;
	r->cache_scanned = 1;
	if (cache_open(&c, path) == -1)
		return 0;
	s.c = &c;
	/* Every model that fits, usable now or not, in the policy's order (or the request's). */
	r->q.all = 1;
	rv = decide_request(d, r, 0, scan_candidate, &s, scan_done, why, sizeof why);
	r->q.all = all;
	r->q.count = count;
	cache_close(&c);
	if (s.found && rv == -1)
		cache_entry_free(e);
	if (rv == -1)
		return -1;
	if (s.found)
		record_hit(d, alert, e, s.key, client);
	return s.found;
}

/* A streamed attempt's bytes passed on are kept too, for the cache. */
static void
cache_tee(struct cached_run *cr, struct attempt *a, const struct chatreq *r)
{
	if (cr->on && r->stream)
		a->tee = open_memstream(&cr->tee, &cr->ntee);
}

/* Store attempt a's answer (from model i) when it is a whole 200 answer; drop the tee. */
static void
cache_keep(struct cached_run *cr, int i, const struct fallback_model *m, struct attempt *a,
    int ok, const struct chatreq *r)
{
	const char *body;
	size_t n;

	if (a->tee != NULL)
		fclose(a->tee);	/* the memstream's buffer and size are set only now */
	a->tee = NULL;
	body = r->stream ? cr->tee : a->answer;
	n = r->stream ? cr->ntee : a->nanswer;
	if (cr->on && ok && a->status == 200 && body != NULL && n > 0 &&
	    (!r->stream || (a->done_seen && !a->stream_error && a->ntee <= FORWARD_MAX_ANSWER)))
		cache_put(&cr->c, cr->key[i], utctime_now(), m->provider, m->model, body, n);
	free(cr->tee);
	cr->tee = NULL;
	cr->ntee = 0;
}

/*
 * No attempt answered: 429 with the earliest Retry-After when every provider
 * tried said 429 (SDKs then wait, as they should), 504 when the time ran out
 * first, else 502; tried is how many were.
 */
static void
exhausted(FILE *out, int tried, int timed_out, int throttled, long retry, const char *summary)
{
	char n[24];
	int status = timed_out ? 504 : tried > 0 && throttled == tried ? 429 : 502;

	cgi_head(out, status, "application/json");
	snprintf(n, sizeof n, "%d", tried);
	if (tried > 0)
		cgi_header(out, "X-Afmts-Attempts", n);
	if (status == 429) {
		snprintf(n, sizeof n, "%ld", retry > 0 ? retry : 1);
		cgi_header(out, "Retry-After", n);
	}
	cgi_head_end(out);
	cgi_error_json(out, cgi_error_type(status), summary[0] ? summary :
	    "no attempt could be made in the time allowed", NULL, status == 429 ?
	    "rate_limit_exceeded" : status == 504 ? "upstream_timeout" : "upstream_error");
}

int
fallback_run(struct fallback *fb, struct decider *d, const struct chatreq *r, long timeout_ms,
    const char *client, FILE *out)
{
	char summary[512] = "";
	long long deadline = http_clock_ms() + timeout_ms;
	long retry = -1;
	size_t used = 0;
	int i, rv, tried = 0, skipped = 0, throttled = 0;
	struct cached_run cr;

	cache_begin(&cr, fb, d, r);
	if (cache_answer(&cr, fb, d, r, client, out)) {
		cache_close(&cr.c);
		return 0;
	}
	for (i = 0; i < fb->n; i++) {
		struct attempt *a = calloc(1, sizeof *a);
		struct served s = { .out = out, .m = &fb->m[i], .a = a, .attempt = tried + 1 };

		rv = -1;
		if (a != NULL && (a->timeout_ms = (long)(deadline - http_clock_ms())) >= 100) {
			cache_tee(&cr, a, r);
			rv = attempt(a, d, fb->alert, r, &fb->m[i], &s, client);
		}
		if (rv == -1 || rv == 2) {
			if (a != NULL)
				cache_keep(&cr, i, &fb->m[i], a, 0, r);
			free(a);
			if (rv == -1)
				break;
			skipped++;
			continue;
		}
		tried++;
		cache_keep(&cr, i, &fb->m[i], a, rv == 0, r);
		if (rv == 0 || a->committed || !fallback_worth_retrying(a->status)) {
			settle(out, a, rv == 0, &fb->m[i], tried);
			forward_done(a);
			free(a);
			cache_close(&cr.c);
			return 0;
		}
		if (a->status == 429) {
			throttled++;
			if (a->retry_after >= 0 && (retry < 0 || a->retry_after < retry))
				retry = a->retry_after;
		}
		used += (size_t)snprintf(summary + used, used < sizeof summary ? sizeof summary - used : 0,
		    "%s%.60s/%.80s: %.100s", tried > 1 ? "; " : "", fb->m[i].provider,
		    fb->m[i].model, a->error);
		if (used >= sizeof summary)
			used = sizeof summary - 1;
		forward_done(a);
		free(a);
	}
	cache_close(&cr.c);
	if (i == fb->n && tried == 0 && skipped > 0)
		return FALLBACK_NO_SLOT;
	exhausted(out, tried, i < fb->n, throttled, retry, summary);
	return 0;
}
