/*
 * fastcgi: the responder side of FastCGI 1.0, one request at a time.
 */
#define _GNU_SOURCE	/* fopencookie: the answer is a stream of STDOUT records */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fastcgi.h"
#include "utctime.h"

enum {
	FCGI_BEGIN_REQUEST = 1, FCGI_ABORT_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN,
	FCGI_STDOUT, FCGI_STDERR, FCGI_DATA, FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT,
	FCGI_UNKNOWN_TYPE
};
enum { FCGI_RESPONDER = 1 };
enum { FCGI_REQUEST_COMPLETE = 0, FCGI_CANT_MPX_CONN = 1, FCGI_UNKNOWN_ROLE = 3 };
#define FCGI_KEEP_CONN	1
#define HEADER_LEN	8
#define MAX_PARAMS	(64 * 1024)	/* name-value bytes of one request */
#define CHUNK		32768		/* content bytes in one STDOUT record */

struct record {
	unsigned	 type, id, len;
	unsigned char	 content[65535 + 255];
};

struct request {
	unsigned	 id;
	int		 active, keep, params_done, params_over;
	unsigned char	*params;
	size_t		 nparams;
	char		*body;
	size_t		 nbody;
};

int
fastcgi_listening(void)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;

	if (getsockname(0, (struct sockaddr *)&sa, &len) == -1)
		return 0;
	len = sizeof sa;
	return getpeername(0, (struct sockaddr *)&sa, &len) == -1 && errno == ENOTCONN;
}


/*
 * Read n bytes before the deadline (monotonic ms): a peer that sends part of
 * a request and waits must not hold the one responder.  0, or -1.
 */
