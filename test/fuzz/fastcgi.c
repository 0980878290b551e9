/*
 * Fuzz harness: FastCGI records, as a web server sends them on one
 * connection (fastcgi_connection), answered by afmts-route's CGI handler
 * without a catalog.
 *
 * Input: the bytes the server sends; the connection is closed after them.
 * Checked: what comes back is whole FastCGI records of the types a
 * responder sends, each answer ended by END_REQUEST.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fastcgi.h"
#include "fuzz.h"
#include "routecgi.h"

#define MAX_SENT (64 * 1024)	/* fits the socket's buffer: no thread needed */


static void
handler(void *arg, FILE *in, FILE *out)
{
	struct decider d;
	struct cgi_request req;

	cgi_request(&req, in);
	decider_init(&d, arg, 0, 0);
	routecgi_answer(&d, &req, out, NULL);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	setenv("AFMTS_NOW", "2026-11-22T12:00:00Z", 1);
	setenv("AFMTS_FASTCGI_TIMEOUT", "1", 1);
	return 0;
}

/* Check the records the responder wrote (n bytes at p; a last one may be cut). */
static void
check_answer(const unsigned char *p, size_t n)
{
	while (n >= 8) {
		unsigned type = p[1], len = (unsigned)p[4] << 8 | p[5];

		FUZZ_CHECK(p[0] == 1);
		FUZZ_CHECK(type == 3 || type == 6 || type == 10 || type == 11);	/* END, STDOUT, VALUES, UNKNOWN */
		FUZZ_CHECK(p[6] == 0);	/* we pad nothing */
		if (type == 3)
			FUZZ_CHECK(len == 8);
		if (n < 8 + len)
			break;
		p += 8 + len;
		n -= 8 + len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	static unsigned char back[1 << 20];
	size_t nback = 0;
	ssize_t k;

	if (size > MAX_SENT)
		return 0;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	/* The responder's writes fail rather than wait when nobody reads yet. */
	FUZZ_CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	FUZZ_CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	for (size_t off = 0; off < size; off += (size_t)k)
		if ((k = write(sv[1], data + off, size - off)) <= 0)
			break;	/* the buffer is full: the rest is not sent */
	shutdown(sv[1], SHUT_WR);
	FUZZ_CHECK(fastcgi_connection(sv[0], cgi_variables, 64 * 1024, handler, NULL) == 0);
	close(sv[0]);
	while (nback < (1 << 20) && (k = read(sv[1], back + nback, (1 << 20) - nback)) > 0)
		nback += (size_t)k;
	check_answer(back, nback);
	close(sv[1]);
	return 0;
}
