/*
 * Unit tests of lib/discover/http.c helpers, lib/discover/fetchline.c,
 * lib/discover/condcache.c and pagerule.c's dotted paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "condcache.h"
#include "fetchline.h"
#include "http.h"
#include "pagerule.h"
#include "unit.h"

void
test_http_redacts_every_copy_of_a_key(void)
{
	char buf[] = "a sk-0123456789 b sk-0123456789sk-0123456789 c";
	char shortkey[] = "x short x";

	CHECK(http_redact(buf, strlen(buf), "sk-0123456789") == 3);
	CHECK(strcmp(buf, "a ************* b ************************** c") == 0);
	CHECK(http_redact(shortkey, strlen(shortkey), "short") == 0);	/* too short to be a key */
	CHECK(http_redact(buf, strlen(buf), NULL) == 0);
}

void
test_http_reads_retry_after_seconds_and_dates(void)
{
	long now = 784111777;	/* Sun, 06 Nov 1994 08:49:37 GMT */

	CHECK(http_retry_after("120", now) == 120);
	CHECK(http_retry_after(" 0 ", now) == 0);
	CHECK(http_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now) == 60);
	CHECK(http_retry_after("Sun, 06 Nov 1994 08:48:37 GMT", now) == 0);	/* past */
	CHECK(http_retry_after("-5", now) == -1);
	CHECK(http_retry_after("soon", now) == -1);
	CHECK(http_retry_after("12abc", now) == -1);
	CHECK(http_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now) == -1);
	CHECK(http_retry_after("Sun, 06 Nov 1994 08:49:37 CET", now) == -1);
}

/* The fetch line for a meta of this status and content type, and this body. */
static jv
line_of(int status, const char *ctype, const char *body)
{
	jv m = jv_object_set(jv_object(), jv_string("type"), jv_string("fetch"));

	m = jv_object_set(m, jv_string("status"), jv_number(status));
	if (ctype != NULL)
		m = jv_object_set(m, jv_string("content_type"), jv_string(ctype));
	return fetchline_finish(m, body, body ? strlen(body) : 0);
}

/* The string at .a.b of v (borrowed), or "" when absent. */
static const char *
at(jv v, const char *a, const char *b)
{
	static char out[256];
	jv x = jv_object_get(jv_copy(v), jv_string(a));

	if (b != NULL && jv_get_kind(x) == JV_KIND_OBJECT)
		x = jv_object_get(x, jv_string(b));
	snprintf(out, sizeof out, "%s", jv_get_kind(x) == JV_KIND_STRING ? jv_string_value(x) : "");
	jv_free(x);
	return out;
}

void
test_fetchline_decides_body_text_or_error(void)
{
	jv l;

	l = line_of(200, "application/json; charset=utf-8", "{\"data\":[]}");
	CHECK(fetchline_ok(l) && jv_object_has(jv_copy(l), jv_string("body")));
	jv_free(l);
	l = line_of(200, "text/html", "<html>x</html>");
	CHECK(strcmp(at(l, "body_text", NULL), "<html>x</html>") == 0);
	jv_free(l);
	l = line_of(200, NULL, " [1, 2]");	/* no type, but it looks like JSON */
	CHECK(jv_object_has(jv_copy(l), jv_string("body")));
	jv_free(l);
	l = line_of(200, "application/json", "{\"data\": [");
	CHECK(!fetchline_ok(l) && strcmp(at(l, "error", "kind"), "bad_json") == 0);
	jv_free(l);
	l = line_of(200, "application/json", "{} {}");
	CHECK(strcmp(at(l, "error", "kind"), "bad_json") == 0);
	jv_free(l);
	l = line_of(204, "application/json", "");
	CHECK(strcmp(at(l, "error", "kind"), "empty") == 0);
	jv_free(l);
	l = line_of(304, NULL, NULL);
	CHECK(fetchline_ok(l) && jv_get_kind(jv_object_get(jv_copy(l), jv_string("not_modified"))) == JV_KIND_TRUE);
	jv_free(l);
	l = line_of(429, "application/json", "{\"error\":{\"message\":\"Rate\\nlimited\"}}");
	CHECK(strcmp(at(l, "error", "message"), "HTTP 429: Rate limited") == 0);
	CHECK(strcmp(at(l, "error", "kind"), "http") == 0);
	jv_free(l);
	l = line_of(503, "text/plain", "  down \r\n\t for maintenance  ");
	CHECK(strcmp(at(l, "error", "message"), "HTTP 503: down for maintenance") == 0);
	jv_free(l);
	l = line_of(401, NULL, NULL);
	CHECK(strcmp(at(l, "error", "message"), "HTTP 401") == 0);
	jv_free(l);
	l = line_of(200, "text/plain", "caf\xc3\xa9 \xff");	/* bad UTF-8 is replaced, not passed on */
	CHECK(strcmp(at(l, "body_text", NULL), "caf\xc3\xa9 \xef\xbf\xbd") == 0);
	jv_free(l);
}

