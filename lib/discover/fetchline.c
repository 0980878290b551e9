/*
 * fetchline: meta + raw body -> fetch record, the same way live and replayed.
 */
#include <stdio.h>
#include <string.h>

#include "fetchline.h"

jv
fetchline_meta(const char *provider, const char *url, const char *fetched_at,
    const struct http_response *r)
{
	jv m = jv_object();

	m = jv_object_set(m, jv_string("type"), jv_string("fetch"));
	m = jv_object_set(m, jv_string("provider"), jv_string(provider));
	m = jv_object_set(m, jv_string("url"), jv_string(url));
	m = jv_object_set(m, jv_string("fetched_at"), jv_string(fetched_at));
	m = jv_object_set(m, jv_string("status"), jv_number((double)r->status));
	m = jv_object_set(m, jv_string("elapsed_ms"), jv_number((double)r->elapsed_ms));
	m = jv_object_set(m, jv_string("attempts"), jv_number((double)r->attempts));
	if (r->redirects > 0)
		m = jv_object_set(m, jv_string("redirects"), jv_number((double)r->redirects));
	m = jv_object_set(m, jv_string("headers"),
	    jv_is_valid(r->headers) ? jv_copy(r->headers) : jv_object());
	if (r->content_type != NULL)
		m = jv_object_set(m, jv_string("content_type"), jv_string(r->content_type));
	if (r->error_kind != NULL)
		m = jv_object_set(m, jv_string("error"),
		    jv_object_set(jv_object_set(jv_object(), jv_string("kind"),
		    jv_string(r->error_kind)), jv_string("message"), jv_string(r->error)));
	return m;
}

static jv
error_of(const char *kind, jv message)
{
	return jv_object_set(jv_object_set(jv_object(), jv_string("kind"), jv_string(kind)),
	    jv_string("message"), message);
}

/* A string member of v at path a.b (v borrowed), or invalid. */
static jv
text_at(jv v, const char *a, const char *b)
{
	jv x;

	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return jv_invalid();
	x = jv_object_get(jv_copy(v), jv_string(a));
	if (b != NULL && jv_get_kind(x) == JV_KIND_OBJECT)
		x = jv_object_get(x, jv_string(b));
	if (jv_get_kind(x) != JV_KIND_STRING) {
		jv_free(x);
		return jv_invalid();
	}
	return x;
}

/* Control characters and runs of blanks become one space; the new length. */
static size_t
squeeze(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int blank = (unsigned char)s[i] <= 0x20 || s[i] == 0x7f;

		if (blank && (o == 0 || s[o - 1] == ' '))
			continue;
		s[o++] = blank ? ' ' : s[i];
	}
	while (o > 0 && s[o - 1] == ' ')
		o--;
	return o;
}

/*
 * What an error body says, briefly: the message of a JSON error envelope
 * ({"error":{"message"}}, {"error":"..."}, {"message"}, {"detail"}), else the
 * start of the text.
 */
static jv
excerpt(const char *body, size_t len)
{
	jv v, t = jv_invalid();
	char buf[FETCHLINE_EXCERPT + 1];
	size_t n = 0;

	if (body == NULL || len == 0)
		return jv_string("");
	v = jv_parse_sized(body, (int)len);
	if (jv_is_valid(v)) {
		static const char *const paths[][2] = {
			{ "error", "message" }, { "error", NULL }, { "message", NULL },
			{ "detail", NULL }, { "errors", NULL }
		};
		for (size_t i = 0; i < sizeof paths / sizeof paths[0] && !jv_is_valid(t); i++) {
			jv_free(t);
			t = text_at(v, paths[i][0], paths[i][1]);
		}
	}
	jv_free(v);
	if (jv_is_valid(t)) {
		const char *s = jv_string_value(t);

		n = strlen(s) > FETCHLINE_EXCERPT ? FETCHLINE_EXCERPT : strlen(s);
		memcpy(buf, s, n);
		jv_free(t);
	} else {
		jv_free(t);
		n = len > FETCHLINE_EXCERPT ? FETCHLINE_EXCERPT : len;
		memcpy(buf, body, n);
	}
	return jv_string_sized(buf, (int)squeeze(buf, n));	/* invalid UTF-8 becomes U+FFFD */
}

