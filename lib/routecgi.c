/*
 * routecgi: one HTTP request in, one response out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"
#include "err.h"
#include "fastcgi.h"
#include "form.h"
#include "jsonw.h"
#include "routecgi.h"
#include "routeout.h"
#include "routestatus.h"
#include "utctime.h"

struct reply {
	int	 status;
	char	*body;
	size_t	 len;
	FILE	*f;		/* writes into body */
	const char *allow;	/* for 405 */
};

const char *
routecgi_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 500 ? "Client Error" : "Server Error";
	}
}

/* Replace whatever was written with a JSON error. */
static int
fail(struct reply *r, int status, const char *type, const char *msg, const char *param)
{
	rewind(r->f);
	r->status = status;
	fputs("{\"error\":{\"message\":", r->f);
	jsonw_str(r->f, msg);
	jsonw_key(r->f, "type", 0);
	jsonw_str(r->f, type);
	if (param != NULL && *param != '\0') {
		jsonw_key(r->f, "param", 0);
		jsonw_str(r->f, param);
	}
	fputs("}}\n", r->f);
	return 0;
}

static int
send_reply(struct reply *r, int head, FILE *out)
{
	long end = ftell(r->f);

	fflush(r->f);
	fprintf(out, "Status: %d %s\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n", r->status,
	    routecgi_reason(r->status));
	if (r->allow != NULL)
		fprintf(out, "Allow: %s\r\n", r->allow);
	fprintf(out, "Content-Length: %ld\r\n\r\n", end);
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
		fail(r, 503, "unavailable", "no catalog configured (set AFMTS_DB)", NULL);
	else if (code == DECIDE_MISSING)
		fail(r, 503, "unavailable", "no catalog yet: run afmts-discover", NULL);
	else
		fail(r, 503, "unavailable", "the catalog cannot be read", NULL);
	return -1;
}

