/*
 * fastcgi: a FastCGI responder, so that a web server can keep a program
 * running between requests instead of starting it for each one.
 *
 * A FastCGI server (lighttpd's mod_fastcgi, spawn-fcgi) starts the program
 * with a listening socket as file descriptor 0.  Requests are served one at a
 * time (no multiplexing, which the protocol lets us decline): for each, the
 * CGI variables the handler reads are set in the environment, its body is an
 * input stream, and what the handler writes becomes the response.
 */
#ifndef AFMTS_FASTCGI_H
#define AFMTS_FASTCGI_H

#include <stdio.h>

/* Is fd 0 a listening socket, as FastCGI servers hand it over?  1 or 0. */
int fastcgi_listening(void);

/*
 * The handler of one request: read the body from in, write the CGI response
 * (header lines, blank line, body) to out.  What it flushes reaches the web
 * server at once, so an answer can be streamed.
 */
typedef void fastcgi_handler(void *arg, FILE *in, FILE *out);

/* Seconds a request may take to arrive whole (AFMTS_FASTCGI_TIMEOUT overrides). */
#define FASTCGI_TIMEOUT 10

/* Workers one process may run (AFMTS_GATEWAY_WORKERS). */
#define FASTCGI_MAX_WORKERS 256

/*
 * Accept connections on fd 0 and serve their requests with handler until a
 * signal or an accept error ends it.  A connection whose request has not
 * arrived whole within AFMTS_FASTCGI_TIMEOUT seconds (default
 * FASTCGI_TIMEOUT), or that does not take our answer as long, is closed.
 * A request whose parameters are over 64 KiB is answered 414 without the
 * handler.  With workers > 1 or max_requests > 0, the calling process keeps
 * the socket and forks that many workers (at most FASTCGI_MAX_WORKERS), each
 * accepting on it and serving one request at a time: so many requests are
 * answered at once, however the server spreads them.  A worker returns 0
 * after answering max_requests (its caller exits, cleaned up) and another is
 * forked at once; one that fails ends them all.  The caller returns from it
 * (0) after SIGTERM or SIGINT, passed on to the workers.  names lists the CGI
 * variables to copy from each request into the environment (NULL-terminated);
 * variables of the previous request are unset first.  At most max_body bytes
 * of a request body are kept (the rest is read and dropped: CONTENT_LENGTH
 * tells the handler).  Returns an exit status.
 */
int fastcgi_serve(const char *const *names, size_t max_body, long max_requests, int workers,
    fastcgi_handler *handler, void *arg);

/*
 * In a handler: the web server closed the request's connection or sent
 * something for it (an FCGI_ABORT_REQUEST): its client is gone.  1 or 0.
 */
int fastcgi_client_gone(void);

/*
 * Serve the requests of one connected socket, fd, until it closes or breaks,
 * as fastcgi_serve does each connection it accepts (test/fuzz drives the
 * record reader through it).  The caller keeps fd.  0, or -1 when out of memory.
 */
int fastcgi_connection(int fd, const char *const *names, size_t max_body,
    fastcgi_handler *handler, void *arg);

#endif
