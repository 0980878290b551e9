/*
 * routecgi: one HTTP request in, one response out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "decide.h"
#include "err.h"
#include "fastcgi.h"
#include "form.h"
#include "jsonw.h"
#include "metrics.h"
#include "routecgi.h"
#include "routeout.h"
#include "routestatus.h"
#include "statuspage.h"
#include "utctime.h"

struct reply {
	int	 status;
	char	*body;
	size_t	 len;
	FILE	*f;		/* writes into body */
	const char *allow;	/* for 405 */
	const char *type;	/* Content-Type, when not JSON */
};

/* Replace whatever was written with a JSON error. */
static int
fail(struct reply *r, int status, const char *code, const char *msg, const char *param)
{
	rewind(r->f);
	r->status = status;
	r->type = NULL;
	cgi_error_json(r->f, cgi_error_type(status), msg, param, code);
	return 0;
}

static int
send_reply(struct reply *r, int head, FILE *out)
{
	long end = ftell(r->f);

	fflush(r->f);
	cgi_head(out, r->status, r->type != NULL ? r->type : "application/json");
	if (r->allow != NULL)
		cgi_header(out, "Allow", r->allow);
	fprintf(out, "Content-Length: %ld\r\n", end);
	cgi_head_end(out);
	if (!head)
		fwrite(r->body, 1, (size_t)end, out);
	return fflush(out) == EOF ? 1 : 0;
}

/* --- GET /route and /v1/models ------------------------------------------ */

struct route_args {
	struct route_query q;
	int		 models;	/* /v1/models: only "all" */
};

static const char *
route_pair(const char *name, const char *value, void *arg)
{
	struct route_args *a = arg;

	if (strcmp(name, "all") == 0) {
		if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0)
			return "all must be 0 or 1";
		a->q.all = value[0] == '1';
		return NULL;
	}
	if (a->models)
		return "unknown parameter";
	return route_param(&a->q, name, value);
}

/* The catalog could not be used: say why.  Always -1. */
static int
unusable(struct reply *r, const struct decider *d, int code)
{
	if (d->catalog == NULL)
		fail(r, 503, "catalog_unavailable", "no catalog configured (set AFMTS_DB)", NULL);
	else if (code == DECIDE_MISSING)
		fail(r, 503, "catalog_unavailable", "no catalog yet: run afmts-discover", NULL);
	else
		fail(r, 503, "catalog_unavailable", "the catalog cannot be read", NULL);
	return -1;
}

/* The answer of a decision that emitted n candidates (-1: the catalog failed). */
static void
answer(struct reply *r, struct routeout *out, int n, int models, const char *why)
{
	if (n == -1) {
		fail(r, 503, "catalog_unavailable", "the catalog cannot be read", NULL);
	} else if (n == 0 && !models) {
		/* A valid question with an empty answer, and why it is empty. */
		rewind(r->f);
		fputs("{\"candidates\":[],\"message\":", r->f);
		jsonw_str(r->f, why);
		fputs("}\n", r->f);
		r->status = 200;
	} else {
		routeout_end(out);
		r->status = 200;
	}
}

static int
do_route(struct reply *r, struct decider *d, const char *query, int models, time_t now)
{
	char copy[CGI_MAX_QUERY + 1];
	struct route_args a;
	struct routeout out;
	char bad[80], why[512] = "";
	const char *msg;
	int n;

	memset(&a, 0, sizeof a);
	route_query_init(&a.q, now);
	a.models = models;
	if (models) {
		a.q.count = 0;
		a.q.strategy = ROUTE_FREE_FIRST;
	}
	/* form_parse decodes in place: a copy, never the environment. */
	snprintf(copy, sizeof copy, "%s", query);
	if ((msg = form_parse(copy, route_pair, &a, bad, sizeof bad)) != NULL)
		return fail(r, 400, NULL, msg, bad);
	routeout_begin(&out, r->f, models ? ROUTEOUT_MODELS : ROUTEOUT_JSON);
	if ((n = decide(d, &a.q, routeout_candidate, &out, why, sizeof why)) < 0)
		unusable(r, d, n);
	else
		answer(r, &out, n, models, why);
	return 0;
}

/* --- GET /status, GET /metrics and GET /status.html ----------------------- */

