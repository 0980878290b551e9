/*
 * Fuzz harness: one CGI request (routecgi_answer), from the query string and
 * the form body through form_parse, route_param and outcome_param.
 *
 * Input: six lines, REQUEST_METHOD, PATH_INFO, QUERY_STRING, CONTENT_TYPE,
 * CONTENT_LENGTH and the authenticated client ("" for none), then the body.
 * A missing line leaves its variable unset.  There is no catalog, so a valid
 * request ends in 503: what is fuzzed is everything before the catalog.
 * Checked: the answer is a CGI head with a Status line, its Content-Length
 * is the body's, and the body is one JSON value.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "fuzz.h"
#include "routecgi.h"

static const char *const vars[] = {
	"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH"
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("AFMTS_NOW", "2026-11-22T12:00:00Z", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p, *client = NULL, *answer = NULL, *body;
	size_t nanswer = 0;
	struct decider d;
	struct cgi_request req;
	FILE *in, *out;
	long length;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	p = text;
	for (size_t i = 0; i < 6; i++) {
		char *nl = memchr(p, '\n', (size_t)(text + size - p));

		if (nl == NULL) {
			for (; i < 5; i++)
				unsetenv(vars[i]);
			p = text + size;
			break;
		}
		*nl = '\0';
		if (strlen(p) != (size_t)(nl - p)) {	/* a NUL byte: no C string carries it */
			free(text);
			return 0;
		}
		if (i < 5)
			setenv(vars[i], p, 1);
		else if (*p != '\0')
			client = p;
		p = nl + 1;
	}
	/* fmemopen wants at least a byte: an empty body is a stream read to its end. */
	in = fmemopen(p, p < text + size ? (size_t)(text + size - p) : 1, "r");
	out = open_memstream(&answer, &nanswer);
	FUZZ_CHECK(in != NULL && out != NULL);
	if (p == text + size)
		fgetc(in);
	cgi_request(&req, in);
	decider_init(&d, NULL, 0, 0);
	routecgi_answer(&d, &req, out, client);
	fclose(in);
	fclose(out);

	FUZZ_CHECK(strncmp(answer, "Status: ", 8) == 0);
	body = memmem(answer, nanswer, "\r\n\r\n", 4);
	FUZZ_CHECK(body != NULL);
	body += 4;
	p = strstr(answer, "\r\nContent-Length: ");
	FUZZ_CHECK(p != NULL && p < body);
	length = strtol(p + 18, NULL, 10);
	if (getenv("REQUEST_METHOD") == NULL || strcmp(getenv("REQUEST_METHOD"), "HEAD") != 0) {
		jv v;

		FUZZ_CHECK(length == (long)(answer + nanswer - body));
		v = jv_parse_sized(body, (int)length);
		FUZZ_CHECK(jv_is_valid(v));
		jv_free(v);
	} else {
		FUZZ_CHECK(body == answer + nanswer);
	}
	free(answer);
	free(text);
	return 0;
}
