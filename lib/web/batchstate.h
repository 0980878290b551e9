/*
 * batchstate: afmts-batch's --state file (SQLite), what became of each
 * request by its custom_id, and where its result line went.
 *
 * A result line reaches the output only after the state holds it, in this
 * order (each step its own transaction; the state is WAL, synchronous NORMAL):
 *
 *   1. finished: status done or failed, the result line kept;
 *   2. emitting: the output file (path, device, inode) and the offset the
 *      line is about to be written at;
 *   3. the line written (one write(2));
 *   4. emitted.
 *
 * A kill between 1 and 2, or 2 and 3: the next run writes the kept line (the
 * request is not sent again).  Between 3 and 4: the next run finds the line
 * at its offset in that file and writes nothing.  A request not finished
 * when killed is sent again.  So the outputs of a run and its reruns hold
 * each custom_id once, as long as an earlier output file is not edited or
 * replaced; an output that is a pipe or terminal cannot be looked into, and
 * a kill between 3 and 4 then repeats that one line.
 */
#ifndef AFMTS_BATCHSTATE_H
#define AFMTS_BATCHSTATE_H

#include <stddef.h>
#include <sys/types.h>

enum batchstate_status { BATCHSTATE_NEW, BATCHSTATE_PENDING, BATCHSTATE_DONE, BATCHSTATE_FAILED };

/* Where result lines go: a file descriptor, and the file behind it. */
struct batch_output {
	int		 fd;
	int		 regular;	/* a regular file: offsets mean something */
	dev_t		 dev;
	ino_t		 ino;
	char		 path[4096];	/* "" when not known */
};

struct batchstate;

/* Open (creating) the state file at path.  NULL after reporting. */
struct batchstate *batchstate_open(const char *path);

/*
 * What the state says of custom_id, recording it as pending when it is new
 * (line: its input line).  A batchstate_status, or -1 after reporting.
 */
int batchstate_begin(struct batchstate *s, const char *custom_id, unsigned long line);

/* The request finished: done (failed 0) or failed, with its result line.  0 or -1. */
int batchstate_finish(struct batchstate *s, const char *custom_id, int failed,
    const char *result);

/* Write result (a line without its newline) of custom_id to out, as above.  0 or -1. */
int batchstate_emit(struct batchstate *s, const char *custom_id, const char *result,
    const struct batch_output *out);

/*
 * Write to out the finished results an earlier run kept but may not have
 * written (steps 1 to 3 above).  How many were written, or -1.
 */
long batchstate_recover(struct batchstate *s, const struct batch_output *out);

/* Requests finished (done, failed) so far, all runs. */
void batchstate_counts(struct batchstate *s, long *done, long *failed);

void batchstate_close(struct batchstate *s);

/* Fill out for descriptor fd, given its path (NULL: found from /proc).  0 or -1. */
int batch_output_init(struct batch_output *out, int fd, const char *path);

/* Write the line (a newline added) at the output's end.  0 or -1. */
int batch_output_write(const struct batch_output *out, const char *line);

#endif
