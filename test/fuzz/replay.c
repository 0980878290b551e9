/*
 * replay: a harness without libFuzzer.  Each argument is an input file or a
 * directory of them (a corpus, saved crashes); each is given once to the
 * harness's LLVMFuzzerTestOneInput.  A finding aborts, so the exit status
 * says whether every input passed.  make check runs it over test/fuzz/corpus/
 * and test/fuzz/crashes/.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define MAX_INPUT ((size_t)16 << 20)

/* Give the file at path to the harness.  0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(MAX_INPUT)) == NULL) {
		fclose(fp);
		return -1;
	}
	n = fread(buf, 1, MAX_INPUT, fp);
	fclose(fp);
	/* An exact-size copy, so that ASan sees a read past the input's end. */
	{
		unsigned char *exact = malloc(n ? n : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of the directory, in name order.  The number done, or -1. */
static long
replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long done = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char **p;

		if (e->d_name[0] == '.')
			continue;	/* ., .. and .gitkeep */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((p = realloc(names, cap * sizeof *names)) == NULL)
				break;
			names = p;
		}
		if ((names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)) == NULL)
			break;
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (done != -1 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			done = replay_file(names[i]) == 0 ? done + 1 : -1;
		free(names[i]);
	}
	free(names);
	return done;
}

int
main(int argc, char **argv)
{
	long total = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long k;

		if (stat(argv[i], &st) == -1) {
			if (errno == ENOENT)
				continue;	/* no saved crashes for this harness */
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		k = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]) == 0 ? 1 : -1;
		if (k == -1)
			return 1;
		total += k;
	}
	printf("%ld inputs replayed\n", total);
	return 0;
}
