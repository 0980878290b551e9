/*
 * Fuzz harness: a local server's answer to afmts-route's probe (probe_answer:
 * the HTTP head, a chunked body) and the /slots answer in it (probe_slots).
 *
 * Input: the answer's bytes as they came off the socket.  Checked: a status
 * is 0 or 100..599; the body fits where it was put, NUL-terminated; the slots
 * counted are never fewer than the busy ones, nor more than the bytes allow.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "probe.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), body[4096];
	size_t len = 0;
	int status, total, busy;

	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);
	status = probe_answer(buf, size, body, sizeof body, &len);
	FUZZ_CHECK(status == 0 || (status >= 100 && status <= 599));
	FUZZ_CHECK(len < sizeof body && body[len] == '\0');
	if (probe_slots(body, len, &total, &busy) == 0)
		FUZZ_CHECK(busy >= 0 && busy <= total && (size_t)total <= len / 15);
	/* And the raw bytes as a /slots body. */
	if (probe_slots((const char *)data, size, &total, &busy) == 0)
		FUZZ_CHECK(busy >= 0 && busy <= total && (size_t)total <= size / 15);
	free(buf);
	return 0;
}
