/*
 * batchwork: the workers, their messages, and one attempt each.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batchwork.h"
#include "chatreq.h"
#include "decide.h"
#include "err.h"
#include "http.h"
#include "pool.h"
#include "utctime.h"

#define MAX_MESSAGE ((size_t)64 << 20)

/* --- messages: a 4-byte length, then fields ended by NUL, the last one whole --- */

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* 0, 1 at end of file before the first byte, or -1. */
static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, c + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k == 0 && got == 0 ? 1 : -1;
		got += (size_t)k;
	}
	return 0;
}

/* Send the fields (NULL stands for "") and then last, whole. */
static int
send_message(int fd, const char **field, int n, const char *last, size_t nlast)
{
	uint32_t len = (uint32_t)nlast;
	size_t lens[16];

	for (int i = 0; i < n; i++)
		len += (uint32_t)(lens[i] = strlen(field[i] ? field[i] : "") + 1);
	if (write_all(fd, &len, sizeof len) == -1)
		return -1;
	for (int i = 0; i < n; i++)
		if (write_all(fd, field[i] ? field[i] : "", lens[i]) == -1)
			return -1;
	return write_all(fd, last, nlast);
}

/* A message into *buf (NUL-terminated, free it).  0, 1 at end of file, or -1. */
static int
read_message(int fd, char **buf, size_t *n)
{
	uint32_t len;
	int rv;

	if ((rv = read_all(fd, &len, sizeof len)) != 0)
		return rv;
	if (len > MAX_MESSAGE || (*buf = malloc((size_t)len + 1)) == NULL)
		return -1;
	if (read_all(fd, *buf, len) != 0) {
		free(*buf);
		return -1;
	}
	(*buf)[len] = '\0';
	*n = len;
	return 0;
}

/* Split msg into n fields and the rest; -1 when it has fewer. */
static int
split(char *msg, size_t len, char **field, int n, char **rest, size_t *nrest)
{
	char *p = msg, *end = msg + len, *z;

	for (int i = 0; i < n; i++) {
		if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return -1;
		field[i] = p;
		p = z + 1;
	}
	*rest = p;
	*nrest = (size_t)(end - p);
	return 0;
}

/* --- one attempt, in a worker ------------------------------------------ */

/* The status and body of the CGI answer fallback_run wrote. */
static void
read_answer(const char *text, size_t n, int *status, const char **body, size_t *nbody)
{
	const char *end = text ? strstr(text, "\r\n\r\n") : NULL;

	*status = text != NULL && strncmp(text, "Status: ", 8) == 0 ? atoi(text + 8) : 502;
	*body = end ? end + 4 : "";
	*nbody = end ? n - (size_t)(end + 4 - text) : 0;
}

/* Make the attempt of message msg and send its answer on fd.  0, or -1. */
static int
attempt(struct decider *d, char *msg, size_t len, int fd)
{
	char *f[10], *body, *text = NULL, num[3][32];
	const char *why, *answer, *out[3] = { num[0], num[1], num[2] };
	size_t nbody, ntext = 0, nanswer;
	struct fallback fb = { .n = 1, .max = 1 };
	struct chatreq r;
	long long t0 = http_clock_ms();
	int status = 0, rv = 0;
	FILE *o;

	if (split(msg, len, f, 10, &body, &nbody) == -1)
		return -1;
	fb.m[0] = (struct fallback_model){ f[1], f[2], f[3], f[4],
	    { f[5][0] ? f[5] : NULL, f[6][0] ? f[6] : NULL, atoll(f[7]) } };
	if ((why = chatreq_parse(&r, body, nbody, utctime_now(), f[8][0] == '1')) != NULL) {
		status = 400;
		answer = why;
		nanswer = strlen(why);
	} else {
		r.stream = r.include_usage = 0;
		if ((o = open_memstream(&text, &ntext)) == NULL) {
			chatreq_free(&r);
			return -1;
		}
		rv = fallback_run(&fb, d, &r, atol(f[9]), "afmts-batch", o);
		fclose(o);
		chatreq_free(&r);
		decider_done(d);
		read_answer(text, ntext, &status, &answer, &nanswer);
		if (rv == FALLBACK_NO_SLOT)
			status = 0;
	}
	snprintf(num[0], sizeof num[0], "%s", f[0]);
	snprintf(num[1], sizeof num[1], "%d", status);
	snprintf(num[2], sizeof num[2], "%lld", http_clock_ms() - t0);
	rv = send_message(fd, out, 3, answer, nanswer);
	free(text);
	return rv;
}

