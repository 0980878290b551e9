/*
 * outfile: an output written whole or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"

FILE *
outfile_open(const char *path, char **tmp)
{
	FILE *f;
	int fd;

	*tmp = NULL;
	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	if ((*tmp = malloc(strlen(path) + 8)) == NULL)
		return err_warn("out of memory"), NULL;
	sprintf(*tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(*tmp)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		err_warn("%s: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	return f;
}

int
outfile_close(FILE *f, const char *path, char *tmp, int ok)
{
	int failed = fflush(f) == EOF || ferror(f);

	if (tmp == NULL) {
		if (failed)
			err_warn("stdout: write error");
		return ok && !failed ? 0 : -1;
	}
	failed |= fsync(fileno(f)) == -1;
	failed |= fclose(f) == EOF;
	if (ok && failed)
		err_warn("%s: %s", path, strerror(errno));
	if (ok && !failed && rename(tmp, path) == -1) {
		err_warn("%s: %s", path, strerror(errno));
		failed = 1;
	}
	if (!ok || failed)
		unlink(tmp);
	free(tmp);
	return ok && !failed ? 0 : -1;
}
