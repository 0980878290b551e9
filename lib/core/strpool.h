/*
 * strpool: copies of short strings in a fixed buffer, for the fields of one
 * request (a route query, an outcome) that must live as long as it does.
 */
#ifndef AFMTS_STRPOOL_H
#define AFMTS_STRPOOL_H

#include <stddef.h>
#include <string.h>

struct strpool {
	char	 buf[4096];
	size_t	 used;
};

/* A copy of s in the pool; NULL when the pool is full. */
static inline char *
strpool_keep(struct strpool *p, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > sizeof p->buf - p->used)
		return NULL;
	memcpy(p->buf + p->used, s, n);
	p->used += n;
	return p->buf + p->used - n;
}

#endif
