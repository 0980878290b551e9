/*
 * Fuzz harness: the route snapshot reader (routesnap_open, routesnap_str)
 * and the decision made from it (route_select_snapshot), as afmts-route
 * reads CATALOG.route.
 *
 * Input: the snapshot file's bytes.  Its header's catalog identity (bytes
 * 40 to 71) is overwritten with the identity of the harness's own catalog
 * file, so that a mutated snapshot is not simply refused as another
 * catalog's.  Checked: each of a few queries either leaves the answer to the
 * catalog (-2) or emits as many candidates as it says, each with its
 * strings, ranked 1, 2, ...
 */
#define _GNU_SOURCE	/* statx, mkdtemp */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "route.h"
#include "routesnap.h"

#define NOW 1795435200	/* 2026-11-22T12:00:00Z, as the seed snapshots were judged */
#define IDENTITY_AT 40

static char dir[4096], catalog[4200], snap[4300], lockpath[4300];
static unsigned char identity[32];

static void
cleanup(void)
{
	unlink(snap);
	unlink(lockpath);
	unlink(catalog);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct statx sx;
	uint64_t id[2];
	int64_t born[2] = { 0, 0 };
	int fd;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/afmts-fuzz-snap.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(catalog, sizeof catalog, "%s/catalog.db", dir);
	snprintf(snap, sizeof snap, "%s.route", catalog);
	snprintf(lockpath, sizeof lockpath, "%s.route.lock", catalog);
	FUZZ_CHECK((fd = open(catalog, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	FUZZ_CHECK((fd = open(lockpath, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	atexit(cleanup);
	/* The identity routesnap.c records: device, inode, birth time. */
	FUZZ_CHECK(statx(AT_FDCWD, catalog, 0, STATX_INO | STATX_BTIME, &sx) == 0);
	id[0] = ((uint64_t)sx.stx_dev_major << 32) | sx.stx_dev_minor;
	id[1] = sx.stx_ino;
	if (sx.stx_mask & STATX_BTIME) {
		born[0] = sx.stx_btime.tv_sec;
		born[1] = sx.stx_btime.tv_nsec;
	}
	memcpy(identity, id, sizeof id);
	memcpy(identity + sizeof id, born, sizeof born);
	return 0;
}

struct seen {
	int	 n;
};

static int
emit(const struct candidate *c, void *arg)
{
	struct seen *s = arg;

	FUZZ_CHECK(c->rank == ++s->n);
	FUZZ_CHECK(c->provider != NULL && c->model != NULL && c->base_url != NULL &&
	    c->key_env != NULL);
	FUZZ_CHECK(strlen(c->provider) + strlen(c->model) + strlen(c->base_url) +
	    strlen(c->key_env) < ((size_t)1 << 32));
	return 0;
}

/* One decision from the snapshot with the parameters params ("name", "value", ... NULL). */
static void
decide(const char *const *params)
{
	struct route_query q;
	struct seen s = { 0 };
	char why[512];
	int n;

	route_query_init(&q, NOW);
	for (const char *const *p = params; *p != NULL; p += 2)
		FUZZ_CHECK(route_param(&q, p[0], p[1]) == NULL);
	if (params[0] == NULL)
		q.all = 1;
	q.catalog = catalog;
	why[0] = '\0';
	n = route_select_snapshot(catalog, &q, emit, &s, why, sizeof why);
	FUZZ_CHECK(n >= -2);
	if (n >= 0)
		FUZZ_CHECK(n == s.n);
	if (n == 0)
		FUZZ_CHECK(why[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const q0[] = { NULL };
	static const char *const q1[] = { "strategy", "cheapest", "count", "1000", "max_price", "5",
		NULL };
	static const char *const q2[] = { "need", "tools", "min_context", "32000", "strategy",
		"fastest", "count", "3", NULL };
	static const char *const q3[] = { "provider", "groq,openrouter", "exclude_provider", "x",
		"modality", "in:image", "family", "llama", "strategy", "least-used", NULL };
	static const char *const q4[] = { "model", "meta-llama/llama-3.3-70b-instruct:free",
		"strategy", "random", "seed", "7", NULL };
	struct routesnap s;
	unsigned char *copy;
	int fd;

	if (size > (1 << 20))
		return 0;
	FUZZ_CHECK((copy = malloc(size ? size : 1)) != NULL);
	memcpy(copy, data, size);
	if (size >= IDENTITY_AT + sizeof identity)
		memcpy(copy + IDENTITY_AT, identity, sizeof identity);
	FUZZ_CHECK((fd = open(snap, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	FUZZ_CHECK(write(fd, copy, size) == (ssize_t)size);
	close(fd);
	free(copy);

	/* The reader alone: every string of every entry is NULL or inside the file. */
	if (routesnap_open(&s, catalog) == 0) {
		for (size_t i = 0; i < s.n; i++)
			for (int k = 0; k < RS_NSTRINGS; k++) {
				const char *t = routesnap_str(&s, i, (enum routesnap_string)k);

				FUZZ_CHECK(t == NULL || (t >= s.strings && t + strlen(t) < s.strings +
				    s.nstrings));
			}
		routesnap_close(&s);
	}
	decide(q0);
	decide(q1);
	decide(q2);
	decide(q3);
	decide(q4);
	return 0;
}
