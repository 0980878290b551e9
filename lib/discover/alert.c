/*
 * alert: a run's events, their JSON summary, and its delivery with libcurl.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jq.h>

#include "alert.h"
#include "err.h"
#include "http.h"
#include "jsonw.h"

const char *const alert_names[ALERT_NEVENTS] = {
	"became_free", "stopped_free", "appeared", "removed", "provider_failed", "provider_back"
};

static const char *const titles[ALERT_NEVENTS] = {
	"became free", "stopped being free", "appeared", "removed", "providers failed",
	"providers back"
};

const char *
alert_hook_add(struct alert_hooks *h, const char *url, size_t len)
{
	if ((len < 7 || strncmp(url, "http://", 7) != 0) && (len < 8 || strncmp(url, "https://", 8) != 0))
		return "an http:// or https:// URL is needed";
	if (h->n == ALERT_MAX_HOOKS)
		return "at most 16 webhooks";
	if ((h->url[h->n] = strndup(url, len)) == NULL)
		return "out of memory";
	h->n++;
	return NULL;
}

const char *
alert_hook_file(struct alert_hooks *h, const char *path)
{
	FILE *f = fopen(path, "r");
	const char *why = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return "cannot be read";
	while (why == NULL && (n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (n > 0 && line[0] != '#')
			why = alert_hook_add(h, line, (size_t)n);
	}
	free(line);
	fclose(f);
	return why;
}

void
alert_hooks_free(struct alert_hooks *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->url[i]);
	h->n = 0;
}

const char *
alert_wanted(const char *list, unsigned *wanted)
{
	const char *p = list;

	*wanted = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < ALERT_NEVENTS; i++)
			if (strlen(alert_names[i]) == n && strncmp(p, alert_names[i], n) == 0)
				break;
		if (i == ALERT_NEVENTS)
			return "events are became_free, stopped_free, appeared, removed, "
			    "provider_failed, provider_back";
		*wanted |= 1u << i;
		p += n + (p[n] == ',');
	}
	return *wanted ? NULL : "no event named";
}

void
alert_init(struct alert *a, unsigned wanted)
{
	memset(a, 0, sizeof *a);
	a->wanted = wanted;
}

void
alert_free(struct alert *a)
{
	for (int e = 0; e < ALERT_NEVENTS; e++)
		for (long i = 0; i < a->count[e] && i < ALERT_MAX_ITEMS; i++) {
			free(a->items[e][i].provider);
			free(a->items[e][i].detail);
		}
}

int
alert_add(struct alert *a, enum alert_event e, const char *provider, const char *detail)
{
	struct alert_item *it;

	if (!(a->wanted & (1u << e)))
		return 0;
	if (a->count[e]++ >= ALERT_MAX_ITEMS)
		return 0;
	it = &a->items[e][a->count[e] - 1];
	it->provider = strdup(provider);
	it->detail = strdup(detail != NULL ? detail : "");
	return it->provider != NULL && it->detail != NULL ? 0 : -1;
}

long
alert_total(const struct alert *a)
{
	long n = 0;

	for (int e = 0; e < ALERT_NEVENTS; e++)
		n += a->count[e];
	return n;
}

/* The "text" member: a headline, then up to 10 names per event. */
static void
text(const struct alert *a, FILE *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&buf, &len);

	if (t == NULL) {
		jsonw_str(f, "AFMTS discovery: changes");
		return;
	}
	fprintf(t, "AFMTS discovery:");
	for (int e = 0, first = 1; e < ALERT_NEVENTS; e++)
		if (a->count[e] > 0) {
			fprintf(t, "%s %ld %s", first ? "" : ",", a->count[e], titles[e]);
			first = 0;
		}
	for (int e = 0; e < ALERT_NEVENTS; e++)
		for (long i = 0; i < a->count[e] && i < 10; i++)
			fprintf(t, "\n%s %s%s%s", i == 0 ? titles[e] : "  ", a->items[e][i].provider,
			    e >= ALERT_PROVIDER_FAILED ? ": " : "/", a->items[e][i].detail);
	fclose(t);
	jsonw_str(f, buf);
	free(buf);
}

void
alert_write(const struct alert *a, FILE *f)
{
	putc('{', f);
	jsonw_key(f, "text", 1);
	text(a, f);
	for (int e = 0; e < ALERT_NEVENTS; e++) {
		jsonw_key(f, alert_names[e], 0);
		putc('[', f);
		for (long i = 0; i < a->count[e] && i < ALERT_MAX_ITEMS; i++) {
			putc(i ? ',' : '{', f);
			if (i)
				putc('{', f);
			jsonw_key(f, "provider", 1);
			jsonw_str(f, a->items[e][i].provider);
			jsonw_key(f, e >= ALERT_PROVIDER_FAILED ? "error" : "model", 0);
			jsonw_str(f, a->items[e][i].detail);
			putc('}', f);
		}
		putc(']', f);
	}
	/* The arrays hold ALERT_MAX_ITEMS at most: the counts are whole. */
	jsonw_key(f, "counts", 0);
	for (int e = 0; e < ALERT_NEVENTS; e++) {
		jsonw_key(f, alert_names[e], e == 0 ? (putc('{', f), 1) : 0);
		fprintf(f, "%ld", a->count[e]);
	}
	fputs("}}\n", f);
}