void
test_fetchline_keeps_a_transport_error_and_no_body(void)
{
	struct http_response r = { .status = 0, .attempts = 4, .elapsed_ms = 12,
		.error_kind = "timeout", .error = "took too long" };
	jv m, l;

	r.headers = jv_object();
	m = fetchline_meta("p", "http://x/", "2026-01-01T00:00:00Z", &r);
	l = fetchline_finish(m, "{}", 2);
	CHECK(!fetchline_ok(l));
	CHECK(strcmp(at(l, "error", "kind"), "timeout") == 0);
	CHECK(strcmp(at(l, "provider", NULL), "p") == 0);
	CHECK(!jv_object_has(jv_copy(l), jv_string("body")));
	jv_free(l);
	jv_free(r.headers);
}

void
test_condcache_saves_loads_and_checks_validators(void)
{
	char dir[] = "/tmp/afmts-unit-XXXXXX";
	struct condcache_entry e;
	jv h;
	char path[64];

	CHECK(mkdtemp(dir) != NULL);
	h = jv_object_set(jv_object(), jv_string("etag"), jv_string("W/\"abc\""));
	h = jv_object_set(h, jv_string("last-modified"), jv_string("bad\r\nX-Injected: 1"));
	CHECK(condcache_save(dir, "p", "http://x/models", h, "2026-01-01T00:00:00Z") == 0);
	condcache_load(dir, "p", "http://x/models", &e);
	CHECK(strcmp(e.etag, "W/\"abc\"") == 0);
	CHECK(e.last_modified[0] == '\0');	/* never sent back with a CRLF in it */
	condcache_load(dir, "p", "http://x/other", &e);
	CHECK(e.etag[0] == '\0');
	condcache_load(dir, "q", "http://x/models", &e);
	CHECK(e.etag[0] == '\0');
	jv_free(h);
	/* A later answer without validators removes the file. */
	h = jv_object();
	CHECK(condcache_save(dir, "p", "http://x/models", h, "2026-01-02T00:00:00Z") == 0);
	jv_free(h);
	snprintf(path, sizeof path, "%s/p.json", dir);
	CHECK(access(path, F_OK) == -1);
	CHECK(!condcache_value_ok(""));
	CHECK(condcache_value_ok("\"x\""));
	rmdir(dir);
}

void
test_pagerule_sets_and_gets_dotted_paths(void)
{
	jv v = pagerule_set(jv_object(), "data.is_free_tier", jv_true()), got;

	v = pagerule_set(v, "data.limit", jv_number(5));
	v = pagerule_set(v, "top", jv_null());
	got = jv_dump_string(jv_copy(v), JV_PRINT_SORTED);
	CHECK(strcmp(jv_string_value(got), "{\"data\":{\"is_free_tier\":true,\"limit\":5},\"top\":null}") == 0);
	jv_free(got);
	got = pagerule_get(v, "data.limit");
	CHECK(jv_get_kind(got) == JV_KIND_NUMBER && jv_number_value(got) == 5);
	jv_free(got);
	/* A member on the way that is no object is replaced by one. */
	v = pagerule_set(v, "top.x", jv_string("y"));
	got = pagerule_get(v, "top.x");
	CHECK(jv_get_kind(got) == JV_KIND_STRING && strcmp(jv_string_value(got), "y") == 0);
	jv_free(got);
	jv_free(v);
	v = pagerule_set(jv_null(), "a", jv_number(1));
	CHECK(jv_get_kind(v) == JV_KIND_OBJECT);
	jv_free(v);
}
