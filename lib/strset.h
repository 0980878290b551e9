/*
 * strset: a set of byte strings (open addressing, FNV-1a), for "which models
 * did this run see".  Memory grows with the strings added, which is the size
 * of one catalog, never of the input.
 */
#ifndef AFMTS_STRSET_H
#define AFMTS_STRSET_H

#include <stddef.h>

struct strset;

struct strset *strset_new(void);

/* Add the n bytes at s.  Returns 1 if added, 0 if already there, -1 out of memory. */
int strset_add(struct strset *set, const char *s, size_t n);

/* 1 if the n bytes at s are in the set. */
int strset_has(const struct strset *set, const char *s, size_t n);

void strset_free(struct strset *set);

#endif