/* A page written whole from the catalog by write, in type (NULL: JSON); no parameters. */
static int
catalog_page(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *path, const char *type,
    int (*write)(sqlite3 *, const char *, time_t, FILE *))
{
	char msg[64];
	sqlite3 *db;
	int code;

	if (*req->query != '\0') {
		snprintf(msg, sizeof msg, "%s takes no parameters", path);
		return fail(r, 400, NULL, msg, NULL);
	}
	if ((code = decider_catalog(d, &db)) < 0)
		return unusable(r, d, code), 0;
	r->type = type;
	if (write(db, d->catalog, now, r->f) == -1)
		fail(r, 503, "catalog_unavailable", "the catalog cannot be read", NULL);
	else
		r->status = 200;
	return 0;
}

/* routestatus_write in catalog_page's shape (the state needs no catalog path). */
static int
status_write(sqlite3 *db, const char *catalog, time_t now, FILE *f)
{
	(void)catalog;
	return routestatus_write(db, now, f);
}

static int
get_metrics(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	(void)client;
	return catalog_page(r, d, req, now, "/metrics", METRICS_CONTENT_TYPE, metrics_write);
}

static int
get_status_page(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	(void)client;
	return catalog_page(r, d, req, now, "/status.html", "text/html; charset=utf-8",
	    statuspage_write);
}

/* --- POST /report ---------------------------------------------------------- */

struct report_args {
	struct outcome	 o;
	const char	*client;	/* the authenticated client, or NULL */
};

static const char *
outcome_pair(const char *name, const char *value, void *arg)
{
	struct report_args *a = arg;

	/* Who reports is who authenticated: a body naming a client would spend its budget. */
	if (a->client != NULL && strcmp(name, "client") == 0)
		return "client comes from the client key, not from the body";
	return outcome_param(&a->o, name, value);
}

static int
do_report(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	struct report_args a;
	struct outcome *o = &a.o;
	struct decider writer, *w = d;
	char bad[80], msg[160], *body;
	const char *why;
	size_t len;
	int status, code;

	status = cgi_body(req, "application/x-www-form-urlencoded", 0, ROUTECGI_MAX_BODY, &body,
	    &len, &why);
	if (status != 0)
		return fail(r, status, NULL, why, NULL);
	outcome_init(o, now);
	a.client = client;
	bad[0] = '\0';
	if ((why = form_parse(body, outcome_pair, &a, bad, sizeof bad)) == NULL && client != NULL)
		why = outcome_param(o, "client", client);
	free(body);
	if (why != NULL)
		return fail(r, 400, NULL, why, bad);
	/* A reading decider (afmts-route's) records through a writing one. */
	if (!d->writable) {
		decider_init(&writer, d->catalog, 1, 0);
		w = &writer;
	}
	code = decide_record(w, o, msg, sizeof msg);
	if (w == &writer)
		decider_close(&writer);
	if (code == OUTCOME_MISSING || code == OUTCOME_ERROR)
		return fail(r, 503, "catalog_unavailable", "the catalog is missing or cannot be written",
		    NULL);
	if (code == OUTCOME_INVALID)
		return fail(r, 422, NULL, msg, NULL);
	if (code != OUTCOME_OK)
		return fail(r, 503, "catalog_unavailable", "the catalog cannot be written now", NULL);
	r->status = 200;
	fputs("{\"recorded\":true}\n", r->f);
	return 0;
}

/* --- dispatch ------------------------------------------------------------ */

struct endpoint {
	const char	*path, *method, *allow;
	int		(*answer)(struct reply *, struct decider *, const struct cgi_request *,
			    time_t, const char *);
};

static int
get_route(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	(void)client;
	return do_route(r, d, req->query, 0, now);
}

static int
get_models(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	(void)client;
	return do_route(r, d, req->query, 1, now);
}

static int
get_status(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	(void)client;
	return catalog_page(r, d, req, now, "/status", NULL, status_write);
}

