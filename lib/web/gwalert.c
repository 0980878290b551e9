/*
 * gwalert: a breaker that opened, noted, rate limited through CATALOG.alerts,
 * and posted by a detached process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "gwalert.h"
#include "jsonw.h"
#include "utctime.h"

#define MAX_FILE (64 * 1024)	/* a bigger CATALOG.alerts is not ours: started afresh */

void
gwalert_init(struct gwalert *a, const char *catalog)
{
	const char *url = getenv("AFMTS_GATEWAY_WEBHOOK"), *file = getenv("AFMTS_GATEWAY_WEBHOOK_FILE");
	const char *why;

	memset(a, 0, sizeof *a);
	a->catalog = catalog;
	a->timeout_ms = cli_env_number("AFMTS_GATEWAY_WEBHOOK_TIMEOUT", 1, 600, 10) * 1000;
	/* Name the variable, never the URL: a webhook's path is its secret. */
	if (url != NULL && *url != '\0' && (why = alert_hook_add(&a->hooks, url, strlen(url))) != NULL)
		err_warn("AFMTS_GATEWAY_WEBHOOK: %s: not posted to", why);
	if (file != NULL && *file != '\0' && (why = alert_hook_file(&a->hooks, file)) != NULL)
		err_warn("AFMTS_GATEWAY_WEBHOOK_FILE %s: %s", file, why);
}

void
gwalert_free(struct gwalert *a)
{
	for (int i = 0; i < a->npending; i++) {
		free(a->pending[i].provider);
		free(a->pending[i].model);
	}
	a->npending = 0;
	alert_hooks_free(&a->hooks);
}

/* Statuses that can open a breaker or bench a key (health.h); others cannot. */
static int
may_open(long status)
{
	return status == 0 || status == 408 || status >= 500 || (status >= 401 && status <= 403);
}

/* Open for failures: what an alert is about (a 429's cooldown and a 404 are not). */
static int
is_open(enum health_state s)
{
	return s == HEALTH_OPEN || s == HEALTH_BENCHED;
}

/* The breaker of provider/model in the catalog now.  0, or -1 (reported). */
static int
breaker(struct decider *d, const char *provider, const char *model, time_t now, struct health *h)
{
	struct health_db *hd;
	sqlite3 *db;
	int rv;

	if (decider_catalog(d, &db) < 0 || (hd = health_open(db)) == NULL)
		return -1;
	rv = health_of(hd, provider, model, now, h);
	health_close(hd);
	return rv;
}

/* The lines of fd (name epoch) but provider's and those out of date, into m; *last: provider's. */
static void
kept_lines(int fd, const char *provider, time_t now, FILE *m, time_t *last)
{
	struct stat st;
	char *buf, *line, *save = NULL;
	ssize_t n;

	*last = 0;
	if (fstat(fd, &st) == -1 || st.st_size <= 0 || st.st_size > MAX_FILE ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL)
		return;
	n = pread(fd, buf, (size_t)st.st_size, 0);
	buf[n > 0 ? n : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' '), *end;
		long long t;

		if (sp == NULL || (t = strtoll(sp + 1, &end, 10)) <= 0 || *end != '\0')
			continue;
		*sp = '\0';
		if (t > now || now - t >= GWALERT_INTERVAL)
			continue;
		if (strcmp(line, provider) == 0)
			*last = (time_t)t;
		else
			fprintf(m, "%s %lld\n", line, t);
	}
	free(buf);
}

/*
 * May provider be posted at now: 1, its post then recorded in CATALOG.alerts;
 * 0 when it was posted less than an hour ago; -1 when the file cannot be used
 * (reported: without it the rate cannot be kept).
 */
static int
claim(const char *catalog, const char *provider, time_t now)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	time_t last;
	FILE *m;
	int fd, ok;

	if (catalog == NULL || snprintf(path, sizeof path, "%s.alerts", catalog) >= (int)sizeof path)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		err_warn("%s: %s: no breaker alert", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
		continue;
	if ((m = open_memstream(&text, &len)) == NULL) {
		close(fd);
		return -1;
	}
	kept_lines(fd, provider, now, m, &last);
	if ((ok = last == 0))
		fprintf(m, "%s %lld\n", provider, (long long)now);
	fclose(m);
	if (ok && (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) == -1)) {
		err_warn("%s: %s: no breaker alert", path, strerror(errno));
		ok = -1;
	}
	free(text);
	close(fd);	/* and the lock with it */
	return ok;
}

/* Note provider/model's breaker h, when provider's hour allows. */
static void
note(struct gwalert *a, const char *provider, const char *model, const struct health *h,
    time_t now)
{
	struct gwalert_event *e = &a->pending[a->npending];

	if (a->npending == GWALERT_MAX_PENDING || claim(a->catalog, provider, now) != 1)
		return;
	e->provider = strdup(provider);
	e->model = strdup(model);
	e->h = *h;
	if (e->provider == NULL || e->model == NULL) {
		free(e->provider);
		free(e->model);
		return;
	}
	a->npending++;
}

