/*
 * model: the checks a `model` record passes before it leaves afmts-parse or
 * enters the catalog.  Provider data is untrusted: every string is bounded
 * and free of control characters, every number is in a sane range.
 */
#ifndef AFMTS_MODEL_H
#define AFMTS_MODEL_H

#include <jv.h>

#define MODEL_MAX_ID	512	/* bytes of a model id */
#define MODEL_MAX_TEXT	512	/* bytes of a name, family, reason */
#define MODEL_MAX_TOKENS 100000000.0	/* context or output length */
#define MODEL_MAX_PRICE	1000000.0	/* USD per million tokens */
#define MODEL_MAX_LIMIT	1e12		/* a rate limit value */

/*
 * Check record m (borrowed).  Returns NULL if it is a valid model record,
 * else a static string naming the field and the problem.
 */
const char *model_check(jv m);

/* 1 if s (n bytes) has no control characters; JSON strings are UTF-8 already. */
int model_clean_text(const char *s, int n);

#endif
