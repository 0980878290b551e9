/*
 * unit: the runner.  Usage: run [NAME-SUBSTRING]
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"

static int failures;

void
unit_fail(const char *file, int line, const char *expr)
{
	printf("#   %s:%d: CHECK(%s) failed\n", file, line, expr);
	failures++;
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
#define UNIT_ENTRY(name) { #name, test_##name },
		UNIT_TESTS(UNIT_ENTRY)
	};
	int passed = 0, failed = 0, n = 0;

	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
			continue;
		failures = 0;
		tests[i].fn();
		fflush(stderr);
		printf("%s %d %s\n", failures ? "not ok" : "ok", ++n, tests[i].name);
		if (failures)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