int
gwalert_record(struct gwalert *a, struct decider *d, struct outcome *o, char *msg, size_t n)
{
	const char *p = o->u.provider, *m = o->u.model;
	struct health before, after;
	int watch, code;

	watch = a != NULL && a->hooks.n > 0 && p != NULL && m != NULL && o->u.has_status &&
	    may_open((long)o->u.status) && breaker(d, p, m, o->now, &before) == 0 &&
	    !is_open(before.state);
	code = decide_record(d, o, msg, n);
	if (watch && code == OUTCOME_OK && breaker(d, p, m, o->now, &after) == 0 &&
	    is_open(after.state))
		note(a, p, m, &after, o->now);
	return code;
}

/* The "text" member: what opened, why, and until when. */
static void
text(FILE *f, const struct gwalert_event *e, const char *until)
{
	char status[32], *buf = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&buf, &len);

	if (t == NULL) {
		jsonw_str(f, "AFMTS gateway: a breaker opened");
		return;
	}
	if (e->h.status != 0)
		snprintf(status, sizeof status, "HTTP %d", e->h.status);
	else
		snprintf(status, sizeof status, "no answer");
	if (e->h.state == HEALTH_BENCHED)
		fprintf(t, "AFMTS gateway: %s's key was refused (%s, model %s): its models are "
		    "benched until %s", e->provider, status, e->model, until);
	else
		fprintf(t, "AFMTS gateway: the breaker of %s/%s opened after %d failures in a row "
		    "(last: %s); tried again after %s", e->provider, e->model, e->h.failures, status,
		    until);
	fclose(t);
	jsonw_str(f, buf);
	free(buf);
}

/* One event's JSON body. */
static void
body(FILE *f, const struct gwalert_event *e)
{
	char since[UTCTIME_LEN], until[UTCTIME_LEN];

	utctime_format(e->h.since, since);
	utctime_format(e->h.until, until);
	putc('{', f);
	jsonw_key(f, "text", 1);
	text(f, e, until);
	jsonw_key(f, "kind", 0);
	jsonw_str(f, "breaker_open");
	jsonw_key(f, "provider", 0);
	jsonw_str(f, e->provider);
	jsonw_key(f, "model", 0);
	jsonw_str(f, e->model);
	jsonw_key(f, "state", 0);
	jsonw_str(f, health_name(e->h.state));
	jsonw_key(f, "status", 0);
	fprintf(f, "%d", e->h.status);
	jsonw_key(f, "failures", 0);
	fprintf(f, "%d", e->h.failures);
	jsonw_key(f, "since", 0);
	jsonw_str(f, since);
	jsonw_key(f, "until", 0);
	jsonw_str(f, until);
	fputs("}\n", f);
}

/*
 * The detached poster: a session of its own, holding none of the gateway's
 * descriptors but standard error when it is a file or a socket (its one line
 * when a webhook fails), so that no web server waits for it.
 */
static _Noreturn void
post_all(const struct gwalert *a, char *const *bodies, int n)
{
	long max = sysconf(_SC_OPEN_MAX);
	int null = open("/dev/null", O_RDWR);
	struct stat st;

	setsid();
	if (null != -1) {
		dup2(null, 0);
		dup2(null, 1);
		/* A pipe (a CGI server's, a shell's) may be read to its end: not ours to hold. */
		if (fstat(2, &st) == 0 && S_ISFIFO(st.st_mode))
			dup2(null, 2);
	}
	for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < a->hooks.n; k++)
			alert_post(a->hooks.url[k], bodies[i], a->timeout_ms);
	_exit(0);
}

void
gwalert_send(struct gwalert *a)
{
	char *bodies[GWALERT_MAX_PENDING];
	int n = 0;
	pid_t pid;

	for (int i = 0; i < a->npending; i++) {
		size_t len = 0;
		FILE *m = open_memstream(&bodies[n], &len);

		if (m != NULL) {
			body(m, &a->pending[i]);
			n += fclose(m) == 0;
		}
		free(a->pending[i].provider);
		free(a->pending[i].model);
	}
	a->npending = 0;
	if (n == 0)
		return;
	fflush(stderr);
	/* Twice: the poster is nobody's child to wait for. */
	if ((pid = fork()) == 0) {
		if (fork() == 0)
			post_all(a, bodies, n);
		_exit(0);
	}
	if (pid == -1)
		err_warn("breaker alert: fork: %s", strerror(errno));
	while (pid > 0 && waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
	for (int i = 0; i < n; i++)
		free(bodies[i]);
}
