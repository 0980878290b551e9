/*
 * pagerule: the grammar of a descriptor's "pages" member (see pages.h for
 * what it means): checked when descriptors are loaded, read when pages come.
 */
#ifndef AFMTS_PAGERULE_H
#define AFMTS_PAGERULE_H

#include <jv.h>

#define PAGERULE_MAX_PATH 128
#define PAGERULE_MAX_PAGES 50
#define PAGERULE_MAX_BYTES (16L << 20)

/* NULL if rule (borrowed) is a usable "pages" member, else what is wrong with it. */
const char *pagerule_check(jv rule);

/* The string member k of rule (borrowed; the string lives as long as rule), or NULL. */
const char *pagerule_str(jv rule, const char *k);

/* The bounds, with their defaults, of a checked rule. */
long pagerule_max_pages(jv rule);
long pagerule_max_bytes(jv rule);

#endif
