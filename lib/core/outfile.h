/*
 * outfile: where a program's output goes, replaced whole or not at all: to
 * path through a temporary file beside it (made with mkstemp, fsync'd, then
 * renamed over path), or to stdout when path is NULL or "-".
 */
#ifndef AFMTS_OUTFILE_H
#define AFMTS_OUTFILE_H

#include <stdio.h>

/*
 * The stream to write; *tmp is the temporary file's name (NULL for stdout).
 * NULL after reporting.
 */
FILE *outfile_open(const char *path, char **tmp);

/*
 * Flush and close f: when ok, the temporary file replaces path; else, or on
 * a write error (reported), it goes and path is untouched.  Frees tmp.
 * 0, or -1.
 */
int outfile_close(FILE *f, const char *path, char *tmp, int ok);

#endif
