/*
 * fallback: one chat request tried on the models decide() ranks, best first,
 * falling back to the next on 429, 5xx, timeouts and dead connections, every
 * attempt recorded (decide_record) so that the next decision sees it.
 */
#ifndef AFMTS_FALLBACK_H
#define AFMTS_FALLBACK_H

#include <stddef.h>
#include <stdio.h>

#include "chatreq.h"
#include "decide.h"

#define FALLBACK_MAX_ATTEMPTS 8

struct fallback_model {
	char		*provider, *model, *base_url, *key_env;
};

struct fallback {
	struct fallback_model m[FALLBACK_MAX_ATTEMPTS];
	int		 n, max;
};

/*
 * The models to try for r, at most fb->max of them: the policy's ranking, or
 * the request's explicit fallback order (its pinned model first).  0, or -1
 * when the catalog cannot be read; when none can take it, why (of size n)
 * says which constraint emptied the list.
 */
int fallback_choose(struct fallback *fb, struct decider *d, struct chatreq *r, char *why,
    size_t n);

/*
 * Try r on fb's models within timeout_ms and write the answer to out: the
 * first that answers (streamed as it comes, or whole), a refusal the request
 * itself caused, or 502/504 naming what each attempt met.  client (NULL: the
 * gateway) is recorded as who asked.
 */
void fallback_run(struct fallback *fb, struct decider *d, const struct chatreq *r,
    long timeout_ms, const char *client, FILE *out);

void fallback_free(struct fallback *fb);

#endif
