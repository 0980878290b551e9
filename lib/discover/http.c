/*
 * http: many transfers at once on one libcurl multi handle.
 *
 * Each request is a small state machine: waiting (for its turn, a backoff or
 * a redirect), running (added to the multi handle), done (handed to the
 * caller).  One loop starts what is due, lets libcurl work, collects what
 * ended and sleeps in curl_multi_poll until the next socket event or the next
 * due time: no busy waiting, no threads.
 */
#define _GNU_SOURCE	/* memmem, timegm */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"

/* Response headers kept: no more than this many, values cut to this length. */
#define HTTP_MAX_HEADERS 32
#define HTTP_MAX_VALUE 512

enum xstate { X_WAITING, X_RUNNING, X_DONE };

struct xfer {
	const struct http_request *req;
	size_t index;
	CURL *easy;
	struct curl_slist *sent;	/* request headers of the current attempt */
	char *url;			/* current URL (changes on redirects) */
	char *page_url;			/* the current page's URL as asked */
	char *post;			/* JSON body of the current page's POST, or NULL */
	long page;
	int with_key;			/* still on the key's own origin */
	enum xstate state;
	long long due;			/* monotonic ms when it may (re)start */
	long long first_start;
	int started;
	int too_large;
	long retry_after_ms;		/* what retry-after(-ms) asked for, or -1 */
	size_t cap;			/* bytes allocated for r.body */
	long max_size;
	struct http_response r;
	char errbuf[CURL_ERROR_SIZE];
};

void
http_defaults(struct http_options *o)
{
	o->parallel = 32;
	o->connect_ms = 10000;
	o->timeout_ms = 30000;
	o->max_size = 16L << 20;
	o->retries = 3;
	o->backoff_ms = 1000;
	o->max_wait_ms = 60000;
	o->max_redirects = 5;
	o->cacert = NULL;
	o->user_agent = "afmts";
}

long long
http_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A small xorshift generator for jitter; quality is not the point. */
static uint64_t
jitter_next(void)
{
	static uint64_t s;

	if (s == 0)
		s = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

size_t
http_redact(char *buf, size_t len, const char *secret)
{
	size_t n, found = 0;
	char *p = buf, *end = buf + len;

	if (secret == NULL || (n = strlen(secret)) < 8)
		return 0;
	while ((size_t)(end - p) >= n && (p = memmem(p, (size_t)(end - p), secret, n)) != NULL) {
		memset(p, '*', n);
		p += n;
		found++;
	}
	return found;
}

static int
month_number(const char *m)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (strncmp(m, names + 3 * i, 3) == 0)
			return i;
	return -1;
}

