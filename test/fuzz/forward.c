/*
 * Fuzz harness: a provider's answer as libcurl hands it to afmts-gateway
 * (forward_header, forward_body: status line, headers, a JSON answer or an
 * event stream scanned for usage), then forward_settle.
 *
 * Input: a flags byte (1: the client asked for a stream, 2: the transfer
 * fails at the end, 4: no key), a byte giving the size of the body's pieces
 * (0: one piece), then header lines up to an empty line, then the body.
 * Checked: the key never reaches the client, the kept answer, the error
 * texts, the content type or the headers kept, however the body is cut;
 * token counts and cost are in range; the head is ended when the body comes;
 * a stream passed on ends whole ([DONE]) or as a failure (cut, error event).
 */
#define _GNU_SOURCE	/* memmem, open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "fuzz.h"
#include "usage.h"

#define KEY "sk-fuzz-0123456789abcdef"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* What afmts-gateway writes before a stream: the response head. */
static void
commit(void *arg, const char *content_type)
{
	fprintf(arg, "Status: 200 OK\r\nContent-Type: %s\r\n\r\n", content_type);
}

static void
no_key(const char *s, size_t n)
{
	FUZZ_CHECK(s == NULL || memmem(s, n, KEY, sizeof KEY - 1) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attempt *a;
	char *out = NULL, *p, *end, *copy;
	size_t nout = 0, piece;
	const char *failed = NULL;
	int flags, rc;

	if (size < 2 || size > (1 << 20))
		return 0;
	flags = data[0];
	piece = data[1];
	/* A copy without the two bytes, so that a read past the body's end is caught. */
	FUZZ_CHECK((copy = malloc(size - 2 ? size - 2 : 1)) != NULL);
	memcpy(copy, data + 2, size - 2);
	p = copy;
	end = copy + size - 2;
	FUZZ_CHECK((a = calloc(1, sizeof *a)) != NULL);
	a->key = flags & 4 ? NULL : KEY;
	a->stream = flags & 1;
	a->retry_after = -1;
	FUZZ_CHECK((a->client = open_memstream(&out, &nout)) != NULL);
	a->commit = commit;
	a->commit_arg = a->client;

	/* The head, a line a call as libcurl gives it (with its line end): the status line first. */
	for (int first = 1;; first = 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		FUZZ_CHECK(forward_header(p, 1, n, a) == n);
		p += n;
		if (nl == NULL || (!first && n <= 2 && (n == 1 || p[-2] == '\r')))
			break;
	}
	if (p < end)
		FUZZ_CHECK(!a->in_head);
	while (p < end) {
		size_t n = piece == 0 || (size_t)(end - p) < piece ? (size_t)(end - p) : piece;

		if (forward_body(p, 1, n, a) != n) {
			failed = "Failed writing received data to disk/application";
			break;
		}
		p += n;
	}
	if (failed == NULL && (flags & 2))
		failed = "Operation timed out";
	rc = forward_settle(a, failed);
	fclose(a->client);

	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(a->nanswer <= FORWARD_MAX_ANSWER);
	if (a->has_usage)
		FUZZ_CHECK(a->prompt_tokens >= 0 && a->completion_tokens >= 0);
	if (a->has_cost)
		FUZZ_CHECK(a->cost >= 0 && a->cost <= USAGE_MAX_COST);
	FUZZ_CHECK(a->retry_after >= -1 && a->retry_after < 86400 * 7);
	/* A stream passed on is whole (its [DONE] seen), or ends as a failure. */
	if (a->committed)
		FUZZ_CHECK(rc == 0 && a->stream && (a->status == 200 ? a->done_seen &&
		    !a->stream_error : a->status >= 400 && a->status <= 599));
	else
		FUZZ_CHECK(nout == 0);
	if (a->key != NULL) {
		no_key(out, nout);
		no_key(a->answer, a->nanswer);
		no_key(a->error, strlen(a->error));
		no_key(a->message, strlen(a->message));
		no_key(a->etype, strlen(a->etype));
		no_key(a->ecode, strlen(a->ecode));
		no_key(a->request_id, strlen(a->request_id));
		no_key(a->content_type, strlen(a->content_type));
		for (int i = 0; i < a->nheader; i++)
			no_key(a->header[i], strlen(a->header[i]));
	}
	forward_done(a);
	free(out);
	free(a);
	free(copy);
	return 0;
}
