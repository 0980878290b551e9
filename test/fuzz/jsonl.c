/*
 * Fuzz harness: the JSON lines reader (jsonl.c) and the plain scanners that
 * read usage and model lines without libjq (usage_scan, model_scan), checked
 * against libjq and the check functions as test/unit/test_usage.c and
 * test_modelscan.c do.
 *
 * Input: a flags byte (odd: lines over 64 bytes are too long), then the
 * lines.  Checked: every line a plain scanner takes is valid and read the
 * same by libjq plus usage_check or model_check; a value written back by
 * jsonl_text reads back to the same text; a string jsonl_plain_string takes
 * is the string libjq reads there.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jv.h>

#include "fuzz.h"
#include "jsonl.h"
#include "model.h"
#include "modelscan.h"
#include "usagecheck.h"
#include "../agree.h"


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* usage_scan on line takes only what libjq and usage_check take, and reads it the same. */
static void
check_usage(const char *line, size_t len, jv v)
{
	char *copy = malloc(len ? len : 1);
	struct usage fast, slow;

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, line, len);
	if (usage_scan(copy, len, &fast)) {
		FUZZ_CHECK(jv_get_kind(v) == JV_KIND_OBJECT);
		FUZZ_CHECK(usage_check(v, &slow) == NULL);
		FUZZ_CHECK(agree_usage(&fast, &slow));
	}
	free(copy);
}

/* model_scan takes only what libjq and model_check take, and reads it the same. */
static void
check_model(const char *line, size_t len, jv v)
{
	char *copy = malloc(len ? len : 1), *text;
	struct model_scan ms;

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, line, len);
	if (model_scan(copy, len, &ms)) {
		FUZZ_CHECK(jv_get_kind(v) == JV_KIND_OBJECT);
		FUZZ_CHECK(model_check(v) == NULL);
		/* The line less observed_at is, byte for byte, what the libjq path stores. */
		text = jsonl_text_without(jv_copy(v), "observed_at", NULL);
		FUZZ_CHECK(text != NULL && strlen(text) == len - ms.cut_len);
		FUZZ_CHECK(memcmp(text, line, ms.cut) == 0);
		FUZZ_CHECK(memcmp(text + ms.cut, line + ms.cut + ms.cut_len, len - ms.cut - ms.cut_len) == 0);
		free(text);
		for (int m = 0; m < MODEL_NMEMBERS; m++) {
			jv x = jv_object_get(jv_copy(v), jv_string(model_member_name(m)));

			FUZZ_CHECK(agree_value(x, &ms.member[m]));
			jv_free(x);
		}
		{
			jv x = jv_object_get(jv_copy(v), jv_string("key_env"));

			FUZZ_CHECK(agree_value(x, &ms.key_env));
			jv_free(x);
		}
	}
	free(copy);
}

/* A string jsonl_plain_string takes is libjq's string there, byte for byte. */
static void
check_plain_strings(const char *line, size_t len)
{
	const char *end = line + len, *p = line;
	int tries = 0;

	while (tries++ < 8 && (p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		size_t n;
		const char *after = jsonl_plain_string(p, end, &n);

		if (after != NULL) {
			jv s = jv_parse_sized(p, (int)(after - p));

			FUZZ_CHECK(after <= end && (size_t)(after - p) == n + 2);
			FUZZ_CHECK(jv_get_kind(s) == JV_KIND_STRING);
			FUZZ_CHECK(jv_string_length_bytes(jv_copy(s)) == (int)n);
			FUZZ_CHECK(memcmp(jv_string_value(s), p + 1, n) == 0);
			jv_free(s);
		}
		p++;
	}
}

/* Writing v back and reading it gives the same text again. */
static void
check_round_trip(jv v)
{
	size_t n, m;
	char *text = jsonl_text(v, &n), *again;
	jv back;

	FUZZ_CHECK(text != NULL && strlen(text) == n);
	back = jv_parse_sized(text, (int)n);
	FUZZ_CHECK(jv_is_valid(back));
	again = jsonl_text(back, &m);
	FUZZ_CHECK(again != NULL && m == n && memcmp(again, text, n) == 0);
	free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonl_reader *r;
	int fd, rc, lines = 0;
	FILE *fp;

	if (size == 0)
		return 0;
	FUZZ_CHECK((fd = memfd_create("fuzz-jsonl", 0)) >= 0);
	FUZZ_CHECK(write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	FUZZ_CHECK((fp = fdopen(fd, "r")) != NULL);
	FUZZ_CHECK((r = jsonl_open(fp, "fuzz", data[0] & 1 ? 64 : JSONL_MAX_LINE)) != NULL);
	for (;;) {
		const char *line;
		size_t len;
		jv v;

		rc = jsonl_next_line(r, &line, &len);
		if (rc == 0 || rc == -2)
			break;
		if (rc == -1)
			continue;
		FUZZ_CHECK(rc == 1);
		FUZZ_CHECK(jsonl_line(r) > (unsigned long)lines);
		lines++;
		if (jsonl_parse(r, line, len, &v) != 1)
			v = jv_invalid();
		check_usage(line, len, v);
		check_model(line, len, v);
		check_plain_strings(line, len);
		if (jv_is_valid(v))
			check_round_trip(v);
		else
			jv_free(v);
	}
	jsonl_close(r);
	fclose(fp);
	return 0;
}