long
http_retry_after(const char *v, long now)
{
	char *end;
	long s;
	char wd[4], mon[4], gmt[4];
	int d, y, hh, mm, ss, mo;
	struct tm tm;

	while (*v == ' ')
		v++;
	if (isdigit((unsigned char)*v)) {
		s = strtol(v, &end, 10);
		while (*end == ' ')
			end++;
		return *end == '\0' && s >= 0 ? s : -1;
	}
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
	if (sscanf(v, "%3s, %d %3s %d %d:%d:%d %3s", wd, &d, mon, &y, &hh, &mm, &ss, gmt) != 8 ||
	    strcmp(gmt, "GMT") != 0 || (mo = month_number(mon)) < 0 || d < 1 || d > 31 ||
	    y < 1970 || y > 9999 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	s = (long)timegm(&tm) - now;
	return s > 0 ? s : 0;
}

/* 1 if the response header name is one we keep in the fetch line. */
static int
header_kept(const char *name)
{
	static const char *const exact[] = {
		"retry-after", "retry-after-ms", "etag", "last-modified", "date", NULL
	};
	static const char *const prefix[] = {
		"x-ratelimit", "ratelimit", "x-tokenlimit", NULL
	};

	for (int i = 0; exact[i] != NULL; i++)
		if (strcmp(name, exact[i]) == 0)
			return 1;
	for (int i = 0; prefix[i] != NULL; i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			return 1;
	return 0;
}

static void
response_reset(struct xfer *x)
{
	jv_free(x->r.headers);
	x->r.headers = jv_object();
	free(x->r.content_type);
	x->r.content_type = NULL;
	x->r.len = 0;
	x->retry_after_ms = -1;
	x->too_large = 0;
}

/* libcurl's header callback: one header line, no NUL, CRLF included. */
static size_t
on_header(char *buf, size_t size, size_t n, void *p)
{
	struct xfer *x = p;
	size_t len = size * n, nl, vl;
	char name[64], value[HTTP_MAX_VALUE + 1];
	const char *colon, *v, *end = buf + len;

	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		response_reset(x);	/* a new response: after a 100 or a redirect */
		return len;
	}
	if ((colon = memchr(buf, ':', len)) == NULL || (nl = (size_t)(colon - buf)) == 0 ||
	    nl >= sizeof name)
		return len;
	for (size_t i = 0; i < nl; i++)
		name[i] = (char)tolower((unsigned char)buf[i]);
	name[nl] = '\0';
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	vl = (size_t)(end - v) > HTTP_MAX_VALUE ? HTTP_MAX_VALUE : (size_t)(end - v);
	memcpy(value, v, vl);
	value[vl] = '\0';
	http_redact(value, vl, x->req->key);
	if (strcmp(name, "content-type") == 0) {
		free(x->r.content_type);
		x->r.content_type = strdup(value);
	} else if (strcmp(name, "retry-after-ms") == 0) {
		char *e;
		long ms = strtol(value, &e, 10);

		if (e != value && ms >= 0)
			x->retry_after_ms = ms;
	} else if (strcmp(name, "retry-after") == 0 && x->retry_after_ms < 0) {
		long s = http_retry_after(value, (long)time(NULL));

		if (s >= 0)
			x->retry_after_ms = s > 86400L * 365 ? 86400L * 365 * 1000 : s * 1000;
	}
	if (header_kept(name) && jv_object_length(jv_copy(x->r.headers)) < HTTP_MAX_HEADERS)
		x->r.headers = jv_object_set(x->r.headers, jv_string(name),
		    jv_string_sized(value, (int)vl));
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *p)
{
	struct xfer *x = p;
	size_t len = size * n;

	if (x->r.len + len > (size_t)x->max_size) {
		x->too_large = 1;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (x->r.len + len + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 64 << 10;
		char *b;

		while (cap < x->r.len + len + 1)
			cap *= 2;
		if ((b = realloc(x->r.body, cap)) == NULL)
			return 0;
		x->r.body = b;
		x->cap = cap;
	}
	memcpy(x->r.body + x->r.len, buf, len);
	x->r.len += len;
	x->r.body[x->r.len] = '\0';
	return len;
}

/* Scheme, host and port of u equal those of v (a key stays on its origin). */
int
http_same_origin(const char *u, const char *v)
{
	CURLU *a = curl_url(), *b = curl_url();
	static const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
	int same = a != NULL && b != NULL &&
	    curl_url_set(a, CURLUPART_URL, u, 0) == CURLUE_OK &&
	    curl_url_set(b, CURLUPART_URL, v, 0) == CURLUE_OK;

	for (size_t i = 0; same && i < sizeof parts / sizeof parts[0]; i++) {
		char *pa = NULL, *pb = NULL;

		same = curl_url_get(a, parts[i], &pa, CURLU_DEFAULT_PORT) == CURLUE_OK &&
		    curl_url_get(b, parts[i], &pb, CURLU_DEFAULT_PORT) == CURLUE_OK &&
		    strcasecmp(pa, pb) == 0;
		curl_free(pa);
		curl_free(pb);
	}
	curl_url_cleanup(a);
	curl_url_cleanup(b);
	return same;
}

/* Only http and https: a next page named by a provider goes nowhere else. */
static int
http_scheme(CURLU *u)
{
	char *scheme = NULL;
	int ok = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);

	curl_free(scheme);
	return ok;
}

char *
http_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *got = NULL, *s = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK && http_scheme(u) &&
	    curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK)
		s = strdup(got);
	curl_free(got);
	curl_url_cleanup(u);
	return s;
}

