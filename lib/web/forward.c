/*
 * forward: one upstream chat completion over libcurl.
 */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jv.h>

#include "err.h"
#include "forward.h"
#include "http.h"
#include "usage.h"
#include "utctime.h"

static CURL *curl;	/* one handle: connections to providers are kept between requests */
static volatile sig_atomic_t cancelled;	/* forward_cancel */

void
forward_cancel(void)
{
	cancelled = 1;
}

int
forward_cancelled(void)
{
	return cancelled != 0;
}

/* libcurl's progress call: nonzero ends the transfer, once the client is gone. */
static int
progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return cancelled != 0;
}

int
forward_init(void)
{
	if (curl != NULL)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (curl = curl_easy_init()) == NULL) {
		err_warn("libcurl cannot start");
		return -1;
	}
	return 0;
}

/* Usage and cost out of a completion object (or one streamed chunk). */
static void
take_usage(struct attempt *a, jv v)
{
	jv u = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("usage")) :
	    jv_null();

	if (jv_get_kind(u) == JV_KIND_OBJECT) {
		jv p = jv_object_get(jv_copy(u), jv_string("prompt_tokens"));
		jv c = jv_object_get(jv_copy(u), jv_string("completion_tokens"));
		jv cost = jv_object_get(jv_copy(u), jv_string("cost"));

		if (jv_get_kind(p) == JV_KIND_NUMBER && jv_get_kind(c) == JV_KIND_NUMBER &&
		    jv_number_value(p) >= 0 && jv_number_value(c) >= 0 &&
		    jv_number_value(p) < 1e12 && jv_number_value(c) < 1e12) {
			a->prompt_tokens = (long long)jv_number_value(p);
			a->completion_tokens = (long long)jv_number_value(c);
			a->has_usage = 1;
		}
		/* The bound of usage lines: a sum of costs stays finite in the reports. */
		if (jv_get_kind(cost) == JV_KIND_NUMBER && jv_number_value(cost) >= 0 &&
		    jv_number_value(cost) <= USAGE_MAX_COST) {
			a->cost = jv_number_value(cost);
			a->has_cost = 1;
		}
		jv_free(p);
		jv_free(c);
		jv_free(cost);
	}
	jv_free(u);
}

/* The bytes of a content member (borrowed object o) when it is a string. */
static long long
content_of(jv o, const char *member)
{
	jv c = jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(member)) :
	    jv_null();
	long long n = jv_get_kind(c) == JV_KIND_STRING ? jv_string_length_bytes(jv_copy(c)) : 0;

	jv_free(c);
	return n;
}

/* Add the text of an answer (or one streamed chunk; any JSON value) to a->content_bytes. */
static void
take_content(struct attempt *a, jv v)
{
	jv cs = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("choices")) :
	    jv_null();

	if (jv_get_kind(cs) == JV_KIND_ARRAY) {
		jv_array_foreach(cs, i, c) {
			jv m = jv_get_kind(c) == JV_KIND_OBJECT ?
			    jv_object_get(jv_copy(c), jv_string("message")) : jv_null();
			jv d = jv_get_kind(c) == JV_KIND_OBJECT ?
			    jv_object_get(jv_copy(c), jv_string("delta")) : jv_null();

			a->content_bytes += content_of(m, "content") + content_of(d, "content") +
			    content_of(c, "text");
			jv_free(m);
			jv_free(d);
			jv_free(c);
		}
	}
	jv_free(cs);
}

/*
 * text with the key masked, into out of size n: masked before it is cut, so
 * that no part of the key survives the cut.
 */
static void
masked(const struct attempt *a, const char *text, char *out, size_t n)
{
	char *t = strdup(text);

	if (t == NULL) {
		snprintf(out, n, "(out of memory)");
		return;
	}
	http_redact(t, strlen(t), a->key);
	snprintf(out, n, "%s", t);
	free(t);
}

/*
 * What a provider that refused said, OpenAI style: {"error": {"message",
 * "type", "code"}} or {"error": "text"} (also {"message"}), into a->message,
 * a->etype and a->ecode.
 */
/* w (borrowed) into out when it is a word of a-z and '_' that fits, else "". */
static void
word_of(jv w, char *out, size_t n)
{
	out[0] = '\0';
	if (jv_get_kind(w) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(w)) > 0 &&
	    (size_t)jv_string_length_bytes(jv_copy(w)) < n &&
	    strspn(jv_string_value(w), "abcdefghijklmnopqrstuvwxyz_") ==
	    (size_t)jv_string_length_bytes(jv_copy(w)))
		snprintf(out, n, "%s", jv_string_value(w));
}

