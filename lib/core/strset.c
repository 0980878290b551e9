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
	int64_t		 value;
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
	set->cap = 64;
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

int64_t *
strset_value(struct strset *set, const char *s, size_t n, int *added)
{
	uint64_t h = hash(s, n);
	struct slot *sl;

	if (added != NULL)
		*added = 0;
	if ((set->n + 1) * 2 > set->cap && grow(set) == -1)
		return NULL;
	sl = find(set, h, s, n);
	if (sl->key != NULL)
		return &sl->value;
	if ((sl->key = malloc(n ? n : 1)) == NULL)
		return NULL;
	memcpy(sl->key, s, n);
	sl->len = n;
	sl->hash = h;
	sl->value = 0;
	set->n++;
	if (added != NULL)
		*added = 1;
	return &sl->value;
}

int
strset_add(struct strset *set, const char *s, size_t n)
{
	int added;

	return strset_value(set, s, n, &added) == NULL ? -1 : added;
}

int
strset_has(const struct strset *set, const char *s, size_t n)
{
	return find(set, hash(s, n), s, n)->key != NULL;
}

size_t
strset_count(const struct strset *set)
{
	return set->n;
}

int
strset_each(const struct strset *set,
    int (*fn)(void *arg, const char *s, size_t n, int64_t value), void *arg)
{
	int rc;

	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i].key != NULL &&
		    (rc = fn(arg, set->slots[i].key, set->slots[i].len, set->slots[i].value)) != 0)
			return rc;
	return 0;
}

void
strset_clear(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i].key);
	memset(set->slots, 0, set->cap * sizeof set->slots[0]);
	set->n = 0;
}

void
strset_free(struct strset *set)
{
	if (set == NULL)
		return;
	strset_clear(set);
	free(set->slots);
	free(set);
}
