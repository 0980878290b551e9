/* Unit tests of lib/strset.c. */
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