static void
refusal(struct attempt *a, jv v)
{
	jv e = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("error")) :
	    jv_null();
	jv m = jv_null(), t = jv_null(), c = jv_null();

	if (jv_get_kind(e) == JV_KIND_OBJECT) {
		m = jv_object_get(jv_copy(e), jv_string("message"));
		t = jv_object_get(jv_copy(e), jv_string("type"));
		c = jv_object_get(jv_copy(e), jv_string("code"));
	} else if (jv_get_kind(e) == JV_KIND_STRING) {
		m = jv_copy(e);
	} else if (jv_get_kind(v) == JV_KIND_OBJECT) {
		m = jv_object_get(jv_copy(v), jv_string("message"));
	}
	if (jv_get_kind(m) == JV_KIND_STRING)
		masked(a, jv_string_value(m), a->message, sizeof a->message);
	/* A type or code is a word; anything else is not passed on. */
	word_of(t, a->etype, sizeof a->etype);
	word_of(c, a->ecode, sizeof a->ecode);
	jv_free(e);
	jv_free(m);
	jv_free(t);
	jv_free(c);
}

/* An error object inside a 200 answer (OpenRouter sends some that way): its message. */
static int
error_inside(struct attempt *a, jv v)
{
	jv e = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("error")) :
	    jv_null();
	int found = jv_get_kind(e) != JV_KIND_NULL && jv_get_kind(e) != JV_KIND_INVALID;

	if (found) {
		jv m = jv_get_kind(e) == JV_KIND_OBJECT ?
		    jv_object_get(jv_copy(e), jv_string("message")) : jv_null();
		jv code = jv_get_kind(e) == JV_KIND_OBJECT ?
		    jv_object_get(jv_copy(e), jv_string("code")) : jv_null();

		char said[121];

		masked(a, jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "no message",
		    said, sizeof said);
		snprintf(a->error, sizeof a->error, "error in a 200 answer: %s", said);
		a->status = jv_get_kind(code) == JV_KIND_NUMBER && jv_number_value(code) >= 400 &&
		    jv_number_value(code) < 600 ? (long)jv_number_value(code) : 502;
		jv_free(m);
		jv_free(code);
	}
	jv_free(e);
	return found;
}

/* v (a streamed event's data) is the usage-only last chunk: no choices, a usage. */
static int
usage_only(jv v)
{
	jv c = jv_object_get(jv_copy(v), jv_string("choices"));
	jv u = jv_object_get(jv_copy(v), jv_string("usage"));
	int only = jv_get_kind(u) == JV_KIND_OBJECT &&
	    (jv_get_kind(c) == JV_KIND_NULL || jv_get_kind(c) == JV_KIND_INVALID ||
	    (jv_get_kind(c) == JV_KIND_ARRAY && jv_array_length(jv_copy(c)) == 0));

	jv_free(c);
	jv_free(u);
	return only;
}

/*
 * One line of an event stream (no line end): a "data:" line may carry usage,
 * an error, or the [DONE] that ends a whole answer.  1 when the line goes on
 * to the client, 0 when it is the usage chunk the client did not ask for.
 */
static int
stream_line(struct attempt *a, const char *line, size_t n)
{
	int pass = 1;
	jv v;

	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n < 6 || strncmp(line, "data:", 5) != 0)
		return 1;
	line += 5;
	n -= 5;
	while (n > 0 && *line == ' ')
		line++, n--;
	if (n == 6 && strncmp(line, "[DONE]", 6) == 0)
		a->done_seen = 1;
	if (n == 0 || a->done_seen || n > INT_MAX)
		return 1;
	v = jv_parse_sized(line, (int)n);
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		if (error_inside(a, v))
			a->stream_error = 1;
		take_usage(a, v);
		take_content(a, v);
		pass = !(a->drop_usage && usage_only(v));
	}
	jv_free(v);
	return pass;
}

/* Write p to the client; a failed write means it went away.  0, or -1. */
static int
to_client(struct attempt *a, const char *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, a->client) != n)
		a->cancelled = 1;
	if (a->tee != NULL && !a->cancelled && (a->ntee += n) <= FORWARD_MAX_ANSWER)
		fwrite(p, 1, n, a->tee);
	return a->cancelled ? -1 : 0;
}

/* Pass one ended line (line end included) on, the key masked.  0, or -1. */
static int
line_out(struct attempt *a, char *line, size_t n)
{
	http_redact(line, n, a->key);
	return stream_line(a, line, n - 1) ? to_client(a, line, n) : 0;
}

/*
 * Take streamed bytes: every line they end is judged and passed on whole
 * (so a key echoed across two chunks is masked all the same), then flushed.
 * 0, or -1 when the client is gone or a line is over FORWARD_MAX_ANSWER.
 */
