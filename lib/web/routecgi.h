/*
 * routecgi: afmts-route as a CGI program (RFC 3875), under any web server.
 *
 *   GET  /route?need=tools&min_context=32000&strategy=fastest   candidates as JSON
 *   GET  /v1/models[?all=1]     tracked free models, OpenAI list format
 *   GET  /status                catalog age, providers, breakers
 *   GET  /status.html           the same for people (statuspage.h)
 *   GET  /metrics               Prometheus text format (metrics.h)
 *   POST /report                record an outcome (form-encoded fields)
 *
 * Errors are JSON with a 4xx status, or 503 when there is no catalog.  The
 * same program serves FastCGI when started with a listening socket.
 */
#ifndef AFMTS_ROUTECGI_H
#define AFMTS_ROUTECGI_H

#include <stdio.h>

#include "cgi.h"
#include "decide.h"

#define ROUTECGI_MAX_BODY 8192	/* bytes of a POST body */

/* Answer the request described by the environment on stdout.  Returns 0, or 1 if it failed. */
int routecgi_main(const char *db_path);

/*
 * Answer req (cgi.h) through decider d on out; d is done with
 * (decider_done) before the answer is sent.
 * client, when not NULL, is the authenticated client (afmts-gateway's client
 * keys): a /report row is its, and a body naming a client is refused.
 */
int routecgi_answer(struct decider *d, const struct cgi_request *req, FILE *out,
    const char *client);

/*
 * The same answers as a persistent FastCGI responder on the listening socket
 * of fd 0 (see fastcgi.h): no exec per request.  Returns an exit status.
 */
int routecgi_fastcgi(const char *db_path);

#endif
