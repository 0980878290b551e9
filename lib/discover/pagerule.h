/*
 * pagerule: the grammar of a descriptor's "pages" and "follow" members (see
 * pages.h and follow.h for what they mean): checked when descriptors are
 * loaded, read when pages come.
 */
#ifndef AFMTS_PAGERULE_H
#define AFMTS_PAGERULE_H

#include <jv.h>

#define PAGERULE_MAX_PATH 128
#define PAGERULE_MAX_PAGES 50
#define PAGERULE_MAX_BYTES (16L << 20)
#define PAGERULE_MAX_STEPS 4

/* NULL if rule (borrowed) is a usable "pages" member, else what is wrong with it. */
const char *pagerule_check(jv rule);

/* NULL if rule (borrowed) is a usable "follow" member, else what is wrong with it. */
const char *pagerule_check_follow(jv rule);

/* 1 if s is a dotted path: segments of [A-Za-z0-9_-], PAGERULE_MAX_PATH bytes at most. */
int pagerule_path_ok(const char *s);

/* The value at dotted path in v (borrowed): new, or invalid when absent. */
jv pagerule_get(jv v, const char *path);

/* v (consumed; an object made when it is none) with x (consumed) at dotted path. */
jv pagerule_set(jv v, const char *path, jv x);

/* The string member k of rule (borrowed; the string lives as long as rule), or NULL. */
const char *pagerule_str(jv rule, const char *k);

/* The bounds, with their defaults, of a checked rule. */
long pagerule_max_pages(jv rule);
long pagerule_max_bytes(jv rule);

#endif
