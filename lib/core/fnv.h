/*
 * fnv: FNV-1a, 64 bits: the one hash for set lookups, line digests and usage
 * dedupe keys.  Not for anything an adversary could aim at for gain: a
 * collision at worst makes a record take the slow path (sets, digests) or, with
 * odds of one in 2^64 per pair, counts two usage records as one.
 */
#ifndef AFMTS_FNV_H
#define AFMTS_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_SEED 0xcbf29ce484222325ULL

/* Continue hash h over the n bytes at p. */
static inline uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

#endif
