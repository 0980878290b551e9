/*
 * cgi: the one HTTP front door of afmts-route and afmts-gateway, under CGI
 * (RFC 3875) or FastCGI (fastcgi.h, which sets the same variables).
 *
 * A request is what the web server hands over: method, path, query string,
 * authorization and a body of at most a declared size, read whole and
 * checked before any handler sees it.  An answer is a head (status, content
 * type, the headers every answer carries) and a body; errors are JSON in
 * OpenAI's shape, {"error": {"message", "type", "param", "code"}}.
 */
#ifndef AFMTS_CGI_H
#define AFMTS_CGI_H

#include <stddef.h>
#include <stdio.h>

#define CGI_MAX_QUERY 2048	/* bytes of QUERY_STRING */

/* The CGI variables handlers read (fastcgi_serve's names), NULL-terminated. */
extern const char *const cgi_variables[];

struct cgi_request {
	const char	*method;	/* GET when unset */
	const char	*path;		/* PATH_INFO, "/" when unset */
	const char	*query;		/* QUERY_STRING, "" when unset */
	const char	*authorization;	/* HTTP_AUTHORIZATION, or NULL */
	int		 head;		/* HEAD: the answer's head alone */
	FILE		*in;		/* the body */
};

/* The request of the environment, its body on in. */
void cgi_request(struct cgi_request *r, FILE *in);

/* r's method is method (a HEAD is a GET). */
int cgi_method(const struct cgi_request *r, const char *method);

/*
 * Read r's body, CONTENT_LENGTH bytes of at most max, into *body (for the
 * caller to free; NUL-terminated) and *len.  Its CONTENT_TYPE must begin with
 * type (when absent: refused if required, else taken as type).  Returns 0, or
 * the HTTP status to answer (400, 411, 413, 415, 503) with *why saying why.
 */
int cgi_body(const struct cgi_request *r, const char *type, int required, size_t max,
    char **body, size_t *len, const char **why);

/* The reason phrase of an HTTP status. */
const char *cgi_reason(int status);

/*
 * The head of an answer: its status, content type (control characters
 * masked) and the headers every answer carries; add more with cgi_header,
 * end with cgi_head_end.
 */
void cgi_head(FILE *out, int status, const char *type);

/* One more header line; control characters (and so line breaks) in value become '?'. */
void cgi_header(FILE *out, const char *name, const char *value);

void cgi_head_end(FILE *out);

/*
 * Send the head of a 200 event stream now, before the answer is known (a
 * request that waits for a model says so with ": waiting" comments, whose
 * failing writes tell that its client went away).  Until the next request,
 * further heads are not written and errors go as an event, data: {"error": ...}.
 */
void cgi_commit_stream(FILE *out);

/* cgi_commit_stream was called for this request.  1 or 0. */
int cgi_committed(void);

/* OpenAI's error type for an HTTP status: invalid_request_error, requests (429), server_error. */
const char *cgi_error_type(int status);

/*
 * An error object in OpenAI's shape, {"error":{"message","type","param",
 * "code"}} and a newline; param and code are null when NULL.
 */
void cgi_error_json(FILE *out, const char *type, const char *msg, const char *param,
    const char *code);

/*
 * A whole error answer: head and error object (its type from the status,
 * code NULL for none); name, when not NULL, is one more header with its value.
 */
void cgi_fail(FILE *out, int status, const char *code, const char *msg, const char *name,
    const char *value);

#endif
