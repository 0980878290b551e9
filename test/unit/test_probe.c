/*
 * Unit tests of lib/route/probe.c: /slots answers counted as libjq counts
 * them (real llama-server answers, then hostile ones), HTTP answers read,
 * URLs refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "probe.h"
#include "unit.h"

/* The slots and busy ones in text, counted with libjq: -1 when it is no array of slots. */
static int
jq_slots(const char *text, int *busy)
{
	jv v = jv_parse(text);
	int n = -1;

	*busy = 0;
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		n = 0;
		jv_array_foreach(v, i, slot) {
			jv p = jv_object_get(slot, jv_string("is_processing"));

			n += jv_get_kind(p) == JV_KIND_TRUE || jv_get_kind(p) == JV_KIND_FALSE;
			*busy += jv_get_kind(p) == JV_KIND_TRUE;
			jv_free(p);
			(void)i;
		}
	}
	jv_free(v);
	return n;
}

static char *
slurp(const char *name)
{
	const char *root = getenv("AFMTS_DATADIR") ? getenv("AFMTS_DATADIR") : ".";
	char path[1024];
	FILE *fp;
	char *buf = calloc(1, 1 << 20);
	size_t n;

	snprintf(path, sizeof path, "%s/test/fixtures/real/llamacpp/%s", root, name);
	if (buf == NULL || (fp = fopen(path, "r")) == NULL) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

void
test_probe_counts_slots_as_libjq_does(void)
{
	static const char *const files[] = { "slots-idle.json", "slots-busy.json" };
	static const char *const texts[] = {
		"[{\"id\":0,\"is_processing\":true},{\"id\":1,\"is_processing\":false},"
		    "{\"id\":2,\"is_processing\" : true}]",
		/* The name inside a string, or deeper down, is no slot's. */
		"[{\"id\":0,\"prompt\":\"\\\"is_processing\\\":true\",\"is_processing\":false}]",
		"[{\"id\":0,\"params\":{\"is_processing\":true},\"is_processing\":false}]",
		"[]",
	};
	int total, busy, jbusy;

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *t = slurp(files[i]);

		CHECK(t != NULL);
		if (t == NULL)
			continue;
		CHECK(probe_slots(t, strlen(t), &total, &busy) == 0);
		CHECK(total == jq_slots(t, &jbusy) && busy == jbusy && total > 0);
		free(t);
	}
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		int n = jq_slots(texts[i], &jbusy);
		int rc = probe_slots(texts[i], strlen(texts[i]), &total, &busy);

		CHECK(n == 0 ? rc == -1 : rc == 0 && total == n && busy == jbusy);
	}
	/* Not /slots answers at all. */
	CHECK(probe_slots("{\"status\":\"ok\"}", 15, &total, &busy) == -1);
	CHECK(probe_slots("[{\"is_processing\":", 18, &total, &busy) == -1);
	CHECK(probe_slots("", 0, &total, &busy) == -1);
}

void
test_probe_reads_answers_and_refuses_urls(void)
{
	char buf[256], body[64];
	size_t len;

	snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]");
	CHECK(probe_answer(buf, strlen(buf), body, sizeof body, &len) == 200 && len == 2 &&
	    strcmp(body, "[]") == 0);
	snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\n[{}\r\n1\r\n]\r\n0\r\n\r\n");
	CHECK(probe_answer(buf, strlen(buf), body, sizeof body, &len) == 200 && len == 4 &&
	    strcmp(body, "[{}]") == 0);
	snprintf(buf, sizeof buf, "HTTP/1.1 503 Service Unavailable\r\n\r\n{\"error\":{}}");
	CHECK(probe_answer(buf, strlen(buf), body, sizeof body, &len) == 503);
	snprintf(buf, sizeof buf, "SSH-2.0-OpenSSH_9.2\r\n");
	CHECK(probe_answer(buf, strlen(buf), body, sizeof body, &len) == 0);
	/* A body longer than the room for it is cut, NUL-terminated. */
	snprintf(buf, sizeof buf, "HTTP/1.0 200 OK\r\n\r\n0123456789");
	CHECK(probe_answer(buf, strlen(buf), body, 5, &len) == 200 && len == 4 &&
	    strcmp(body, "0123") == 0);
	CHECK(probe_get("https://127.0.0.1/slots", 10, body, sizeof body, &len) == -1);
	CHECK(probe_get("http://user@127.0.0.1/slots", 10, body, sizeof body, &len) == -1);
	CHECK(probe_get("http://127.0.0.1:99999/slots", 10, body, sizeof body, &len) == -1);
	CHECK(probe_get("http://127.0.0.1", 10, body, sizeof body, &len) == -1);
	CHECK(probe_get("http://a\r\nX: y/slots", 10, body, sizeof body, &len) == -1);
	/* Nothing listens on port 1: no answer, at once. */
	CHECK(probe_get("http://127.0.0.1:1/slots", 50, body, sizeof body, &len) == 0);
}