static int
stream_take(struct attempt *a, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a->nline == a->capline) {
			size_t cap = a->capline ? 2 * a->capline : 4096;
			char *l = cap <= FORWARD_MAX_ANSWER ? realloc(a->line, cap) : NULL;

			if (l == NULL) {
				snprintf(a->error, sizeof a->error, "a streamed line too long");
				return -1;
			}
			a->line = l;
			a->capline = cap;
		}
		a->line[a->nline++] = p[i];
		if (p[i] == '\n') {
			if (line_out(a, a->line, a->nline) == -1)
				return -1;
			a->nline = 0;
		}
	}
	if (fflush(a->client) == EOF || ferror(a->client))
		a->cancelled = 1;
	return a->cancelled ? -1 : 0;
}

static int
is_event_stream(const struct attempt *a)
{
	return strncasecmp(a->content_type, "text/event-stream", 17) == 0;
}

size_t
forward_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct attempt *a = arg;
	size_t n = size * nmemb;
	char *b;

	if (cancelled) {
		a->cancelled = 1;
		return 0;
	}
	if (a->stream && a->status == 200 && is_event_stream(a)) {
		if (!a->committed) {
			a->commit(a->commit_arg, a->content_type);
			a->committed = 1;
		}
		return stream_take(a, p, n) == 0 ? n : 0;
	}
	if (a->nanswer + n > FORWARD_MAX_ANSWER)
		return 0;	/* too large: the transfer fails */
	if ((b = realloc(a->answer, a->nanswer + n + 1)) == NULL)
		return 0;
	memcpy(b + a->nanswer, p, n);
	a->nanswer += n;
	b[a->nanswer] = '\0';
	a->answer = b;
	return n;
}

static int
header_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && strncasecmp(line, name, k) == 0 && line[k] == ':';
}

/* The value of a header line, trimmed, into out. */
static void
header_value(const char *line, size_t n, char *out, size_t cap)
{
	const char *v = memchr(line, ':', n);
	size_t len;

	out[0] = '\0';
	if (v == NULL)
		return;
	for (v++; v < line + n && (*v == ' ' || *v == '\t'); v++)
		;
	len = (size_t)(line + n - v);
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len >= cap)
		len = cap - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

/*
 * The status of a status line, "HTTP/1.1 429 Too Many Requests" or
 * "HTTP/2 200" (line[0..n), not NUL-terminated), or -1 when it is not one.
 */
static long
status_of(const char *line, size_t n)
{
	char buf[64];
	size_t v;

	if (n < 12 || strncmp(line, "HTTP/", 5) != 0)
		return -1;
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	v = 5 + strspn(buf + 5, "0123456789.");
	if (v == 5 || buf[v] != ' ' || strspn(buf + v + 1, "0123456789") != 3 ||
	    (buf[v + 4] != ' ' && buf[v + 4] != '\r' && buf[v + 4] != '\n'))
		return -1;
	return strtol(buf + v + 1, NULL, 10);
}

size_t
forward_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct attempt *a = arg;
	size_t n = size * nmemb;
	char value[128];
	long s;

	/* A response's first line is its status; the blank line ends its head. */
	if (!a->in_head) {
		a->status = status_of(p, n) >= 0 ? status_of(p, n) : 0;
		a->retry_after = -1;
		a->content_type[0] = '\0';
		a->request_id[0] = '\0';
		a->in_head = 1;
	} else if (n <= 2 && (n == 0 || p[0] == '\r' || p[0] == '\n')) {
		a->in_head = 0;
	} else if (header_is(p, n, "content-type")) {
		char whole[2048];

		/* A longer one is not a media type: none, rather than a cut key. */
		header_value(p, n < sizeof whole ? n : 0, whole, sizeof whole);
		masked(a, whole, a->content_type, sizeof a->content_type);
	} else if (header_is(p, n, "x-request-id")) {
		char id[sizeof a->request_id];

		header_value(p, n, id, sizeof id);
		/* Passed on as a header: printable and short, or not at all. */
		if (strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:")
		    == strlen(id))
			masked(a, id, a->request_id, sizeof a->request_id);
	} else if (header_is(p, n, "retry-after")) {
		header_value(p, n, value, sizeof value);
		s = http_retry_after(value, (long)utctime_now());
		a->retry_after = s >= 0 && s < 86400 * 7 ? s : -1;
	} else if (n > 12 && strncasecmp(p, "x-ratelimit-", 12) == 0 &&
	    a->nheader < FORWARD_MAX_HEADERS && n < 200) {
		a->header[a->nheader] = strndup(p, n);
		if (a->header[a->nheader] != NULL) {
			a->header[a->nheader][strcspn(a->header[a->nheader], "\r\n")] = '\0';
			http_redact(a->header[a->nheader], strlen(a->header[a->nheader]), a->key);
			a->nheader++;
		}
	}
	return n;
}

