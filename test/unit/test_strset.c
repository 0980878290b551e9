/* Unit tests of lib/core/strset.c. */
#include <stdio.h>
#include <string.h>

#include "strset.h"
#include "unit.h"

void
test_strset_adds_finds_and_grows(void)
{
	struct strset *s = strset_new();
	char key[32];
	int bad = 0;

	CHECK(s != NULL);
	CHECK(strset_add(s, "a\0b", 3) == 1);
	CHECK(strset_add(s, "a\0b", 3) == 0);
	CHECK(strset_has(s, "a\0b", 3));
	CHECK(!strset_has(s, "a\0c", 3));
	CHECK(!strset_has(s, "a", 1));
	CHECK(strset_add(s, "", 0) == 1);
	CHECK(strset_has(s, "", 0));
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof key, "p\x1fmodel-%d", i);

		bad += strset_add(s, key, (size_t)n) != 1;
	}
	CHECK(bad == 0);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof key, "p\x1fmodel-%d", i);

		bad += !strset_has(s, key, (size_t)n);
	}
	CHECK(bad == 0);
	CHECK(!strset_has(s, "p\x1fmodel-5000", 12));
	strset_free(s);
}

/* strset_each: adds up the values it is shown. */
static int
sum_values(void *arg, const char *s, size_t n, int64_t value)
{
	(void)s;
	(void)n;
	*(int64_t *)arg += value;
	return 0;
}

/* strset_each: stops at the string "stop". */
static int
stop_at(void *arg, const char *s, size_t n, int64_t value)
{
	(void)arg;
	(void)value;
	return n == 4 && memcmp(s, "stop", 4) == 0 ? 7 : 0;
}

void
test_strset_keeps_a_value_per_string_and_clears(void)
{
	struct strset *s = strset_new();
	int64_t *v, total = 0;
	char key[32];
	int added = -1, bad = 0;

	CHECK(s != NULL);
	CHECK((v = strset_value(s, "a\0b", 3, &added)) != NULL && added == 1 && *v == 0);
	*v = 42;
	CHECK((v = strset_value(s, "a\0b", 3, &added)) != NULL && added == 0 && *v == 42);
	CHECK(strset_add(s, "a\0b", 3) == 0);
	/* Values survive the table growing. */
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(key, sizeof key, "k%d", i);

		v = strset_value(s, key, (size_t)n, NULL);
		bad += v == NULL;
		if (v != NULL)
			*v = i;
	}
	CHECK(bad == 0);
	CHECK(strset_count(s) == 3001);
	CHECK(*strset_value(s, "a\0b", 3, NULL) == 42);
	CHECK(*strset_value(s, "k2999", 5, NULL) == 2999);
	CHECK(strset_each(s, sum_values, &total) == 0);
	CHECK(total == 42 + 2999LL * 3000 / 2);
	CHECK(strset_add(s, "stop", 4) == 1);
	CHECK(strset_each(s, stop_at, NULL) == 7);
	strset_clear(s);
	CHECK(strset_count(s) == 0);
	CHECK(!strset_has(s, "a\0b", 3));
	CHECK((v = strset_value(s, "a\0b", 3, &added)) != NULL && added == 1 && *v == 0);
	strset_free(s);
}