/* 1 if the response says or looks like it is JSON. */
static int
looks_json(const char *ctype, const char *body, size_t len)
{
	size_t i = 0;

	if (ctype != NULL && strstr(ctype, "json") != NULL)
		return 1;
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	return i < len && (body[i] == '{' || body[i] == '[');
}

jv
fetchline_finish(jv meta, const char *body, size_t len)
{
	jv e = jv_object_get(jv_copy(meta), jv_string("error"));
	jv st = jv_object_get(jv_copy(meta), jv_string("status"));
	jv ct = jv_object_get(jv_copy(meta), jv_string("content_type"));
	int status = jv_get_kind(st) == JV_KIND_NUMBER ? (int)jv_number_value(st) : 0;
	const char *ctype = jv_get_kind(ct) == JV_KIND_STRING ? jv_string_value(ct) : NULL;
	int has_error = jv_is_valid(e) && jv_get_kind(e) != JV_KIND_NULL;

	jv_free(e);
	jv_free(st);
	/* A retired provider's record was whole when it was made (replayed as it is). */
	if (has_error || jv_object_has(jv_copy(meta), jv_string("retired"))) {
		jv_free(ct);
		return meta;
	}
	if (status == 304) {
		jv_free(ct);
		return jv_object_set(meta, jv_string("not_modified"), jv_true());
	}
	if (status == 410) {
		/* Gone, for good: not a failure of this run but the end of the provider's list. */
		jv at = jv_object_get(jv_copy(meta), jv_string("fetched_at"));
		char day[11] = "";

		if (jv_get_kind(at) == JV_KIND_STRING)
			snprintf(day, sizeof day, "%.10s", jv_string_value(at));
		jv_free(at);
		jv_free(ct);
		return jv_object_set(meta, jv_string("retired"), fetchline_retirement(day,
		    "gone (410)", NULL));
	}
	if (status < 200 || status > 299) {
		char what[32];
		jv msg = excerpt(body, len);

		snprintf(what, sizeof what, "HTTP %d%s", status,
		    jv_string_length_bytes(jv_copy(msg)) > 0 ? ": " : "");
		jv_free(ct);
		return jv_object_set(meta, jv_string("error"),
		    error_of("http", jv_string_concat(jv_string(what), msg)));
	}
	if (body == NULL || len == 0) {
		jv_free(ct);
		return jv_object_set(meta, jv_string("error"),
		    error_of("empty", jv_string("empty response body")));
	}
	if (looks_json(ctype, body, len)) {
		jv v = jv_parse_sized(body, (int)len);

		jv_free(ct);
		if (jv_is_valid(v))
			return jv_object_set(meta, jv_string("body"), v);
		if (jv_invalid_has_msg(jv_copy(v)))
			return jv_object_set(meta, jv_string("error"),
			    error_of("bad_json", jv_invalid_get_msg(v)));
		jv_free(v);
		return jv_object_set(meta, jv_string("error"),
		    error_of("bad_json", jv_string("not JSON")));
	}
	jv_free(ct);
	return jv_object_set(meta, jv_string("body_text"), jv_string_sized(body, (int)len));
}

jv
fetchline_retirement(const char *since, const char *reason, const char *source)
{
	jv r = jv_object_set(jv_object(), jv_string("since"), jv_string(since));

	r = jv_object_set(r, jv_string("reason"), jv_string(reason));
	return source != NULL ? jv_object_set(r, jv_string("source"), jv_string(source)) : r;
}

jv
fetchline_retired(const char *provider, const char *url, const char *fetched_at, jv retirement)
{
	jv m = jv_object();

	m = jv_object_set(m, jv_string("type"), jv_string("fetch"));
	m = jv_object_set(m, jv_string("provider"), jv_string(provider));
	m = jv_object_set(m, jv_string("url"), jv_string(url));
	m = jv_object_set(m, jv_string("fetched_at"), jv_string(fetched_at));
	return jv_object_set(m, jv_string("retired"), retirement);
}

int
fetchline_ok(jv line)
{
	jv e = jv_object_get(jv_copy(line), jv_string("error"));
	int ok = !jv_is_valid(e) || jv_get_kind(e) == JV_KIND_NULL;

	jv_free(e);
	return ok;
}
