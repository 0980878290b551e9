/*
 * Fuzz harness: a paged model list taken page by page (pages_add), as
 * afmts-fetch does live and on replay.
 *
 * Input: the first byte picks the paging rule (OpenRouter's next URL and
 * total, Gemini's token, Anthropic's has_more and cursor, or none, with small
 * bounds) and the follow rule (none, llama-server's /props, Ollama's /api/ps
 * and /api/show per model, from 240 up OpenRouter's /api/v1/key asked with a
 * key, whose archived form is checked too) and the status of the pages after the first; the
 * rest is pages' bodies separated by a form feed, each the provider's answer
 * to the URL asked (an HTML one when it starts with '<').
 * Checked: every call ends in "more" with an http(s) URL on the first page's
 * origin (with a JSON object to POST only where the rule posts), or in one
 * record (an object of type "fetch" with either a body or an error naming the
 * page); a list never takes more pages than its bounds.
 */
#include <string.h>

#include <jv.h>

#include "fuzz.h"
#include "follow.h"
#include "http.h"
#include "pages.h"

static const char *const rules[] = {
	"{\"items\":\"data\",\"next_url\":\"links.next\",\"total\":\"total_count\",\"max_pages\":6}",
	"{\"items\":\"models\",\"token\":\"nextPageToken\",\"param\":\"pageToken\",\"max_pages\":6}",
	("{\"items\":\"data\",\"more\":\"has_more\",\"cursor\":\"last_id\",\"param\":\"after_id\","
	    "\"max_pages\":6,\"max_bytes\":4096}"),
	"null",
};

static const char *const follows[] = {
	"null",
	"[{\"as\":\"props\",\"url\":\"/props\"}]",
	("[{\"as\":\"ps\",\"url\":\"/api/ps\"},{\"as\":\"show\",\"url\":\"/api/show\","
	    "\"each\":\"models\",\"key\":\"name\",\"post\":\"model\",\"keep\":[\"capabilities\"]}]"),
	("[{\"as\":\"key\",\"url\":\"/api/v1/key\",\"when\":\"key\","
	    "\"keep\":[\"data.free_model_daily_requests.limit\",\"data.is_free_tier\"]}]"),
};

/* The follow rule of a first byte (OpenRouter's account step from 240 up: older inputs keep theirs). */
#define FOLLOW_OF(b) ((b) >= 240 ? 3 : (b) / 4 % 3)

#define FIRST "https://example.invalid/v1/models?limit=5"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/*
 * A page's meta as fetchline_meta makes it, asked at url; a page that starts
 * with '<' came as HTML, and after the first, status is one of 200, 304, 410
 * and 500 as the input's first byte says.
 */
static jv
meta_of(const char *url, const char *page, size_t len, int taken, unsigned char pick)
{
	static const int statuses[] = { 200, 200, 304, 410, 500 };
	int html = len > 0 && page[0] == '<';
	jv m = jv_object();

	m = jv_object_set(m, jv_string("type"), jv_string("fetch"));
	m = jv_object_set(m, jv_string("provider"), jv_string("p"));
	m = jv_object_set(m, jv_string("url"), jv_string(url));
	m = jv_object_set(m, jv_string("fetched_at"), jv_string("2026-11-29T00:00:00Z"));
	m = jv_object_set(m, jv_string("status"), jv_number(taken == 0 ? 200 :
	    statuses[pick / 12 % 5]));
	m = jv_object_set(m, jv_string("content_type"), jv_string(html ? "text/html" :
	    "application/json"));
	return jv_object_set(m, jv_string("headers"), jv_object());
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	struct pages *ps;
	char *url, *next = NULL, *post = NULL, *archived;
	size_t narchived;
	jv record = jv_invalid();
	int rc = 1, taken = 0;

	if (size == 0)
		return 0;
	ps = pages_new(jv_parse(rules[data[0] % 4]), jv_parse(follows[FOLLOW_OF(data[0])]));
	FUZZ_CHECK(ps != NULL);
	url = strdup(FIRST);
	FUZZ_CHECK(url != NULL);
	while (rc == 1) {
		const char *ff = memchr(p, '\f', (size_t)(end - p));
		size_t len = ff ? (size_t)(ff - p) : (size_t)(end - p);

		if (p >= end && taken > 0) {
			record = pages_cut(ps, "no more pages in the input");
			break;
		}
		if (pages_archived(ps, p, len, &archived, &narchived) == 1) {
			/* Only an account answer is archived changed: what its step keeps, or nothing. */
			jv a = jv_parse_sized(archived, (int)narchived);

			FUZZ_CHECK(FOLLOW_OF(data[0]) == 3);
			FUZZ_CHECK(narchived == 0 || (jv_get_kind(a) == JV_KIND_OBJECT &&
			    jv_object_length(jv_copy(a)) <= 1));
			jv_free(a);
			free(archived);
		}
		rc = pages_add(ps, meta_of(url, p, len, taken, data[0]), p, len, &next, &post, &record);
		taken++;
		FUZZ_CHECK(taken <= 6 + 1 + FOLLOW_MAX_REQUESTS || rc == 0);
		if (rc == 1) {
			FUZZ_CHECK(next != NULL && http_same_origin(FIRST, next));
			if (post != NULL) {
				jv b = jv_parse(post);

				FUZZ_CHECK(FOLLOW_OF(data[0]) == 2 && jv_get_kind(b) == JV_KIND_OBJECT);
				jv_free(b);
				free(post);
				post = NULL;
			}
			free(url);
			url = next;
			next = NULL;
		}
		p = ff ? ff + 1 : end;
	}
	FUZZ_CHECK(jv_get_kind(record) == JV_KIND_OBJECT);
	{
		jv t = jv_object_get(jv_copy(record), jv_string("type"));
		int has_body = jv_object_has(jv_copy(record), jv_string("body"));
		int has_error = jv_object_has(jv_copy(record), jv_string("error"));
		int other = jv_object_has(jv_copy(record), jv_string("body_text")) ||
		    jv_object_has(jv_copy(record), jv_string("retired"));

		FUZZ_CHECK(jv_get_kind(t) == JV_KIND_STRING && strcmp(jv_string_value(t), "fetch") == 0);
		FUZZ_CHECK(has_body || has_error || other);
		FUZZ_CHECK(!jv_object_has(jv_copy(record), jv_string("paging")));
		jv_free(t);
	}
	jv_free(record);
	free(url);
	pages_free(ps);
	return 0;
}
