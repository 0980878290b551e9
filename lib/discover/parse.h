/*
 * parse: the engine of afmts-parse.  Fetch records in, model records and one
 * provider status record per provider out (see afmts-parse(1)).
 */
#ifndef AFMTS_PARSE_H
#define AFMTS_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include <jv.h>

struct parser;

/*
 * A parser over the descriptors loaded from the shipped, user and (if not
 * NULL) providers_dir directories.  only: NULL or a comma-separated list of
 * provider names to keep.  Returns NULL after reporting why.
 */
struct parser *parse_new(const char *providers_dir, const char *only, size_t max_line);

/*
 * Read fetch lines from in (called `name` in messages) and write records to
 * out.  Returns 0 if every line and provider was fine, 1 if something was
 * reported (the rest still went through), -1 on a write error.
 */
int parse_fetch_stream(struct parser *p, FILE *in, const char *name, FILE *out);

/*
 * Read raw responses (one or more JSON documents, or one HTML/XML page) from
 * in and run dialect on them as provider `provider` (NULL: the provider named
 * like the dialect, or a bare descriptor with no free rule).  Same returns.
 */
int parse_raw(struct parser *p, FILE *in, const char *dialect, const char *provider,
    FILE *out);

/*
 * Write the provider status records gathered so far.  Returns 0 if the whole
 * run was fine, 1 if anything was reported (or there was no input at all),
 * -1 on a write error.
 */
int parse_finish(struct parser *p, FILE *out);

void parse_free(struct parser *p);

#endif