char *
http_with_param(const char *url, const char *name, const char *value)
{
	CURLU *u = curl_url();
	char *got = NULL, *s = NULL, *pair;
	size_t n = strlen(name) + strlen(value) + 2;

	if ((pair = malloc(n)) == NULL) {
		curl_url_cleanup(u);
		return NULL;
	}
	snprintf(pair, n, "%s=%s", name, value);
	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_QUERY, pair, CURLU_APPENDQUERY | CURLU_URLENCODE) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK)
		s = strdup(got);
	free(pair);
	curl_free(got);
	curl_url_cleanup(u);
	return s;
}

/* Free a header list after wiping it: one of its lines may hold the key. */
static void
headers_free(struct curl_slist *l)
{
	for (struct curl_slist *h = l; h != NULL; h = h->next)
		memset(h->data, 0, strlen(h->data));
	curl_slist_free_all(l);
}

/* Append "Name: value" (value may be two parts) to *l.  -1 when out of memory. */
static int
header_add(struct curl_slist **l, const char *name, const char *v1, const char *v2)
{
	size_t n = strlen(name) + strlen(v1) + (v2 ? strlen(v2) + 1 : 0) + 3;
	char *line = malloc(n);
	struct curl_slist *t;

	if (line == NULL)
		return -1;
	snprintf(line, n, "%s: %s%s%s", name, v1, v2 ? " " : "", v2 ? v2 : "");
	t = curl_slist_append(*l, line);
	memset(line, 0, n);
	free(line);
	if (t == NULL)
		return -1;
	*l = t;
	return 0;
}

static struct curl_slist *
request_headers(const struct xfer *x)
{
	const struct http_request *q = x->req;
	struct curl_slist *l = NULL;
	int bad = header_add(&l, "Accept", q->accept ? q->accept : "application/json", NULL);

	for (size_t i = 0; !bad && q->headers != NULL && q->headers[i] != NULL; i++) {
		struct curl_slist *t = curl_slist_append(l, q->headers[i]);

		if (t == NULL)
			bad = 1;
		else
			l = t;
	}
	if (!bad && q->key != NULL && x->with_key)
		bad = q->key_scheme ? header_add(&l, q->key_header, q->key_scheme, q->key) :
		    header_add(&l, q->key_header, q->key, NULL);
	if (!bad && q->etag != NULL && x->page == 1)
		bad = header_add(&l, "If-None-Match", q->etag, NULL);
	if (!bad && q->last_modified != NULL && x->page == 1)
		bad = header_add(&l, "If-Modified-Since", q->last_modified, NULL);
	if (!bad && x->post != NULL)
		bad = header_add(&l, "Content-Type", "application/json", NULL);
	if (bad) {
		headers_free(l);
		return NULL;
	}
	return l;
}

static CURL *
easy_new(struct xfer *x, const struct http_options *o)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	return e;
}

/* Start the next attempt of x.  -1 when out of memory (x is then failed). */
static int
xfer_start(struct xfer *x, CURLM *multi, const struct http_options *o, long long now)
{
	if (x->easy == NULL && (x->easy = easy_new(x, o)) == NULL)
		return -1;
	headers_free(x->sent);
	if ((x->sent = request_headers(x)) == NULL)
		return -1;
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->sent);
	if (x->post != NULL)
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->post);
	x->errbuf[0] = '\0';
	response_reset(x);
	if (curl_multi_add_handle(multi, x->easy) != CURLM_OK)
		return -1;
	if (!x->started) {
		x->first_start = now;
		x->started = 1;
	}
	x->r.attempts++;
	x->state = X_RUNNING;
	return 0;
}

/* Go on with the next page of x, at url (taken over; post too), from now. */
static void
xfer_next_page(struct xfer *x, char *url, char *post, long long now)
{
	free(x->url);
	free(x->page_url);
	free(x->post);
	x->post = post;
	x->url = url;
	x->page_url = strdup(url);
	x->with_key = http_same_origin(x->req->url, url);
	x->page++;
	x->started = 0;
	x->r.headers = jv_object();
	x->state = X_WAITING;
	x->due = now;
}

