/*
 * finish: the mechanical step every model a dialect emits goes through.
 *
 * A dialect only picks fields out of one response shape.  This module, driven
 * by the provider's descriptor, turns what it picked into a model record:
 * prices scaled to USD per million tokens (price_unit), counts made whole,
 * feature names mapped to our words (parsers/features), the provider's limits
 * merged, the free rule applied (rule kinds below), the common fields added,
 * in a fixed order, then the dialect's "extra" fields.
 *
 * Free rules (descriptor "free"): all, zero_price (variant_suffix), match
 * (regular expressions pattern and exclude, as jq's test() reads them), dialect (the
 * model's own "free"), none; each with an optional reason and require_output.
 */
#ifndef AFMTS_FINISH_H
#define AFMTS_FINISH_H

#include <jv.h>

struct family;
struct finisher;
struct features;

/* Feature synonyms, "name word" a line (parsers/features).  NULL after reporting. */
struct features *features_load(const char *path);
void features_free(struct features *fs);

/*
 * A finisher for descriptor d (borrowed).  Returns NULL and sets *why (static
 * or in buf) when the descriptor's free rule or price unit is unusable.
 */
struct finisher *finish_new(jv d, const struct features *fs, const struct family *fam,
    char *buf, size_t n, const char **why);

/*
 * The model record for dialect output m (consumed), observed at observed_at.
 * Returns an invalid jv with a message when m is not an object with a
 * string "model".  The record still needs model_check().
 */
jv finish_model(const struct finisher *f, jv m, const char *observed_at);

void finish_free(struct finisher *f);

#endif
