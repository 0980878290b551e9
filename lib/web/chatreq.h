/*
 * chatreq: an OpenAI chat completion (or legacy completion) request, read for
 * routing.
 *
 * The "model" field chooses the policy: "afmts/auto" (or none) is the default
 * strategy; "afmts/STRATEGY" (fastest, cheapest, least-used, round-robin,
 * random, free-first) another one; "afmts/FEATURE" (tools, vision,
 * json_mode, reasoning) requires a feature; anything else pins that catalog
 * id.  "afmts_fallback": [ids...], an extension, gives an explicit order;
 * "afmts_wait_ms", another, how long it may wait for a busy model;
 * "afmts_cache", a third, true or false, whether it goes through the answer
 * cache (cache.h).
 * The request itself adds requirements: tools present need "tools", image
 * parts need "vision", a JSON response_format needs "json_mode", and the
 * prompt's size (4 characters a token) plus max_tokens is a minimum context.
 */
#ifndef AFMTS_CHATREQ_H
#define AFMTS_CHATREQ_H

#include <stddef.h>
#include <time.h>

#include <jv.h>

#include "route.h"

#define CHATREQ_MAX_FALLBACK 8
#define CHATREQ_MAX_WAIT_MS 600000

struct chatreq {
	jv		 body;		/* the request, as parsed */
	int		 completion;	/* /v1/completions: "prompt", not "messages" */
	int		 stream;
	int		 include_usage;	/* the client asked for stream usage (stream_options) */
	struct route_query q;
	const char	*fallback[CHATREQ_MAX_FALLBACK];	/* into body */
	int		 nfallback;
	long		 wait_ms;	/* afmts_wait_ms, -1 when not given */
	int		 cache;		/* afmts_cache: 1 true, 0 false, -1 not given */
	int		 cache_scanned;	/* fallback_cached looked for it once already */
};

/*
 * Parse text (len bytes) into r and derive its routing query; completion
 * says it is a legacy completion request (a "prompt").  NULL, or what is
 * wrong with the request (r is then already freed).
 */
const char *chatreq_parse(struct chatreq *r, const char *text, size_t len, time_t now,
    int completion);

/*
 * The request's JSON text for one upstream model (extension fields dropped);
 * a stream always asks for usage (stream_options.include_usage), so that
 * every request is counted.  Free it.
 */
char *chatreq_body_for(const struct chatreq *r, const char *model);

void chatreq_free(struct chatreq *r);

#endif
