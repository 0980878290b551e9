/*
 * cgi: requests in, heads and errors out, the same for every handler.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "jsonw.h"

const char *const cgi_variables[] = {
	"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE",
	"HTTP_AUTHORIZATION", NULL
};

/* The head of a stream went out before its answer was known (cgi_commit_stream). */
static int committed;

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : dflt;
}

void
cgi_request(struct cgi_request *r, FILE *in)
{
	committed = 0;
	r->method = env_or("REQUEST_METHOD", "GET");
	r->path = env_or("PATH_INFO", "/");
	r->query = env_or("QUERY_STRING", "");
	r->authorization = getenv("HTTP_AUTHORIZATION");
	r->head = strcmp(r->method, "HEAD") == 0;
	r->in = in;
}

int
cgi_method(const struct cgi_request *r, const char *method)
{
	return strcmp(r->method, method) == 0 || (r->head && strcmp(method, "GET") == 0);
}

/* CONTENT_LENGTH as a number of at most max bytes into *len: 0, or a status. */
static int
content_length(size_t max, size_t *len)
{
	const char *cl = getenv("CONTENT_LENGTH");
	unsigned long long n;
	char *end;

	if (cl == NULL || *cl == '\0')
		return 411;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (*end != '\0' || errno != 0 || *cl < '0' || *cl > '9')
		return 400;
	if (n > max)
		return 413;
	*len = (size_t)n;
	return 0;
}

int
cgi_body(const struct cgi_request *r, const char *type, int required, size_t max,
    char **body, size_t *len, const char **why)
{
	const char *ct = getenv("CONTENT_TYPE");
	size_t want = 0;
	int status;

	*body = NULL;
	*len = 0;
	if ((ct == NULL || *ct == '\0') ? required : strncmp(ct, type, strlen(type)) != 0) {
		*why = strcmp(type, "application/json") == 0 ? "send application/json" :
		    "send application/x-www-form-urlencoded";
		return 415;
	}
	if ((status = content_length(max, &want)) != 0) {
		*why = status == 411 ? "a Content-Length is required" : status == 413 ?
		    "the body is larger than this endpoint takes" : "the Content-Length is not a number";
		return status;
	}
	if ((*body = malloc(want + 1)) == NULL) {
		*why = "out of memory";
		return 503;
	}
	*len = fread(*body, 1, want, r->in);
	(*body)[*len] = '\0';
	/* A NUL byte is in no form and in no JSON text: refused here, for both. */
	if (*len != want || memchr(*body, '\0', *len) != NULL) {
		*why = "the body could not be read";
		free(*body);
		*body = NULL;
		return 400;
	}
	return 0;
}

const char *
cgi_reason(int status)
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

static void
header_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

void
cgi_head(FILE *out, int status, const char *type)
{
	if (committed)
		return;
	fprintf(out, "Status: %d %s\r\n", status, cgi_reason(status));
	cgi_header(out, "Content-Type", type);
	fputs("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n", out);
	/* A stream must reach the client as it is written, not when nginx's buffer fills. */
	if (strncmp(type, "text/event-stream", 17) == 0)
		fputs("X-Accel-Buffering: no\r\n", out);
}

void
cgi_header(FILE *out, const char *name, const char *value)
{
	if (committed)
		return;
	fprintf(out, "%s: ", name);
	header_text(out, value);
	fputs("\r\n", out);
}

void
cgi_head_end(FILE *out)
{
	if (!committed)
		fputs("\r\n", out);
}

void
cgi_commit_stream(FILE *out)
{
	if (committed)
		return;
	cgi_head(out, 200, "text/event-stream");
	cgi_head_end(out);
	committed = 1;
}

int
cgi_committed(void)
{
	return committed;
}

const char *
cgi_error_type(int status)
{
	if (status == 429)
		return "requests";
	return status >= 500 ? "server_error" : "invalid_request_error";
}

/* A JSON string, or null for NULL. */
static void
str_or_null(FILE *out, const char *s)
{
	if (s == NULL || *s == '\0')
		fputs("null", out);
	else
		jsonw_str(out, s);
}

void
cgi_error_json(FILE *out, const char *type, const char *msg, const char *param,
    const char *code)
{
	if (committed)
		fputs("data: ", out);
	fputs("{\"error\":{\"message\":", out);
	jsonw_str(out, msg);
	jsonw_key(out, "type", 0);
	jsonw_str(out, type);
	jsonw_key(out, "param", 0);
	str_or_null(out, param);
	jsonw_key(out, "code", 0);
	str_or_null(out, code);
	fputs(committed ? "}}\n\n" : "}}\n", out);
}

void
cgi_fail(FILE *out, int status, const char *code, const char *msg, const char *name,
    const char *value)
{
	cgi_head(out, status, "application/json");
	if (name != NULL)
		cgi_header(out, name, value);
	cgi_head_end(out);
	cgi_error_json(out, cgi_error_type(status), msg, NULL, code);
}
