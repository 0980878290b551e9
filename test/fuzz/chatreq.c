/*
 * Fuzz harness: an OpenAI chat completion request read for routing
 * (chatreq_parse), then the body sent upstream (chatreq_body_for).
 *
 * Input: the request's JSON text; a first byte 'C' makes it a legacy
 * completion request (the rest is the text).  Checked: a request taken has
 * a sane routing query and up to 8 fallback ids without NUL; the body for
 * each model is a JSON object naming that model, without afmts_fallback.
 */
#include <string.h>

#include <jv.h>

#include "chatreq.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The body for model is an object naming it, without our extension. */
static void
check_body(const struct chatreq *r, const char *model)
{
	char *text = chatreq_body_for(r, model);
	jv v, m, f;

	FUZZ_CHECK(text != NULL);
	v = jv_parse(text);
	FUZZ_CHECK(jv_get_kind(v) == JV_KIND_OBJECT);
	m = jv_object_get(jv_copy(v), jv_string("model"));
	FUZZ_CHECK(jv_get_kind(m) == JV_KIND_STRING && strcmp(jv_string_value(m), model) == 0);
	f = jv_object_get(jv_copy(v), jv_string("afmts_fallback"));
	FUZZ_CHECK(!jv_is_valid(f) || jv_get_kind(f) == JV_KIND_NULL);
	jv_free(f);
	jv_free(m);
	jv_free(v);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chatreq r;
	int completion = size > 0 && data[0] == 'C';
	const char *text = (const char *)data + completion;
	size_t len = size - (size_t)completion;
	char *copy;

	if (len > 1 << 20)
		return 0;
	/* An exact copy: jv_parse_sized must not read past len. */
	if ((copy = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(copy, text, len);
	if (chatreq_parse(&r, copy, len, 1795435200, completion) == NULL) {
		FUZZ_CHECK(jv_get_kind(r.body) == JV_KIND_OBJECT);
		FUZZ_CHECK(r.q.min_context >= 0);
		FUZZ_CHECK(r.nfallback >= 0 && r.nfallback <= CHATREQ_MAX_FALLBACK);
		for (int i = 0; i < r.nfallback; i++) {
			FUZZ_CHECK(r.fallback[i][0] != '\0' && strlen(r.fallback[i]) <= 512);
			check_body(&r, r.fallback[i]);
		}
		check_body(&r, "vendor/model:free");
		chatreq_free(&r);
	}
	free(copy);
	return 0;
}
