/*
 * trackinput: afmts-track's reading of one input (a file or stdin) of JSON
 * lines into a run (track.h), the next lines read and checked on a thread
 * while one is applied.  Changes so far are flushed to stdout before it waits
 * for more input, so a pipe reader sees them as they happen.
 */
#ifndef AFMTS_TRACKINPUT_H
#define AFMTS_TRACKINPUT_H

#include <stddef.h>
#include <stdio.h>

#include "track.h"

/*
 * Apply every record of fp (called name in messages, lines of at most
 * max_line).  0, or -1 on a catalog error.
 */
int track_input(struct tracker *t, FILE *fp, const char *name, size_t max_line);

#endif