/* Member k of object o as a string, or NULL. */
static const char *
str(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;

	jv_free(v);	/* o keeps its own reference: s stays valid while o lives */
	return s;
}

/* Each JSON line of f to fn. */
static void
each_line(FILE *f, struct alert *a, void (*fn)(struct alert *, jv, void *), void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		jv v = jv_parse_sized(line, (int)n);

		if (jv_get_kind(v) == JV_KIND_OBJECT)
			fn(a, v, arg);
		jv_free(v);
	}
	free(line);
}

static void
change(struct alert *a, jv v, void *arg)
{
	static const struct { const char *event; enum alert_event e; } map[] = {
		{ "became_free", ALERT_BECAME_FREE }, { "became_paid", ALERT_STOPPED_FREE },
		{ "added", ALERT_APPEARED }, { "returned", ALERT_APPEARED },
		{ "removed", ALERT_REMOVED } };
	const char *ev = str(v, "event"), *p = str(v, "provider"), *m = str(v, "model");

	(void)arg;
	for (size_t i = 0; ev && p && m && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(ev, map[i].event) == 0 && alert_add(a, map[i].e, p, m) == -1)
			err_warn("out of memory");
}

/* A provider line: failed now after a good run, or good after failing (before's providers). */
static void
provider(struct alert *a, jv v, void *before)
{
	jv ok = jv_object_get(jv_copy(v), jv_string("ok")), list = *(jv *)before;
	const char *p = str(v, "provider"), *e = str(v, "error");
	int failing = 0;

	if (p == NULL) {
		jv_free(ok);
		return;
	}
	jv_array_foreach(list, i, it) {
		jv f = jv_object_get(jv_copy(it), jv_string("failures"));
		const char *name = str(it, "name");

		if (name != NULL && strcmp(name, p) == 0)
			failing = jv_get_kind(f) == JV_KIND_NUMBER && jv_number_value(f) > 0;
		jv_free(f);
		jv_free(it);
	}
	if (jv_get_kind(ok) == JV_KIND_FALSE && !failing)
		alert_add(a, ALERT_PROVIDER_FAILED, p, e ? e : "failed");
	else if (jv_get_kind(ok) == JV_KIND_TRUE && failing)
		alert_add(a, ALERT_PROVIDER_BACK, p, "ok");
	jv_free(ok);
}

/* The providers array of afmts-route --state's JSON in path (an empty array when none). */
static jv
before_providers(const char *path)
{
	jv text = path ? jv_load_file(path, 1) : jv_invalid(), all, p;

	if (jv_get_kind(text) != JV_KIND_STRING) {
		jv_free(text);
		return jv_array();
	}
	all = jv_parse(jv_string_value(text));	/* jv_load_file(raw) gave the text */
	jv_free(text);
	p = jv_get_kind(all) == JV_KIND_OBJECT ? jv_object_get(all, jv_string("providers")) : all;
	if (jv_get_kind(p) != JV_KIND_ARRAY) {
		jv_free(p);
		return jv_array();
	}
	return p;
}

void
alert_read_changes(struct alert *a, FILE *f)
{
	each_line(f, a, change, NULL);
}

void
alert_read_providers(struct alert *a, const char *path, const char *before)
{
	FILE *f = fopen(path, "r");
	jv list = before_providers(before);

	if (f == NULL) {
		err_warn("%s: cannot be read: providers not looked at", path);
	} else {
		each_line(f, a, provider, &list);
		fclose(f);
	}
	jv_free(list);
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* One try within left_ms: the HTTP status, 0 without an answer. */
static long
post_once(CURL *c, const char *url, const char *body, struct curl_slist *h, long left_ms)
{
	long status = 0;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

int
alert_post(const char *url, const char *body, long timeout_ms)
{
	long long deadline = http_clock_ms() + timeout_ms, left;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *c = curl_easy_init();
	long status = 0, wait_ms = 250;
	int tries = 0;

	while (c != NULL && h != NULL && (left = deadline - http_clock_ms()) > 0) {
		tries++;
		status = post_once(c, url, body, h, (long)left);
		if ((status >= 200 && status <= 299) || (status != 0 && status != 429 && status < 500))
			break;
		/* Wait a little more each time, never past the deadline. */
		if ((left = deadline - http_clock_ms()) <= wait_ms)
			break;
		nanosleep(&(struct timespec){ wait_ms / 1000, wait_ms % 1000 * 1000000L }, NULL);
		wait_ms *= 2;
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (status >= 200 && status <= 299)
		return 0;
	/* A webhook's path is its secret (Slack's are): name the host only. */
	err_warn("webhook %.*s: %s after %d tries", (int)strcspn(url + strcspn(url, ":") + 3, "/") +
	    (int)strcspn(url, ":") + 3, url, status ? "refused" : "no answer", tries);
	return -1;
}