/* Hand a page of x over to the caller and forget it; go on if asked to. */
static void
xfer_finish(struct xfer *x, long long now, http_done_fn *done, void *ctx)
{
	char *next, *post;

	x->r.elapsed_ms = (long)(now - x->first_start);
	if (x->r.body != NULL)
		http_redact(x->r.body, x->r.len, x->req->key);
	http_redact(x->r.error, strlen(x->r.error), x->req->key);
	x->state = X_DONE;
	if (x->easy != NULL) {
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	headers_free(x->sent);
	x->sent = NULL;
	x->r.url = x->page_url != NULL ? x->page_url : x->url;
	x->r.page = x->page;
	x->r.next_post = NULL;
	next = done(ctx, x->index, &x->r);
	post = x->r.next_post;
	memset(&x->r, 0, sizeof x->r);
	x->r.headers = jv_invalid();
	x->cap = 0;
	if (next != NULL)
		xfer_next_page(x, next, post, now);
	else
		free(post);
}

static void
xfer_fail(struct xfer *x, const char *kind, const char *fmt, const char *detail)
{
	x->r.error_kind = kind;
	snprintf(x->r.error, sizeof x->r.error, fmt, detail);
}

/* Backoff before attempt number x->r.attempts + 1: doubling, equal jitter. */
static long
backoff(const struct xfer *x, const struct http_options *o)
{
	long d = o->backoff_ms;

	for (long i = 1; i < x->r.attempts && d < o->max_wait_ms; i++)
		d *= 2;
	if (d > o->max_wait_ms)
		d = o->max_wait_ms;
	return d / 2 + (long)(jitter_next() % (uint64_t)(d / 2 + 1));
}

/* The failure class of a libcurl error, and whether it is worth retrying. */
static const char *
classify(CURLcode rc, int too_large, int *retry)
{
	*retry = 0;
	if (too_large || rc == CURLE_FILESIZE_EXCEEDED)
		return "too_large";
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		*retry = 1;
		return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*retry = 1;
		return "dns";
	case CURLE_COULDNT_CONNECT:
		*retry = 1;
		return "connect";
	case CURLE_PARTIAL_FILE:
		*retry = 1;
		return "truncated";
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		*retry = 1;
		return "network";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return "tls";
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return "url";
	case CURLE_BAD_CONTENT_ENCODING:
		return "decoding";
	default:
		return "network";
	}
}

/* Follow a redirect: 1 if x goes on, 0 if it is over (failed or no Location). */
static int
redirect(struct xfer *x, const struct http_options *o, long long now)
{
	char *to = NULL, *copy;

	if (curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &to) != CURLE_OK || to == NULL)
		return 0;
	if (x->r.redirects >= o->max_redirects) {
		char n[32];

		snprintf(n, sizeof n, "%ld", o->max_redirects);
		xfer_fail(x, "redirects", "more than %s redirects", n);
		return 0;
	}
	if ((copy = strdup(to)) == NULL) {
		xfer_fail(x, "network", "%s", "out of memory");
		return 0;
	}
	if (x->with_key && !http_same_origin(x->req->url, copy))
		x->with_key = 0;	/* never hand a key to another origin */
	free(x->url);
	x->url = copy;
	x->r.redirects++;
	x->r.attempts--;	/* a redirect is not a new attempt */
	x->state = X_WAITING;
	x->due = now;
	return 1;
}