static int
read_full(int fd, unsigned char *buf, size_t n, long long deadline)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - utctime_clock_ms();
		ssize_t k;
		int rc;

		if (left <= 0)
			return -1;
		if ((rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left)) == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;	/* the deadline is checked above */
		if ((k = read(fd, buf + got, n - got)) == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static int
write_full(int fd, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read one record (its padding dropped).  0, or -1 at the end, on error or after the deadline. */
static int
read_record(int fd, struct record *r, long long deadline)
{
	unsigned char h[HEADER_LEN];

	if (read_full(fd, h, sizeof h, deadline) == -1 || h[0] != 1)
		return -1;
	r->type = h[1];
	r->id = (unsigned)h[2] << 8 | h[3];
	r->len = (unsigned)h[4] << 8 | h[5];
	return read_full(fd, r->content, r->len + h[6], deadline);
}

static int
write_record(int fd, unsigned type, unsigned id, const void *content, size_t len)
{
	unsigned char h[HEADER_LEN] = {
		1, (unsigned char)type, (unsigned char)(id >> 8), (unsigned char)id,
		(unsigned char)(len >> 8), (unsigned char)len, 0, 0
	};

	return write_full(fd, h, sizeof h) == -1 ||
	    (len > 0 && write_full(fd, content, len) == -1) ? -1 : 0;
}

static int
end_request(int fd, unsigned id, unsigned protocol_status)
{
	unsigned char body[8] = { 0, 0, 0, 0, (unsigned char)protocol_status, 0, 0, 0 };

	return write_record(fd, FCGI_END_REQUEST, id, body, sizeof body);
}

/*
 * Append a record's content to a growing buffer, keeping at most cap bytes.
 * 0, 1 when some was dropped, -1 when out of memory.
 */
static int
append(unsigned char **buf, size_t *n, const unsigned char *p, size_t len, size_t cap)
{
	unsigned char *b;
	int cut = 0;

	if (*n >= cap)
		return len > 0;
	if (len > cap - *n) {
		len = cap - *n;
		cut = 1;
	}
	if ((b = realloc(*buf, *n + len + 1)) == NULL)
		return -1;
	memcpy(b + *n, p, len);
	*n += len;
	b[*n] = '\0';
	*buf = b;
	return cut;
}

/* A name-value length at *p (1 or 4 bytes); -1 if cut. */
static long
nv_length(const unsigned char **p, const unsigned char *end)
{
	long n;

	if (*p >= end)
		return -1;
	if (!(**p & 0x80))
		return *(*p)++;
	if (end - *p < 4)
		return -1;
	n = (long)((*p)[0] & 0x7f) << 24 | (long)(*p)[1] << 16 | (long)(*p)[2] << 8 | (*p)[3];
	*p += 4;
	return n;
}

/* Set the variables of names found in the request's params. */
static void
set_environment(const struct request *q, const char *const *names)
{
	const unsigned char *p = q->params, *end;

	for (const char *const *n = names; *n != NULL; n++)
		unsetenv(*n);
	if (p == NULL)
		return;		/* no PARAMS records (and NULL + 0 is undefined) */
	end = p + q->nparams;
	while (p < end) {
		long nl = nv_length(&p, end), vl = nl < 0 ? -1 : nv_length(&p, end);
		char *value;

		if (vl < 0 || nl > end - p || vl > end - p - nl)
			return;
		for (const char *const *n = names; *n != NULL; n++) {
			if ((size_t)nl != strlen(*n) || memcmp(p, *n, (size_t)nl) != 0)
				continue;
			if ((value = strndup((const char *)p + nl, (size_t)vl)) != NULL) {
				setenv(*n, value, 1);
				free(value);
			}
		}
		p += nl + vl;
	}
}

/* The answer's stream: what the handler writes (and flushes) leaves as STDOUT records. */
struct answer {
	int		 fd;
	unsigned	 id;
	int		 failed;	/* the server went away: the rest is dropped */
};

static ssize_t
answer_write(void *cookie, const char *buf, size_t n)
{
	struct answer *a = cookie;

	for (size_t off = 0; !a->failed && off < n; off += CHUNK)
		if (write_record(a->fd, FCGI_STDOUT, a->id, buf + off,
		    n - off < CHUNK ? n - off : CHUNK) == -1)
			a->failed = 1;
	/* The handler sees a vanished client (ferror): a stream it relays can stop. */
	return a->failed ? -1 : (ssize_t)n;
}

/* The connection of the request being answered, for fastcgi_client_gone; -1: none. */
static int answering = -1;

int
fastcgi_client_gone(void)
{
	struct pollfd p = { .fd = answering, .events = POLLIN };

	/*
	 * The web server sends nothing more on a connection whose request is being
	 * answered (we do not multiplex): readable means it closed the connection
	 * (its client went away) or aborts the request.
	 */
	return answering != -1 && poll(&p, 1, 0) == 1;
}

/* Run the handler on the request, its answer streamed, then end the request. */
static int
respond(int fd, struct request *q, const char *const *names, fastcgi_handler *handler,
    void *arg)
{
	static const cookie_io_functions_t io = { .write = answer_write };
	struct answer a = { .fd = fd, .id = q->id };
	FILE *in, *of;

	if (q->params_over) {
		/* Cut parameters would be a different request (CGI servers answer 414). */
		static const char too_long[] = "Status: 414 URI Too Long\r\n"
		    "Content-Type: application/json\r\nCache-Control: no-store\r\n\r\n"
		    "{\"error\":{\"message\":\"the request's parameters are over 65536 bytes\","
		    "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}\n";

		if (write_record(fd, FCGI_STDOUT, q->id, too_long, sizeof too_long - 1) == -1 ||
		    write_record(fd, FCGI_STDOUT, q->id, NULL, 0) == -1)
			return -1;
		return end_request(fd, q->id, FCGI_REQUEST_COMPLETE);
	}
	set_environment(q, names);
	in = fmemopen(q->body ? q->body : (char *)"", q->nbody ? q->nbody : 1, "r");
	of = fopencookie(&a, "w", io);
	if (in == NULL || of == NULL) {
		err_warn("fastcgi: out of memory");
		a.failed = 1;
	} else {
		if (q->nbody == 0)
			fgetc(in);	/* an empty body: at its end already */
		setvbuf(of, NULL, _IOFBF, CHUNK);
		answering = fd;
		handler(arg, in, of);
		answering = -1;
	}
	if (in != NULL)
		fclose(in);
	if (of != NULL)
		fclose(of);	/* flushes the rest */
	if (a.failed || write_record(fd, FCGI_STDOUT, q->id, NULL, 0) == -1)
		return -1;
	return end_request(fd, q->id, FCGI_REQUEST_COMPLETE);
}

static void
reset(struct request *q)
{
	free(q->params);
	free(q->body);
	memset(q, 0, sizeof *q);
}

/*
 * Serve one connection.  Returns when it closes or breaks, or when a request
 * (or the first, or the next one on a kept connection) has not arrived whole
 * within timeout_ms.
 */
static void
serve_connection(int fd, const char *const *names, size_t max_body, fastcgi_handler *handler,
    void *arg, struct record *r, long timeout_ms, long *left)
{
	struct request q = { 0 };
	long long deadline = utctime_clock_ms() + timeout_ms;
	int rc;

	while (read_record(fd, r, deadline) == 0) {
		if (r->type == FCGI_GET_VALUES) {
			static const unsigned char v[] = "\x0e\x01" "FCGI_MAX_CONNS" "1"
			    "\x0d\x01" "FCGI_MAX_REQS" "1" "\x0f\x01" "FCGI_MPXS_CONNS" "0";

			if (write_record(fd, FCGI_GET_VALUES_RESULT, 0, v, sizeof v - 1) == -1)
				break;
			continue;
		}
		if (r->type == FCGI_BEGIN_REQUEST && r->len >= 8) {
			unsigned role = (unsigned)r->content[0] << 8 | r->content[1];

			if (q.active || role != FCGI_RESPONDER) {
				if (end_request(fd, r->id, q.active ? FCGI_CANT_MPX_CONN :
				    FCGI_UNKNOWN_ROLE) == -1)
					break;
				continue;
			}
			reset(&q);
			q.active = 1;
			q.id = r->id;
			q.keep = r->content[2] & FCGI_KEEP_CONN;
			continue;
		}
		if (!q.active || r->id != q.id) {
			if (r->type > FCGI_UNKNOWN_TYPE) {
				unsigned char body[8] = { (unsigned char)r->type };

				if (write_record(fd, FCGI_UNKNOWN_TYPE, 0, body, sizeof body) == -1)
					break;
			}
			continue;
		}
		if (r->type == FCGI_ABORT_REQUEST) {
			end_request(fd, q.id, FCGI_REQUEST_COMPLETE);
			if (!q.keep)
				break;
			reset(&q);
			continue;
		}
		if (r->type == FCGI_PARAMS) {
			if (q.params_done)
				continue;	/* the stream has ended: nothing more belongs to it */
			if (r->len == 0)
				q.params_done = 1;
			else if ((rc = append(&q.params, &q.nparams, r->content, r->len,
			    MAX_PARAMS)) == -1)
				break;
			else if (rc == 1)
				q.params_over = 1;
			continue;
		}
		if (r->type != FCGI_STDIN)
			continue;
		if (r->len > 0) {
			if (append((unsigned char **)&q.body, &q.nbody, r->content, r->len,
			    max_body) == -1)
				break;
			continue;
		}
		/* The empty STDIN record: the request is whole. */
		rc = respond(fd, &q, names, handler, arg);
		if (*left > 0)
			(*left)--;
		if (rc == -1 || !q.keep || *left == 0)
			break;
		reset(&q);
		deadline = utctime_clock_ms() + timeout_ms;
	}
	reset(&q);
}

/* AFMTS_FASTCGI_TIMEOUT in milliseconds: 1 to 3600 seconds, default FASTCGI_TIMEOUT. */
static long
timeout_of_environment(void)
{
	const char *s = getenv("AFMTS_FASTCGI_TIMEOUT");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return FASTCGI_TIMEOUT * 1000L;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 3600) {
		err_warn("AFMTS_FASTCGI_TIMEOUT=%s: not 1 to 3600 seconds; using %d", s,
		    FASTCGI_TIMEOUT);
		return FASTCGI_TIMEOUT * 1000L;
	}
	return v * 1000;
}

int
fastcgi_connection(int fd, const char *const *names, size_t max_body, fastcgi_handler *handler,
    void *arg)
{
	struct record *r = malloc(sizeof *r);
	long left = -1;

	if (r == NULL)
		return -1;
	serve_connection(fd, names, max_body, handler, arg, r, timeout_of_environment(), &left);
	free(r);
	return 0;
}

/* Accept and serve until left requests were answered (-1: no limit).  An exit status. */
static int
serve_loop(const char *const *names, size_t max_body, long left, fastcgi_handler *handler,
    void *arg)
{
	struct record *r = malloc(sizeof *r);
	long timeout_ms = timeout_of_environment();

	if (r == NULL) {
		err_warn("fastcgi: out of memory");
		return 4;
	}
	signal(SIGPIPE, SIG_IGN);	/* a client gone mid-answer ends its connection, not us */
	for (;;) {
		int fd = accept(0, NULL, NULL);
		struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			err_warn("fastcgi: accept: %s", strerror(errno));
			free(r);
			return 4;
		}
		/* A server that stops reading our answer does not hold us either. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		serve_connection(fd, names, max_body, handler, arg, r, timeout_ms, &left);
		close(fd);
		if (left == 0) {
			free(r);
			return 0;
		}
	}
}

static volatile sig_atomic_t stopping;
static pid_t workers[FASTCGI_MAX_WORKERS];
static time_t started[FASTCGI_MAX_WORKERS];
static int nworkers;

/* SIGTERM or SIGINT to the supervisor: pass it on to the workers, then stop. */
static void
on_stop(int sig)
{
	stopping = 1;
	for (int i = 0; i < nworkers; i++)
		if (workers[i] > 0)
			kill(workers[i], sig);
}

/* A worker: serve until max_requests were answered.  Never returns. */
static _Noreturn void
work(const char *const *names, size_t max_body, long max_requests, fastcgi_handler *handler,
    void *arg)
{
	int status;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if ((status = serve_loop(names, max_body, max_requests, handler, arg)) == 0)
		err_warn("fastcgi: %ld requests answered: a fresh process takes over", max_requests);
	exit(status);
}

/* Stop every worker (sig) and reap them. */
static void
stop_workers(int sig)
{
	for (int i = 0; i < nworkers; i++)
		if (workers[i] > 0)
			kill(workers[i], sig);
	while (wait(NULL) > 0 || errno == EINTR)
		continue;
}

/*
 * Keep the listening socket and run n workers at once, each accepting on it
 * and answering one request at a time: a worker that has answered
 * max_requests is replaced at once, and connections wait in the socket's
 * backlog meanwhile, so the server never finds nobody listening.  A worker
 * that dies is replaced too (said on stderr), unless it died within a second
 * of its start: then something is wrong for all, and they all stop (the
 * server starts us again).
 */
static int
supervise(const char *const *names, size_t max_body, long max_requests, int n,
    fastcgi_handler *handler, void *arg)
{
	struct sigaction sa;
	int status, i;
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	nworkers = n;
	for (i = 0; i < n; i++)
		workers[i] = 0;
	for (i = 0; !stopping; i = 0) {
		for (; i < n && !stopping; i++) {
			if (workers[i] > 0)
				continue;
			if ((pid = fork()) == -1) {
				err_warn("fastcgi: fork: %s", strerror(errno));
				stop_workers(SIGTERM);
				return 4;
			}
			if (pid == 0)
				work(names, max_body, max_requests, handler, arg);
			workers[i] = pid;
			started[i] = time(NULL);
		}
		if ((pid = wait(&status)) == -1) {
			if (errno == EINTR)
				continue;
			return 4;
		}
		for (i = 0; i < n && workers[i] != pid; i++)
			continue;
		if (i == n)
			continue;
		workers[i] = 0;
		if (stopping || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
			continue;
		err_warn("fastcgi: a worker %s %d", WIFEXITED(status) ? "exited" : "died of signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		if (time(NULL) - started[i] < 1) {
			stop_workers(SIGTERM);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
		}
	}
	stop_workers(SIGTERM);
	return 0;
}

int
fastcgi_serve(const char *const *names, size_t max_body, long max_requests, int workers_n,
    fastcgi_handler *handler, void *arg)
{
	if (max_requests > 0 || workers_n > 1)
		return supervise(names, max_body, max_requests > 0 ? max_requests : -1,
		    workers_n < 1 ? 1 : workers_n > FASTCGI_MAX_WORKERS ? FASTCGI_MAX_WORKERS :
		    workers_n, handler, arg);
	return serve_loop(names, max_body, -1, handler, arg);
}
