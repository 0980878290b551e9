/*
 * usage: the check of a `usage` record (one request made through a model),
 * and its fields in C form for the catalog.
 */
#ifndef AFMTS_USAGE_H
#define AFMTS_USAGE_H

#include <stdint.h>

#include <jv.h>

#define USAGE_MAX_TOKENS 1e9	/* tokens of one request */
#define USAGE_MAX_LATENCY 1e7	/* milliseconds */
#define USAGE_MAX_TEXT 1024	/* bytes of error, client, request_id */

/* A usage record's fields; strings point into the jv they came from. */
struct usage {
	const char	*ts, *provider, *model, *error, *client, *request_id;
	int64_t		 prompt_tokens, completion_tokens, latency_ms, status;
	int		 has_latency, has_status, has_cost;
	double		 cost;
	int64_t		 dedupe;	/* digest of request_id, else of the fields */
};

/*
 * Check record u (borrowed, must stay alive while out is used) and fill out.
 * Returns NULL, or a static string saying which field is wrong.
 */
const char *usage_check(jv u, struct usage *out);

#endif
