/*
 * http: fetch many URLs at once with libcurl's multi interface, politely.
 *
 * Every request is in flight at the same time (up to a cap), each with its
 * own connect and total timeouts and a cap on the body size.  Timeouts,
 * connection errors, truncated bodies, 408, 429 and 5xx are retried with
 * exponential backoff and jitter, honouring Retry-After (seconds or an HTTP
 * date) and retry-after-ms up to a cap.  Redirects are followed here, not by
 * libcurl, so that a key is never sent to another origin than the one it was
 * meant for.  Every occurrence of a request's key in what came back is
 * overwritten before anyone sees the response.  A request may go on over
 * several pages: the callback names the next page's URL, which is fetched
 * with the same key, headers and retry rules.
 */
#ifndef AFMTS_HTTP_H
#define AFMTS_HTTP_H

#include <stddef.h>

#include <jv.h>

/* One request.  The strings are borrowed and must outlive http_run. */
struct http_request {
	const char *name;		/* provider, for messages */
	const char *url;
	const char *accept;		/* Accept header, or NULL */
	const char *key;		/* the secret, or NULL */
	const char *key_header;		/* header carrying it ("Authorization") */
	const char *key_scheme;		/* "Bearer", or NULL for the bare key */
	const char *etag;		/* validators of the last good answer, or NULL */
	const char *last_modified;	/* (sent with the first page only) */
	const char *const *headers;	/* more "Name: value" lines, NULL-terminated; or NULL */
};

struct http_options {
	long parallel;			/* transfers at once */
	long connect_ms;		/* per attempt */
	long timeout_ms;		/* per attempt, whole transfer */
	long max_size;			/* body bytes, decoded */
	long retries;			/* extra attempts after the first */
	long backoff_ms;		/* first backoff; doubles each retry */
	long max_wait_ms;		/* longest wait honoured between attempts */
	long max_redirects;
	const char *cacert;		/* CA bundle, or NULL for the system's */
	const char *user_agent;
};

/* What came back for one request, after retries and redirects. */
struct http_response {
	const char *url;		/* the URL asked for (borrowed: valid in the callback) */
	long page;			/* 1, then 2... when the callback asked for more */
	long status;			/* last HTTP status, 0 when none */
	long elapsed_ms;		/* from the first attempt to the end */
	long attempts;
	long redirects;
	jv headers;			/* selected headers, lower-case names */
	char *content_type;		/* or NULL */
	char *body;			/* NUL-terminated; len bytes */
	size_t len;
	const char *error_kind;		/* NULL, or "timeout", "connect", ... */
	char error[256];		/* what went wrong, one line */
	char *next_post;		/* set by the callback with a next URL: a JSON
					   body to POST there (malloc'ed; http_run frees) */
};

/*
 * Called once per page of a request as soon as it is over; the callback owns
 * r's headers, content_type and body (http_response_free releases them).  It
 * returns NULL when the request is over, or the URL of its next page
 * (malloc'ed; http_run frees it), which the key reaches only if it is on the
 * request's own origin.
 */
typedef char *http_done_fn(void *ctx, size_t index, struct http_response *r);

/*
 * Fetch reqs[0..n) and call done for each.  Returns 0, or -1 when libcurl
 * could not be set up (reported).
 */
int http_run(const struct http_request *reqs, size_t n, const struct http_options *o,
    http_done_fn *done, void *ctx);

/* Release what a response owns. */
void http_response_free(struct http_response *r);

/* Defaults for the options above. */
void http_defaults(struct http_options *o);

/*
 * Overwrite every occurrence of secret (when at least 8 bytes long) in
 * buf[0..len) with '*'.  Returns how many were found.
 */
size_t http_redact(char *buf, size_t len, const char *secret);

/*
 * Seconds to wait from a Retry-After value: delta-seconds or an HTTP date
 * (IMF-fixdate) compared with now.  -1 when it is neither.
 */
long http_retry_after(const char *value, long now);

/* Milliseconds on the monotonic clock: for deadlines and elapsed times. */
long long http_clock_ms(void);

/* 1 if the scheme, host and port of URLs u and v are the same. */
int http_same_origin(const char *u, const char *v);

/* ref (absolute, or relative such as "/v1/models?offset=500") resolved
 * against base: a new http(s) URL (caller frees), or NULL. */
char *http_resolve(const char *base, const char *ref);

/* url with the query parameter name=value appended, value URL-encoded: a new
 * URL (caller frees), or NULL. */
char *http_with_param(const char *url, const char *name, const char *value);

#endif
