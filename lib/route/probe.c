/*
 * probe: one bounded HTTP GET to a local server, and its /slots answer read.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "utctime.h"

#define PROBE_MAX_HOST 255


/* Split url into host, port and path.  0, or -1 when it is no plain http URL. */
static int
split(const char *url, char *host, char *port, const char **path)
{
	const char *h, *end, *colon;
	size_t n;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	h = url + 7;
	end = h + strcspn(h, "/?#");
	if (*end != '/' || memchr(h, '@', (size_t)(end - h)) != NULL)
		return -1;
	*path = end;
	for (const char *p = *path; *p; p++)
		if (*p <= ' ' || *p > '~')
			return -1;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (rb == NULL)
			return -1;
		n = (size_t)(rb - h - 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		h++;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon ? colon : end) - h);
	}
	if (n == 0 || n > PROBE_MAX_HOST)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	/* A name or an address, nothing that could end the Host header early. */
	if (strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:") != n)
		return -1;
	n = colon ? (size_t)(end - colon - 1) : 2;
	if (n == 0 || n > 5)
		return -1;
	memcpy(port, colon ? colon + 1 : "80", n);
	port[n] = '\0';
	return strspn(port, "0123456789") == n && atol(port) >= 1 && atol(port) <= 65535 ? 0 : -1;
}

/* Wait for fd to be ready for events until deadline.  1 ready, 0 not in time. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int rc;

	while ((left = deadline - utctime_clock_ms()) > 0) {
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 0;
	}
	return 0;
}

/* A socket connected to host:port by deadline, or -1. */
static int
connect_by(const char *host, const char *port, long long deadline)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai, *a;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	for (a = ai; a != NULL && fd == -1; a = a->ai_next) {
		int err = 0;
		socklen_t el = sizeof err;

		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0)) == -1)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Write all of buf by deadline.  0 or -1. */
static int
send_all(int fd, const char *buf, size_t n, long long deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w > 0) {
			buf += w;
			n -= (size_t)w;
		} else if (w == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return -1;
		} else
			return -1;
	}
	return 0;
}

/* The status of an answer's head "HTTP/1.x NNN ...", or 0. */
static int
status_of(const char *a)
{
	if (strncmp(a, "HTTP/1.", 7) != 0 || a[8] != ' ' || a[9] < '1' || a[9] > '5' ||
	    a[10] < '0' || a[10] > '9' || a[11] < '0' || a[11] > '9')
		return 0;
	return (a[9] - '0') * 100 + (a[10] - '0') * 10 + (a[11] - '0');
}

/*
 * Read the answer (head and body, the server closes after it) into buf by
 * deadline: its length, or -1.  A body longer than buf is cut.
 */
static long
read_answer(int fd, char *buf, size_t cap, long long deadline)
{
	size_t n = 0;

	for (;;) {
		ssize_t r;

		if (n == cap)
			return (long)n;
		r = recv(fd, buf + n, cap - n, 0);
		if (r > 0)
			n += (size_t)r;
		else if (r == 0)
			return (long)n;
		else if ((errno != EAGAIN && errno != EINTR) || !wait_fd(fd, POLLIN, deadline))
			return -1;
	}
}

/* Undo chunked transfer coding in place: the body's new length. */
static size_t
unchunk(char *b, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		char *end;
		unsigned long size = strtoul(b + in, &end, 16);
		char *crlf = memchr(b + in, '\n', len - in);

		if (crlf == NULL || end == b + in || size == 0)
			break;
		in = (size_t)(crlf - b) + 1;
		if (size > len - in)
			size = len - in;
		memmove(b + out, b + in, size);
		out += size;
		in += size;
		if (in < len && b[in] == '\r')
			in++;
		if (in < len && b[in] == '\n')
			in++;
	}
	return out;
}

int
probe_answer(char *buf, size_t n, char *body, size_t cap, size_t *len)
{
	char *sep;
	size_t blen;
	int status, chunked;

	*len = 0;
	if (cap == 0)
		return 0;
	body[0] = '\0';
	if (n < 12)
		return 0;
	buf[n] = '\0';
	if ((status = status_of(buf)) == 0 || (sep = strstr(buf, "\r\n\r\n")) == NULL)
		return 0;
	blen = (size_t)(buf + n - (sep + 4));
	sep[2] = '\0';
	chunked = strstr(buf, "\r\nTransfer-Encoding: chunked") != NULL ||
	    strstr(buf, "\r\ntransfer-encoding: chunked") != NULL;
	memmove(buf, sep + 4, blen);
	if (chunked)
		blen = unchunk(buf, blen);
	*len = blen < cap ? blen : cap - 1;
	memcpy(body, buf, *len);
	body[*len] = '\0';
	return status;
}

int
probe_get(const char *url, long timeout_ms, char *body, size_t cap, size_t *len)
{
	char host[PROBE_MAX_HOST + 1], port[6], req[1400], *buf;
	const char *path;
	long long deadline = utctime_clock_ms() + timeout_ms;
	long n;
	int fd, status = 0;

	*len = 0;
	if (cap > 0)
		body[0] = '\0';
	if (split(url, host, port, &path) == -1 || strlen(path) > 700 || cap == 0)
		return -1;
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nAccept: application/json\r\n"
	    "Connection: close\r\nUser-Agent: afmts\r\n\r\n", path, strchr(host, ':') ? "[" : "",
	    host, strchr(host, ':') ? "]" : "", port);
	if ((fd = connect_by(host, port, deadline)) == -1)
		return 0;
	if ((buf = malloc(cap + 4096)) != NULL && send_all(fd, req, strlen(req), deadline) == 0 &&
	    (n = read_answer(fd, buf, cap + 4095, deadline)) > 0)
		status = probe_answer(buf, (size_t)n, body, cap, len);
	free(buf);
	close(fd);
	return status;
}

/* Past the JSON string that starts at s[i] (a '"'), or len when it does not end. */
static size_t
skip_string(const char *s, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

int
probe_slots(const char *s, size_t len, int *total, int *busy)
{
	static const char key[] = "\"is_processing\"";
	int depth = 0, seen = 0;
	size_t i = 0;

	*total = *busy = 0;
	while (i < len) {
		char c = s[i];

		if (c == '"') {
			size_t end = skip_string(s, i, len), j = end;

			/* A member of a slot (depth 2: the array's object) named is_processing. */
			if (depth == 2 && end - i == sizeof key - 1 && memcmp(s + i, key, end - i) == 0) {
				while (j < len && strchr(" \t\r\n", s[j]) != NULL && s[j] != '\0')
					j++;
				if (j < len && s[j] == ':') {
					for (j++; j < len && strchr(" \t\r\n", s[j]) != NULL && s[j]; j++)
						;
					if (len - j >= 4 && memcmp(s + j, "true", 4) == 0) {
						(*total)++;
						(*busy)++;
						seen = 1;
					} else if (len - j >= 5 && memcmp(s + j, "false", 5) == 0) {
						(*total)++;
						seen = 1;
					}
				}
			}
			i = end;
			continue;
		}
		if (c == '[' || c == '{')
			depth++;
		else if (c == ']' || c == '}')
			depth--;
		i++;
	}
	return seen ? 0 : -1;
}
