/*
 * strset: open addressing with linear probing; the table doubles at 1/2 full.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "strset.h"

struct slot {
	uint64_t	 hash;
	char		*key;		/* NULL: empty */
	size_t		 len;
};

struct strset {
	struct slot	*slots;
	size_t		 cap, n;	/* cap is a power of two */
};

static uint64_t
hash(const char *s, size_t n)
{
	return fnv1a(FNV_SEED, s, n);
}

struct strset *
strset_new(void)
{
	struct strset *set = calloc(1, sizeof *set);

	if (set == NULL)
		return NULL;
	set->cap = 1024;
	if ((set->slots = calloc(set->cap, sizeof set->slots[0])) == NULL) {
		free(set);
		return NULL;
	}
	return set;
}

/* The slot holding s, or the empty slot where it would go. */
static struct slot *
find(const struct strset *set, uint64_t h, const char *s, size_t n)
{
	size_t i = h & (set->cap - 1);

	for (;;) {
		struct slot *sl = &set->slots[i];

		if (sl->key == NULL || (sl->hash == h && sl->len == n && memcmp(sl->key, s, n) == 0))
			return sl;
		i = (i + 1) & (set->cap - 1);
	}
}

static int
grow(struct strset *set)
{
	struct slot *old = set->slots;
	size_t oldcap = set->cap;

	if ((set->slots = calloc(oldcap * 2, sizeof set->slots[0])) == NULL) {
		set->slots = old;
		return -1;
	}
	set->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*find(set, old[i].hash, old[i].key, old[i].len) = old[i];
	free(old);
	return 0;
}

int
strset_add(struct strset *set, const char *s, size_t n)
{
	uint64_t h = hash(s, n);
	struct slot *sl;

	if ((set->n + 1) * 2 > set->cap && grow(set) == -1)
		return -1;
	sl = find(set, h, s, n);
	if (sl->key != NULL)
		return 0;
	if ((sl->key = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(sl->key, s, n);
	sl->len = n;
	sl->hash = h;
	set->n++;
	return 1;
}

int
strset_has(const struct strset *set, const char *s, size_t n)
{
	return find(set, hash(s, n), s, n)->key != NULL;
}

void
strset_free(struct strset *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i].key);
	free(set->slots);
	free(set);
}