static _Noreturn void
worker(int in, int out, const char *catalog)
{
	struct decider d;
	char *msg;
	size_t n;

	signal(SIGINT, SIG_IGN);	/* a ^C stops the batch, which then ends each worker */
	decider_init(&d, catalog, 1, 1);
	d.source = DECIDE_CATALOG;
	while (read_message(in, &msg, &n) == 0) {
		int rv = attempt(&d, msg, n, out);

		free(msg);
		if (rv == -1)
			break;
	}
	decider_close(&d);
	pool_close();
	_exit(0);
}

/* --- the batch's side ----------------------------------------------------- */

int
batchwork_start(struct batchwork *w, int n, const char *catalog)
{
	memset(w, 0, sizeof *w);
	for (w->n = 0; w->n < n; w->n++) {
		int job[2], ans[2];

		if (pipe(job) == -1 || pipe(ans) == -1) {
			err_warn("workers: pipe: %s", strerror(errno));
			return -1;
		}
		fflush(NULL);
		if ((w->pid[w->n] = fork()) == -1) {
			err_warn("workers: fork: %s", strerror(errno));
			return -1;
		}
		if (w->pid[w->n] == 0) {
			for (int i = 0; i < w->n; i++) {
				close(w->to[i]);
				close(w->from[i]);
			}
			close(job[1]);
			close(ans[0]);
			worker(job[0], ans[1], catalog);
		}
		close(job[0]);
		close(ans[1]);
		w->to[w->n] = job[1];
		w->from[w->n] = ans[0];
	}
	return 0;
}

int
batchwork_send(struct batchwork *w, int i, const struct batchwork_job *j)
{
	char id[32], slots[32], timeout[32];
	const char *f[10] = { id, j->m->provider, j->m->model, j->m->base_url, j->m->key_env,
	    j->m->local.slots_url, j->m->local.health_url, slots, j->completion ? "1" : "0",
	    timeout };

	snprintf(id, sizeof id, "%lu", j->id);
	snprintf(slots, sizeof slots, "%lld", j->m->local.slots);
	snprintf(timeout, sizeof timeout, "%ld", j->timeout_ms);
	if (send_message(w->to[i], f, 10, j->body, strlen(j->body)) == -1) {
		err_warn("worker %d: cannot send it a request: %s", i, strerror(errno));
		return -1;
	}
	w->busy[i] = 1;
	return 0;
}

int
batchwork_receive(struct batchwork *w, int i, struct batchwork_answer *a)
{
	char *msg, *f[3], *rest;
	size_t n, nrest;

	memset(a, 0, sizeof *a);
	if (read_message(w->from[i], &msg, &n) != 0 || split(msg, n, f, 3, &rest, &nrest) == -1) {
		err_warn("worker %d: its answer cannot be read", i);
		return -1;
	}
	w->busy[i] = 0;
	a->id = strtoul(f[0], NULL, 10);
	a->status = atoi(f[1]);
	a->latency_ms = atol(f[2]);
	memmove(msg, rest, nrest);
	msg[nrest] = '\0';
	a->body = msg;
	a->nbody = nrest;
	return 0;
}

void
batchwork_answer_free(struct batchwork_answer *a)
{
	free(a->body);
	a->body = NULL;
}

void
batchwork_stop(struct batchwork *w)
{
	for (int i = 0; i < w->n; i++) {
		close(w->to[i]);
		close(w->from[i]);
	}
	for (int i = 0; i < w->n; i++)
		while (waitpid(w->pid[i], NULL, 0) == -1 && errno == EINTR)
			;
	w->n = 0;
}