static const char *
transfer(struct attempt *a);
static int
judge(struct attempt *a, const char *transport_error);

int
forward_run(struct attempt *a)
{
	return forward_settle(a, transfer(a));
}

/* The end of a stream passed on: its last unended line, and how it ended. */
static void
stream_end(struct attempt *a, const char *transport_error)
{
	static const char cut[] = "data: {\"error\":{\"message\":\"the provider's stream "
	    "ended before the answer was complete\",\"type\":\"server_error\",\"param\":null,"
	    "\"code\":\"stream_cut\"}}\n\n";

	if (!a->cancelled && a->nline > 0) {
		http_redact(a->line, a->nline, a->key);
		if (stream_line(a, a->line, a->nline))
			to_client(a, a->line, a->nline);
	}
	a->nline = 0;
	if (a->cancelled) {
		a->status = 499;
		snprintf(a->error, sizeof a->error, "cancelled: the client went away");
	} else if (!a->stream_error && (transport_error != NULL || !a->done_seen)) {
		/* SDKs raise on an error event; without [DONE] some take part as all. */
		to_client(a, cut, sizeof cut - 1);
		a->status = 502;
		snprintf(a->error, sizeof a->error, "stream cut: %s", transport_error != NULL ?
		    transport_error : "no [DONE]");
	} else if (!a->stream_error) {
		a->status = 200;
	}
	fflush(a->client);
}

int
forward_settle(struct attempt *a, const char *transport_error)
{
	int rc = judge(a, transport_error);

	if (a->committed)
		stream_end(a, transport_error);
	if (a->answer != NULL)
		http_redact(a->answer, a->nanswer, a->key);
	http_redact(a->error, strlen(a->error), a->key);
	http_redact(a->message, strlen(a->message), a->key);
	return rc;
}

/* Send a and take in the answer.  NULL, or libcurl's word for what failed. */
static const char *
transfer(struct attempt *a)
{
	struct curl_slist *h = NULL;
	char auth[1024 + 32];
	long long start = http_clock_ms();
	CURLcode rc;

	a->status = 0;
	a->retry_after = -1;
	a->in_head = 0;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (a->key != NULL && strlen(a->key) < 1024) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", a->key);
		h = curl_slist_append(h, auth);
	}
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, a->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, a->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(a->body));
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);	/* the key never leaves its origin */
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, a->timeout_ms < 10000 ? a->timeout_ms : 10000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, a->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, forward_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, forward_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
	rc = curl_easy_perform(curl);
	/* Wipe our copy of the key (libcurl's copy in the list is freed below). */
	memset(auth, 0, sizeof auth);
	curl_slist_free_all(h);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	a->latency_ms = (long)(http_clock_ms() - start);
	return rc == CURLE_OK ? NULL : curl_easy_strerror(rc);
}

/* What came back: 0 for a usable completion, else -1 with a->error saying why. */
static int
judge(struct attempt *a, const char *transport_error)
{
	jv v;

	if (cancelled)
		a->cancelled = 1;
	if (a->committed)
		return 0;	/* whatever happened, the client has the answer (stream_end) */
	if (a->cancelled) {
		a->status = 499;
		snprintf(a->error, sizeof a->error, "cancelled: the client went away");
		return -1;
	}
	if (transport_error != NULL) {
		snprintf(a->error, sizeof a->error, "%s", transport_error);
		a->status = 0;
		return -1;
	}
	if (a->status != 200) {
		snprintf(a->error, sizeof a->error, "the provider answered %ld", a->status);
		v = a->answer ? jv_parse_sized(a->answer, (int)a->nanswer) : jv_invalid();
		refusal(a, v);
		jv_free(v);
		return -1;
	}
	v = a->answer ? jv_parse_sized(a->answer, (int)a->nanswer) : jv_invalid();
	if (!jv_is_valid(v)) {
		jv_free(v);
		snprintf(a->error, sizeof a->error, "the provider's answer is not JSON");
		a->status = 502;
		return -1;
	}
	if (error_inside(a, v)) {
		jv_free(v);
		return -1;
	}
	take_usage(a, v);
	take_content(a, v);
	jv_free(v);
	return 0;
}

void
forward_done(struct attempt *a)
{
	free(a->line);
	a->line = NULL;
	a->nline = a->capline = 0;
	free(a->answer);
	a->answer = NULL;
	a->nanswer = 0;
	for (int i = 0; i < a->nheader; i++)
		free(a->header[i]);
	a->nheader = 0;
}
