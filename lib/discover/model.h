/*
 * model: the checks a `model` record passes before it leaves afmts-parse or
 * enters the catalog.  Provider data is untrusted: every string is bounded
 * and free of control characters, every number is in a sane range.
 */
#ifndef AFMTS_MODEL_H
#define AFMTS_MODEL_H

#include <jv.h>

#include "names.h"

#define MODEL_MAX_ID	NAMES_MODEL_MAX	/* bytes of a model id */
#define MODEL_MAX_TEXT	512	/* bytes of a name, family, reason */
#define MODEL_MAX_TOKENS 100000000.0	/* context or output length */
#define MODEL_MAX_PRICE	1000000.0	/* USD per million tokens */
#define MODEL_MAX_LIMIT	1e12		/* a rate limit value */

/*
 * free_basis says what "free" rests on: price_zero (the list's price is 0),
 * variant (a free variant such as ":free"), free_tier (the provider's
 * documented free tier covers it) or local (your own server); free_checked
 * is the day (YYYY-MM-DD) its free rule was checked; trains_on_prompts is
 * true, false or "unknown" (the provider's free tier and its prompts).
 *
 * Check record m (borrowed).  Returns NULL if it is a valid model record,
 * else a static string naming the field and the problem.
 */
const char *model_check(jv m);

/*
 * The members a model record's checks know, in the order of their rules.
 * Other members are not ours to judge.
 */
enum model_member {
	MODEL_PROVIDER, MODEL_ID, MODEL_NAME, MODEL_FAMILY, MODEL_FREE_REASON, MODEL_BASE_URL,
	MODEL_CONTEXT, MODEL_MAX_OUTPUT, MODEL_INPUT_PRICE, MODEL_OUTPUT_PRICE, MODEL_FREE,
	MODEL_MODALITIES, MODEL_FEATURES, MODEL_LIMITS, MODEL_OBSERVED_AT, MODEL_PRICE_TIERS,
	MODEL_FREE_BASIS, MODEL_FREE_CHECKED, MODEL_TRAINS, MODEL_NMEMBERS
};

/* A value as a reader saw it: libjq, or the bytes of a plain line (modelscan.h). */
struct model_value {
	enum { MV_ABSENT, MV_STRING, MV_NUMBER, MV_TRUE, MV_FALSE, MV_OTHER } kind;
	const char	*s;	/* MV_STRING: len bytes, not NUL-terminated */
	int		 len;
	double		 d;	/* MV_NUMBER */
};

/* The member named by the n bytes at key, or -1 when it is not one of ours. */
int model_member(const char *key, size_t n);

/* The member's name in a model record ("provider", "context_length" ...). */
const char *model_member_name(int member);

/* Whether the member must be present. */
int model_required(int member);

/* Why the member is wrong: the message model_check gives. */
const char *model_why(int member);

/*
 * The check of a member whose value is a scalar (every member but
 * modalities, features, limits and price_tiers): 0 when v is fine, -1 when not.
 */
int model_scalar_ok(int member, const struct model_value *v);

/* One word of features or of a modality list: 0 or -1. */
int model_word_ok(const struct model_value *v);

/* Words a modality list (16) and features (32) may hold. */
#define MODEL_MAX_MODALITIES 16
#define MODEL_MAX_FEATURES 32

/* Most slots a local server may say it has. */
#define MODEL_MAX_SLOTS 4096

/*
 * A value of limits: 0 or -1 (rpm, rpd, tpm, tpd are whole numbers, slots a
 * whole number from 1 to MODEL_MAX_SLOTS; others anything).
 */
int model_limit_ok(const char *key, size_t n, const struct model_value *v);

/*
 * price_tiers: 1 to MODEL_MAX_TIERS objects {min_prompt_tokens, input_price,
 * output_price} and nothing else, thresholds whole, from 1 to 1e8 and
 * strictly ascending, prices as input_price.  A request whose prompt reaches
 * a tier's min_prompt_tokens is priced, whole, at the highest tier it reaches.
 */
#define MODEL_MAX_TIERS 8
/* Bytes of a price_tiers member's JSON text at most (jsonl_number numbers). */
#define MODEL_TIERS_TEXT (2 + MODEL_MAX_TIERS * (56 + 3 * 32))

#endif
