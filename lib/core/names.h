/*
 * names: the rules for names and text that both halves share.  afmts-parse
 * and afmts-track (which link libjq) write what the decision half
 * (afmts-route, afmts-gateway, which do not) reads, and the other way round
 * for usage: one function for each rule, so that a name one half takes the
 * other takes too.  Nothing here needs libjq.
 */
#ifndef AFMTS_NAMES_H
#define AFMTS_NAMES_H

#include <stddef.h>

#define NAMES_PROVIDER_MAX 63	/* bytes of a provider name */
#define NAMES_MODEL_MAX 512	/* bytes of a model id */

/*
 * 1 if s is a provider name (a descriptor's name and file stem, a record's
 * provider, a route's provider list) or a dialect name:
 * [a-z0-9][a-z0-9._-]{0,62}.  Never a path: no '/', no leading '.'.
 */
int names_provider_ok(const char *s);

/* 1 if s (n bytes) has no control characters (C0 or DEL); JSON strings are UTF-8 already. */
int names_clean_text(const char *s, size_t n);

#endif
