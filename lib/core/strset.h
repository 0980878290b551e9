/*
 * strset: a set of byte strings (open addressing, FNV-1a), each with a number
 * kept beside it: "which models did this run see", and the small maps from a
 * string to an id or to an index the usage writers keep.  Memory grows with
 * the strings added, which is the size of one catalog (or a bounded cache),
 * never of the input.
 */
#ifndef AFMTS_STRSET_H
#define AFMTS_STRSET_H

#include <stddef.h>
#include <stdint.h>

struct strset;

struct strset *strset_new(void);

/* Add the n bytes at s.  Returns 1 if added, 0 if already there, -1 out of memory. */
int strset_add(struct strset *set, const char *s, size_t n);

/* 1 if the n bytes at s are in the set. */
int strset_has(const struct strset *set, const char *s, size_t n);

/*
 * The number kept with the n bytes at s, which are added with 0 when new
 * (*added, when not NULL, says whether they were); NULL when out of memory.
 * The pointer is good until the next string is added.
 */
int64_t *strset_value(struct strset *set, const char *s, size_t n, int *added);

/* How many strings the set holds. */
size_t strset_count(const struct strset *set);

/* Call fn on each string and its number, in no order, until fn returns other than 0; returns that, else 0. */
int strset_each(const struct strset *set,
    int (*fn)(void *arg, const char *s, size_t n, int64_t value), void *arg);

/* Forget every string. */
void strset_clear(struct strset *set);

void strset_free(struct strset *set);

#endif
