/*
 * usage: the check of a `usage` record (one request made through a model),
 * and its fields in C form for the catalog.
 */
#ifndef AFMTS_USAGE_H
#define AFMTS_USAGE_H

#include <jv.h>

#include "usagerow.h"

#define USAGE_MAX_TOKENS 1e9	/* tokens of one request */
#define USAGE_MAX_LATENCY 1e7	/* milliseconds */
#define USAGE_MAX_RETRY_AFTER 604800	/* seconds */
#define USAGE_MAX_TEXT 1024	/* bytes of error, client, request_id */
#define USAGE_MAX_COST 1e6	/* USD of one request */

/*
 * Check record u (borrowed, must stay alive while out is used) and fill out;
 * out's strings point into u.
 * Returns NULL, or a static string saying which field is wrong.
 */
const char *usage_check(jv u, struct usage *out);

/*
 * Read a plain usage line (len bytes, which it changes: out's strings point
 * into it) without libjq: 1 when it is a valid usage record and out is what
 * usage_check would make of it; 0 when it declines (anything unusual, every
 * error), and the line must go through libjq and usage_check.
 */
int usage_scan(char *line, size_t len, struct usage *out);

#endif
