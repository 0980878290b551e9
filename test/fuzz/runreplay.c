/*
 * Fuzz harness: a run archive replayed (runreplay_open, runreplay_next), as
 * afmts-fetch --replay reads one.
 *
 * Input: the archive file's bytes (any compression libarchive reads).
 * Checked: every answer given back is a fetch record (an object of type
 * "fetch" naming its provider) with a body of the length said, NUL-ended,
 * no larger than the bound; a damaged entry is skipped, a broken archive
 * ends the replay.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "fuzz.h"
#include "runarchive.h"

#define MAX_BODY (64 << 10)

static char path[4096];
static int fd = -1;

static void
cleanup(void)
{
	if (fd >= 0)
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "%s/afmts-fuzz-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK((fd = mkstemp(path)) >= 0);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runreplay *r;
	int rc, answers = 0;

	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	if ((r = runreplay_open(path, MAX_BODY)) == NULL)
		return 0;
	while (answers++ < 10000) {
		jv meta, t, p;
		char *body;
		size_t len;

		rc = runreplay_next(r, &meta, &body, &len);
		FUZZ_CHECK(rc >= -2 && rc <= 1);
		if (rc == 0 || rc == -2)
			break;
		if (rc == -1) {
			FUZZ_CHECK(body == NULL);
			continue;
		}
		FUZZ_CHECK(jv_get_kind(meta) == JV_KIND_OBJECT);
		t = jv_object_get(jv_copy(meta), jv_string("type"));
		p = jv_object_get(jv_copy(meta), jv_string("provider"));
		FUZZ_CHECK(jv_get_kind(t) == JV_KIND_STRING && strcmp(jv_string_value(t), "fetch") == 0);
		FUZZ_CHECK(jv_get_kind(p) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(p)) > 0);
		if (body != NULL)
			FUZZ_CHECK(len <= MAX_BODY && body[len] == '\0');
		else
			FUZZ_CHECK(len == 0);
		jv_free(t);
		jv_free(p);
		jv_free(meta);
		free(body);
	}
	runreplay_close(r);
	return 0;
}
