/*
 * follow: the further requests a local server's list needs before it says
 * enough of its models (llama-server's /props, Ollama's /api/show per model
 * and /api/ps).
 *
 * A descriptor's "follow" member is an array of steps, asked in order once
 * the model list (every page of it) is in:
 *
 *   {"as": "props", "url": "/props"}              GET once; the answer's body
 *                                                 goes in the record's
 *                                                 extra.props
 *   {"as": "show", "url": "/api/show",            once per item of the list at
 *    "each": "models", "key": "name",             the dotted path "each" of the
 *    "post": "model"}                             body: POST {"model": item.name};
 *                                                 answers in extra.show[name]
 *
 * A step's "keep" (optional) lists the members of each answer worth keeping,
 * as dotted paths (Ollama's /api/show carries licences and templates no
 * dialect reads; of OpenRouter's /api/v1/key only
 * data.free_model_daily_requests.limit).  A step
 * with "when": "key" (which needs "keep") is asked only when the provider's
 * key is given (afmts-fetch leaves it out otherwise, and so does the archived
 * rule), and its failure, or an answer that is no JSON object, leaves its
 * answer out rather than cutting the record: it adds to a list that is whole
 * without it.
 * URLs are resolved against the list's URL and must stay on its origin.  At
 * most FOLLOW_MAX_REQUESTS requests a provider; a step that fails, or a list
 * longer than that, makes the record an incomplete observation naming the
 * request (kind "incomplete"), so that afmts-track removes nothing and keeps
 * what it knew.  The same code runs live and on replay: the archive keeps
 * every answer as a further page of the provider.
 */
#ifndef AFMTS_FOLLOW_H
#define AFMTS_FOLLOW_H

#include <jv.h>

/* Most requests of all steps together, for one provider. */
#define FOLLOW_MAX_REQUESTS 256

struct follow;

/*
 * The steps of rule (consumed) after the list record (consumed, complete and
 * successful) asked at url.  NULL when out of memory.
 */
struct follow *follow_new(jv rule, jv record, const char *url);

/*
 * The next request: 1 with *url (and *post, a JSON body, or NULL for a GET;
 * both malloc'ed), or 0 when none is left (or the record is already cut).
 */
int follow_next(struct follow *f, char **url, char **post);

/*
 * The body of the answer to the request follow_next gave last as the archive
 * keeps it: for a step asked only with a key (an answer about the account),
 * what the step keeps, as JSON (*out, *n bytes, malloc'ed; "" when the answer
 * is no JSON object), so that labels and ids are never written: 1.  0 for the
 * others (the bytes are kept as they came); -1 when out of memory (the
 * answer must not be archived).
 */
int follow_archived(struct follow *f, const char *body, size_t len, char **out, size_t *n);

/* The answer to the request follow_next gave last: fetchline_finish's record (consumed). */
void follow_add(struct follow *f, jv line);

/* The provider's record: the list's with its extra member, or a cut one. */
jv follow_record(struct follow *f);

/* The record cut short for why (the answer to the last request never came). */
jv follow_cut(struct follow *f, const char *why);

void follow_free(struct follow *f);

#endif
