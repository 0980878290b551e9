/*
 * Unit tests of lib/web/cache.c: workers that open a new cache file at the
 * same moment (afmts-batch --parallel) each store their answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "unit.h"

enum { ROUNDS = 40, WORKERS = 4 };

/*
 * A worker: wait for the start (the pipe's end closed), open path, store one
 * entry under its own key; exit 0 when both worked.
 */
static _Noreturn void
store_one(const char *path, int k, int start[2])
{
	struct cache c;
	char key[16], gun;
	int rv;

	close(start[1]);
	while (read(start[0], &gun, 1) == -1)
		;
	snprintf(key, sizeof key, "k%d", k);
	if (cache_open(&c, path) == -1)
		_exit(1);
	rv = cache_put(&c, key, 1000, "p", "m", "answer", 6);
	cache_close(&c);
	_exit(rv == -1 ? 2 : 0);
}

void
test_cache_new_file_opened_by_workers_at_once(void)
{
	char dir[] = "/tmp/afmts-unit-cache.XXXXXX", path[64];
	int round, k, st, stored = 0, start[2];

	CHECK(mkdtemp(dir) != NULL);
	for (round = 0; round < ROUNDS; round++) {
		snprintf(path, sizeof path, "%s/c%d", dir, round);
		if (pipe(start) == -1)
			break;
		for (k = 0; k < WORKERS; k++)
			if (fork() == 0)
				store_one(path, k, start);
		close(start[0]);
		close(start[1]);	/* all start at once */
		for (k = 0; k < WORKERS; k++)
			if (wait(&st) != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
				stored++;
	}
	CHECK(stored == ROUNDS * WORKERS);
	for (round = 0; round < ROUNDS; round++) {
		static const char *const ext[] = { "", "-wal", "-shm" };

		for (k = 0; k < 3; k++) {
			snprintf(path, sizeof path, "%s/c%d%s", dir, round, ext[k]);
			unlink(path);
		}
	}
	CHECK(rmdir(dir) == 0);
}
