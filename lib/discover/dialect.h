/*
 * dialect: run a provider dialect, parsers/dialects/NAME.jq, with libjq.
 *
 * A dialect is a jq program that picks the fields of each model out of one
 * raw response shape; finish.c makes records of what it picks.  It is
 * compiled once per process, after parsers/prelude.jq (shared helpers), as
 *
 *     PRELUDE  . as $in | (DIALECT)
 *
 * Its input is {"provider": descriptor, "fetch": fetch line without body,
 * "body": parsed body or tree of an HTML/XML body}.  The user's config dir
 * (dialects/NAME.jq) wins over the shipped one.
 */
#ifndef AFMTS_DIALECT_H
#define AFMTS_DIALECT_H

#include <jv.h>

struct dialect;

/*
 * Find and compile dialect `name`.  Returns NULL after reporting why (file
 * missing, jq compile errors).
 */
struct dialect *dialect_load(const char *name);

/* The dialect's name. */
const char *dialect_name(const struct dialect *d);

/*
 * Run the dialect on input (consumed).  Returns an array of its outputs
 * (caller frees), or an invalid jv whose message says what failed.
 */
jv dialect_run(struct dialect *d, jv input);

void dialect_free(struct dialect *d);

#endif