/* The answer of a decision that emitted n candidates (-1: the catalog failed). */
static void
answer(struct reply *r, struct routeout *out, int n, int models, const char *why)
{
	if (n == -1) {
		fail(r, 503, "unavailable", "the catalog cannot be read", NULL);
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
do_route(struct reply *r, struct decider *d, char *query, int models, time_t now)
{
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
	if ((msg = form_parse(query, route_pair, &a, bad, sizeof bad)) != NULL)
		return fail(r, 400, "invalid_request_error", msg, bad);
	if (d->catalog == NULL)
		return unusable(r, d, DECIDE_MISSING), 0;
	routeout_begin(&out, r->f, models ? ROUTEOUT_MODELS : ROUTEOUT_JSON);
	if ((n = decide(d, &a.q, routeout_candidate, &out, why, sizeof why)) < 0)
		unusable(r, d, n);
	else
		answer(r, &out, n, models, why);
	return 0;
}

/* --- GET /status ----------------------------------------------------------- */

static int
do_status(struct reply *r, struct decider *d, const char *query, time_t now)
{
	sqlite3 *db;
	int code;

	if (*query != '\0')
		return fail(r, 400, "invalid_request_error", "/status takes no parameters", NULL);
	if ((code = decider_catalog(d, &db)) < 0)
		return unusable(r, d, code), 0;
	if (routestatus_write(db, now, r->f) == -1)
		fail(r, 503, "unavailable", "the catalog cannot be read", NULL);
	else
		r->status = 200;
	return 0;
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

/* Read exactly CONTENT_LENGTH bytes of body into buf (NUL-terminated).  A status or 0. */
static int
read_body(char *buf, size_t cap, FILE *in)
{
	const char *cl = getenv("CONTENT_LENGTH"), *ct = getenv("CONTENT_TYPE");
	char *end;
	unsigned long len;
	size_t got = 0;

	if (ct != NULL && *ct != '\0' &&
	    strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return 415;
	if (cl == NULL || *cl == '\0')
		return 411;
	errno = 0;
	len = strtoul(cl, &end, 10);
	if (*end != '\0' || errno != 0 || *cl == '-')
		return 400;
	if (len >= cap)
		return 413;
	while (got < len) {
		size_t k = fread(buf + got, 1, len - got, in);

		if (k == 0)
			return 400;
		got += k;
	}
	buf[got] = '\0';
	return memchr(buf, '\0', got) != NULL ? 400 : 0;
}

static int
do_report(struct reply *r, struct decider *d, time_t now, FILE *in, const char *client)
{
	static char body[ROUTECGI_MAX_BODY + 1];
	struct report_args a;
	struct outcome *o = &a.o;
	struct decider writer, *w = d;
	char bad[80], msg[160];
	const char *why;
	int status, code;

	if ((status = read_body(body, sizeof body, in)) != 0)
		return fail(r, status, "invalid_request_error", status == 413 ?
		    "the body is larger than 8192 bytes" : status == 415 ?
		    "send application/x-www-form-urlencoded" : status == 411 ?
		    "a Content-Length is required" : "the body could not be read", NULL);
	outcome_init(o, now);
	a.client = client;
	if ((why = form_parse(body, outcome_pair, &a, bad, sizeof bad)) != NULL ||
	    (client != NULL && (why = outcome_param(o, "client", client)) != NULL))
		return fail(r, 400, "invalid_request_error", why, bad);
	/* A reading decider (afmts-route's) records through a writing one. */
	if (!d->writable) {
		decider_init(&writer, d->catalog, 1, 0);
		w = &writer;
	}
	code = decide_record(w, o, msg, sizeof msg);
	if (w == &writer)
		decider_close(&writer);
	if (code == OUTCOME_MISSING || code == OUTCOME_ERROR)
		return fail(r, 503, "unavailable", "the catalog is missing or cannot be written",
		    NULL);
	if (code == OUTCOME_INVALID)
		return fail(r, 422, "invalid_request_error", msg, NULL);
	if (code != OUTCOME_OK)
		return fail(r, 503, "unavailable", "the catalog cannot be written now", NULL);
	r->status = 200;
	fputs("{\"recorded\":true}\n", r->f);
	return 0;
}

/* --- dispatch ------------------------------------------------------------ */

int
routecgi_answer(struct decider *d, FILE *in, FILE *out, const char *client)
{
	const char *method = getenv("REQUEST_METHOD"), *info = getenv("PATH_INFO");
	const char *qs = getenv("QUERY_STRING");
	static char query[ROUTECGI_MAX_QUERY + 1];
	struct reply r = { .status = 500 };
	int head, get, rc;
	time_t now = utctime_now();

	if ((r.f = open_memstream(&r.body, &r.len)) == NULL) {
		err_warn("out of memory");
		fprintf(out, "Status: 500 Internal Server Error\r\n\r\n");
		return 1;
	}
	method = method != NULL ? method : "GET";
	info = info != NULL && *info != '\0' ? info : "/";
	qs = qs != NULL ? qs : "";
	head = strcmp(method, "HEAD") == 0;
	get = head || strcmp(method, "GET") == 0;
	if (now == (time_t)-1)
		fail(&r, 503, "unavailable", "AFMTS_NOW is not a valid time", NULL);
	else if (strlen(qs) > ROUTECGI_MAX_QUERY)
		fail(&r, 414, "invalid_request_error", "the query string is longer than 2048 bytes",
		    NULL);
	else if (strcmp(info, "/route") == 0 || strcmp(info, "/v1/models") == 0 ||
	    strcmp(info, "/status") == 0) {
		strcpy(query, qs);
		if (!get) {
			r.allow = "GET, HEAD";
			fail(&r, 405, "invalid_request_error", "use GET", NULL);
		} else if (strcmp(info, "/status") == 0) {
			do_status(&r, d, query, now);
		} else {
			do_route(&r, d, query, strcmp(info, "/v1/models") == 0, now);
		}
	} else if (strcmp(info, "/report") == 0) {
		if (strcmp(method, "POST") != 0) {
			r.allow = "POST";
			fail(&r, 405, "invalid_request_error", "use POST", NULL);
		} else {
			do_report(&r, d, now, in, client);
		}
	} else {
		fail(&r, 404, "not_found", "no such endpoint: /route, /v1/models, /status, /report",
		    NULL);
	}
	decider_done(d);
	rc = send_reply(&r, head, out);
	fclose(r.f);
	free(r.body);
	return rc;
}

int
routecgi_main(const char *db_path)
{
	struct decider d;

	decider_init(&d, db_path, 0, 0);
	return routecgi_answer(&d, stdin, stdout, NULL);
}

static void
fastcgi_request(void *db_path, FILE *in, FILE *out)
{
	struct decider d;

	decider_init(&d, db_path, 0, 0);
	routecgi_answer(&d, in, out, NULL);
}

int
routecgi_fastcgi(const char *db_path)
{
	static const char *const names[] = {
		"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE", NULL
	};

	return fastcgi_serve(names, 64 * 1024, 0, fastcgi_request, (void *)db_path);
}
