/*
 * gateway: afmts-gateway's answers.  POST /v1/chat/completions and
 * /v1/completions go through fallback.h; every other path is answered as
 * afmts-route's CGI interface answers it (routecgi.h).  With client keys
 * (clientkeys.h) every path needs one, and chat requests count against the
 * key's requests a day.
 */
#ifndef AFMTS_GATEWAY_H
#define AFMTS_GATEWAY_H

#include <stddef.h>
#include <stdio.h>

#include "clientkeys.h"
#include "decide.h"
#include "gwalert.h"

/* How often a waiting request looks again. */
#define GATEWAY_WAIT_STEP_MS 50

struct gateway {
	int		 attempts;	/* models tried, at most FALLBACK_MAX_ATTEMPTS */
	long		 timeout_ms;	/* the whole request's time */
	long		 buffer_ms;	/* longest a request waits for a busy model */
	int		 max_waiting;	/* requests waiting at once */
	size_t		 max_body;	/* request bytes */
	struct decider	 d;		/* FastCGI: the catalog stays open between requests */
	const char	*keys_path;	/* the client key file, or NULL: no client keys */
	struct clientkeys keys;
	int		 keys_loaded;
	struct gwalert	 alert;		/* breakers opened, posted after the answer */
};

/*
 * A gateway on the catalog at db_path (kept, not copied), its settings from
 * the environment (afmts-gateway(1)); persistent under FastCGI.
 */
void gateway_init(struct gateway *g, const char *db_path, int persistent);

/* Answer the request of the environment, its body on in, on out (a fastcgi_handler). */
void gateway_serve(void *g, FILE *in, FILE *out);

void gateway_free(struct gateway *g);

#endif
