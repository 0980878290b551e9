/*
 * fallback: candidates, attempts, and what each attempt leaves in the catalog.
 */
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "err.h"
#include "fallback.h"
#include "forward.h"
#include "http.h"
#include "jsonw.h"
#include "utctime.h"

/* --- candidates -------------------------------------------------------- */

static int
keep_candidate(const struct candidate *c, void *arg)
{
	struct fallback *fb = arg;
	struct fallback_model *k;

	if (fb->n == fb->max || !c->usable)
		return fb->n == fb->max;
	for (int i = 0; i < fb->n; i++)
		if (strcmp(fb->m[i].provider, c->provider) == 0 &&
		    strcmp(fb->m[i].model, c->model) == 0)
			return 0;
	k = &fb->m[fb->n];
	k->provider = strdup(c->provider);
	k->model = strdup(c->model);
	k->base_url = strdup(c->base_url);
	k->key_env = strdup(c->key_env);
	if (k->provider == NULL || k->model == NULL || k->base_url == NULL || k->key_env == NULL) {
		free(k->provider), free(k->model), free(k->base_url), free(k->key_env);
		return 1;
	}
	fb->n++;
	return fb->n == fb->max;
}

void
fallback_free(struct fallback *fb)
{
	for (int i = 0; i < fb->n; i++) {
		free(fb->m[i].provider);
		free(fb->m[i].model);
		free(fb->m[i].base_url);
		free(fb->m[i].key_env);
	}
	fb->n = 0;
}

int
fallback_choose(struct fallback *fb, struct decider *d, struct chatreq *r, char *why, size_t n)
{
	const char *pinned = r->q.model;
	int rv = 0;

	r->q.all = 0;
	if (r->nfallback == 0) {
		r->q.count = fb->max;
		rv = decide(d, &r->q, keep_candidate, fb, why, n) < 0 ? -1 : 0;
	}
	for (int i = -1; r->nfallback > 0 && i < r->nfallback && fb->n < fb->max && rv == 0; i++) {
		const char *id = i < 0 ? pinned : r->fallback[i];

		if (id == NULL)
			continue;
		r->q.model = id;
		r->q.count = 1;
		rv = decide(d, &r->q, keep_candidate, fb, why, n) < 0 ? -1 : 0;
	}
	r->q.model = pinned;
	if (rv == 0 && fb->n == 0 && why[0] == '\0')
		snprintf(why, n, "none of the models asked for can take a request now");
	return rv;
}

/* --- answers ---------------------------------------------------------- */

/* The head of an answer from model m after attempts tries. */
static void
head(FILE *out, int status, const char *type, const struct fallback_model *m, int attempts)
{
	char n[16];

	cgi_head(out, status, type);
	cgi_header(out, "X-Afmts-Provider", m->provider);
	cgi_header(out, "X-Afmts-Model", m->model);
	snprintf(n, sizeof n, "%d", attempts);
	cgi_header(out, "X-Afmts-Attempts", n);
	cgi_head_end(out);
}

struct served {
	FILE		*out;
	const struct fallback_model *m;
	int		 attempt;
};

/* The head of a streamed answer, written when its first byte arrives. */
static void
commit_stream(void *arg, const char *content_type)
{
	struct served *s = arg;

	head(s->out, 200, content_type, s->m, s->attempt);
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

	head(out, status, "application/json", m, attempts);
	fputs("{\"error\":{\"message\":", out);
	jsonw_str(out, a->message[0] != '\0' ? a->message : a->error);
	jsonw_key(out, "type", 0);
	jsonw_str(out, a->etype[0] != '\0' ? a->etype : "upstream_error");
	jsonw_key(out, "code", 0);
	fprintf(out, "%d}}\n", status);
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
	head(out, 200, "application/json", m, attempts);
	if (a->answer != NULL)
		fwrite(a->answer, 1, a->nanswer, out);
}

/* --- attempts ------------------------------------------------------------- */

static void
record(struct decider *d, const struct fallback_model *m, const struct attempt *a,
    const char *client)
{
	struct outcome o;
	char buf[32], msg[160];

	outcome_init(&o, utctime_now());
	outcome_param(&o, "provider", m->provider);
	outcome_param(&o, "model", m->model);
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
		err_warn("%s/%s: outcome not recorded: %s", m->provider, m->model, msg);
}

/* Statuses worth another model: the provider's trouble, not the request's. */
static int
worth_retrying(long status)
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

/* One attempt on model m, recorded; its body sent in the request's shape. 0, or -1. */
static int
attempt(struct attempt *a, struct decider *d, const struct chatreq *r,
    const struct fallback_model *m, struct served *s, const char *client)
{
	char url[2048], *body;
	int ok;

	endpoint(url, sizeof url, m, r);
	if ((body = chatreq_body_for(r, m->model)) == NULL)
		return -1;
	a->url = url;
	a->key = m->key_env[0] ? getenv(m->key_env) : NULL;
	a->body = body;
	a->stream = r->stream;
	a->client = s->out;
	a->commit = commit_stream;
	a->commit_arg = s;
	ok = forward_run(a) == 0;
	record(d, m, a, client);
	free(body);
	return ok ? 0 : 1;
}

void
fallback_run(struct fallback *fb, struct decider *d, const struct chatreq *r, long timeout_ms,
    const char *client, FILE *out)
{
	char summary[512] = "", n[16];
	long long deadline = http_clock_ms() + timeout_ms;
	size_t used = 0;
	int i, rv;

	for (i = 0; i < fb->n; i++) {
		struct served s = { .out = out, .m = &fb->m[i], .attempt = i + 1 };
		struct attempt *a = calloc(1, sizeof *a);

		if (a == NULL || (a->timeout_ms = (long)(deadline - http_clock_ms())) < 100 ||
		    (rv = attempt(a, d, r, &fb->m[i], &s, client)) == -1) {
			free(a);
			break;
		}
		if (rv == 0 || a->committed || !worth_retrying(a->status)) {
			settle(out, a, rv == 0, &fb->m[i], i + 1);
			forward_done(a);
			free(a);
			return;
		}
		used += (size_t)snprintf(summary + used, used < sizeof summary ? sizeof summary - used : 0,
		    "%s%.60s/%.80s: %.100s", i ? "; " : "", fb->m[i].provider, fb->m[i].model,
		    a->error);
		if (used >= sizeof summary)
			used = sizeof summary - 1;
		forward_done(a);
		free(a);
	}
	cgi_head(out, i < fb->n ? 504 : 502, "application/json");
	snprintf(n, sizeof n, "%d", i);
	if (i > 0)
		cgi_header(out, "X-Afmts-Attempts", n);
	cgi_head_end(out);
	cgi_error_json(out, "upstream_error", summary[0] ? summary :
	    "no attempt could be made in the time allowed", NULL);
}