/* GET /v1/models/{id}: the model, as the list has it (usable now or not), or 404. */
static int
get_model(struct reply *r, struct decider *d, const struct cgi_request *req, time_t now,
    const char *client)
{
	const char *id = req->path + strlen("/v1/models/");
	struct route_query q;
	struct routeout out;
	char why[256], msg[600];
	int n;

	(void)client;
	if (*req->query != '\0')
		return fail(r, 400, NULL, "/v1/models/{model} takes no parameters", NULL);
	route_query_init(&q, now);
	if (route_param(&q, "model", id) != NULL)
		return fail(r, 400, NULL, "a model id is 1 to 512 bytes", "model");
	q.all = 1;
	q.count = 1;
	routeout_begin(&out, r->f, ROUTEOUT_MODEL);
	if ((n = decide(d, &q, routeout_candidate, &out, why, sizeof why)) < 0)
		return unusable(r, d, n), 0;
	if (n == 0) {
		snprintf(msg, sizeof msg, "The model '%.400s' does not exist", id);
		return fail(r, 404, "model_not_found", msg, "model");
	}
	r->status = 200;
	return 0;
}

static const struct endpoint endpoints[] = {
	{ "/route", "GET", "GET, HEAD", get_route },
	{ "/v1/models", "GET", "GET, HEAD", get_models },
	{ "/status", "GET", "GET, HEAD", get_status },
	{ "/metrics", "GET", "GET, HEAD", get_metrics },
	{ "/status.html", "GET", "GET, HEAD", get_status_page },
	{ "/report", "POST", "POST", do_report },
	{ "/v1/models/", "GET", "GET, HEAD", get_model },	/* a prefix: /v1/models/{id} */
};

/* The endpoint of path: its own, or /v1/models/{id} (a nonempty id). */
static int
endpoint_is(const struct endpoint *e, const char *path)
{
	size_t n = strlen(e->path);

	if (e->path[n - 1] == '/')
		return strncmp(path, e->path, n) == 0 && path[n] != '\0';
	return strcmp(path, e->path) == 0;
}

/* The answer of req into r. */
static void
dispatch(struct reply *r, struct decider *d, const struct cgi_request *req, const char *client)
{
	time_t now = utctime_now();
	size_t i, n = sizeof endpoints / sizeof endpoints[0];

	for (i = 0; i < n && !endpoint_is(&endpoints[i], req->path); i++)
		continue;
	if (now == (time_t)-1) {
		fail(r, 503, "catalog_unavailable", "AFMTS_NOW is not a valid time", NULL);
	} else if (strlen(req->query) > CGI_MAX_QUERY) {
		fail(r, 414, NULL, "the query string is longer than 2048 bytes",
		    NULL);
	} else if (i == n) {
		fail(r, 404, "unknown_url", "no such endpoint: /route, /v1/models, /status, "
		    "/status.html, /metrics, /report",
		    NULL);
	} else if (!cgi_method(req, endpoints[i].method)) {
		r->allow = endpoints[i].allow;
		fail(r, 405, "method_not_allowed", strcmp(endpoints[i].method, "GET") == 0 ?
		    "use GET" : "use POST", NULL);
	} else {
		endpoints[i].answer(r, d, req, now, client);
	}
}

int
routecgi_answer(struct decider *d, const struct cgi_request *req, FILE *out, const char *client)
{
	struct reply r = { .status = 500 };
	int rc;

	if ((r.f = open_memstream(&r.body, &r.len)) == NULL) {
		err_warn("out of memory");
		fprintf(out, "Status: 500 Internal Server Error\r\n\r\n");
		return 1;
	}
	dispatch(&r, d, req, client);
	decider_done(d);
	rc = send_reply(&r, req->head, out);
	fclose(r.f);
	free(r.body);
	return rc;
}

int
routecgi_main(const char *db_path)
{
	struct decider d;

	struct cgi_request req;

	cgi_request(&req, stdin);
	decider_init(&d, db_path, 0, 0);
	return routecgi_answer(&d, &req, stdout, NULL);
}

static void
fastcgi_request(void *db_path, FILE *in, FILE *out)
{
	struct decider d;
	struct cgi_request req;

	cgi_request(&req, in);
	decider_init(&d, db_path, 0, 0);
	routecgi_answer(&d, &req, out, NULL);
}

int
routecgi_fastcgi(const char *db_path)
{
	return fastcgi_serve(cgi_variables, 64 * 1024, 0, 1, fastcgi_request, (void *)db_path);
}