/* x's transfer ended with rc: retry it, redirect it, or finish it. */
static void
xfer_ended(struct xfer *x, CURLcode rc, const struct http_options *o, long long now,
    http_done_fn *done, void *ctx)
{
	int retry;
	long wait;
	const char *kind;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->r.status);
	if (rc == CURLE_OK) {
		long s = x->r.status;

		if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && redirect(x, o, now))
			return;
		if (x->r.error_kind == NULL && (s == 408 || s == 429 || s >= 500) &&
		    x->r.attempts <= o->retries) {
			if ((wait = x->retry_after_ms) < 0)
				wait = backoff(x, o);
			if (wait <= o->max_wait_ms) {
				x->state = X_WAITING;
				x->due = now + wait;
				return;
			}
		}
		xfer_finish(x, now, done, ctx);
		return;
	}
	kind = classify(rc, x->too_large, &retry);
	if (retry && x->r.attempts <= o->retries) {
		x->state = X_WAITING;
		x->due = now + backoff(x, o);
		return;
	}
	if (strcmp(kind, "too_large") == 0) {
		char n[32];

		snprintf(n, sizeof n, "%ld", o->max_size);
		xfer_fail(x, kind, "response body over %s bytes", n);
	} else
		xfer_fail(x, kind, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	xfer_finish(x, now, done, ctx);
}

static void
xfers_free(struct xfer *xs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (xs[i].easy != NULL)
			curl_easy_cleanup(xs[i].easy);
		headers_free(xs[i].sent);
		free(xs[i].url);
		free(xs[i].page_url);
		free(xs[i].post);
		http_response_free(&xs[i].r);
	}
	free(xs);
}

/* Start every waiting transfer that is due, up to the cap. */
static size_t
start_due(struct xfer *xs, size_t n, size_t running, CURLM *multi,
    const struct http_options *o, long long now, http_done_fn *done, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		struct xfer *x = &xs[i];

		if (x->state != X_WAITING || x->due > now || running >= (size_t)o->parallel)
			continue;
		if (xfer_start(x, multi, o, now) == -1) {
			if (!x->started)
				x->first_start = now;
			xfer_fail(x, "network", "%s", "could not start the transfer");
			xfer_finish(x, now, done, ctx);
			continue;
		}
		running++;
	}
	return running;
}

int
http_run(const struct http_request *reqs, size_t n, const struct http_options *o,
    http_done_fn *done, void *ctx)
{
	CURLM *multi;
	struct xfer *xs;
	size_t left = n, running = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (multi = curl_multi_init()) == NULL) {
		err_warn("libcurl could not be initialised");
		return -1;
	}
	if ((xs = calloc(n ? n : 1, sizeof *xs)) == NULL) {
		err_warn("out of memory");
		curl_multi_cleanup(multi);
		curl_global_cleanup();
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		xs[i].req = &reqs[i];
		xs[i].index = i;
		xs[i].url = strdup(reqs[i].url);
		xs[i].page_url = strdup(reqs[i].url);
		xs[i].page = 1;
		xs[i].with_key = 1;
		xs[i].max_size = o->max_size;
		xs[i].r.headers = jv_object();
		xs[i].state = X_WAITING;
		if (xs[i].url == NULL || xs[i].page_url == NULL) {
			err_warn("out of memory");
			xfers_free(xs, n);
			curl_multi_cleanup(multi);
			curl_global_cleanup();
			return -1;
		}
	}
	while (left > 0) {
		long long now = http_clock_ms(), wait = 1000;
		int still, queued;
		CURLMsg *m;

		running = start_due(xs, n, running, multi, o, now, done, ctx);
		curl_multi_perform(multi, &still);
		while ((m = curl_multi_info_read(multi, &queued)) != NULL) {
			struct xfer *x;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_multi_remove_handle(multi, m->easy_handle);
			running--;
			xfer_ended(x, m->data.result, o, http_clock_ms(), done, ctx);
		}
		/* Sleep until a socket event or the next waiting transfer is due. */
		left = 0;
		now = http_clock_ms();
		for (size_t i = 0; i < n; i++) {
			left += xs[i].state != X_DONE;
			if (xs[i].state == X_WAITING && running < (size_t)o->parallel &&
			    xs[i].due - now < wait)
				wait = xs[i].due - now;
		}
		if (left > 0 && wait > 0)
			curl_multi_poll(multi, NULL, 0, (int)wait, NULL);
	}
	xfers_free(xs, n);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return 0;
}

void
http_response_free(struct http_response *r)
{
	jv_free(r->headers);
	r->headers = jv_invalid();
	free(r->content_type);
	free(r->body);
	r->content_type = NULL;
	r->body = NULL;
}
