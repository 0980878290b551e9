/*
 * batchwork: afmts-batch's workers, a few forked processes that each make
 * one attempt at a time (fallback_run on the one model the batch chose, its
 * usage row recorded as the gateway records it) and send the answer back.
 *
 * Forked processes rather than libcurl's multi interface: an attempt is the
 * gateway's own blocking path (decide_record, local servers' slot leases,
 * forward_run), reused whole; afmts-batch's parallelism is a handful of
 * requests, each lasting seconds, so a process each costs nothing that
 * matters.  Jobs and answers cross pipes as length-prefixed messages.
 */
#ifndef AFMTS_BATCHWORK_H
#define AFMTS_BATCHWORK_H

#include <stddef.h>
#include <sys/types.h>

#include "fallback.h"

#define BATCHWORK_MAX 64	/* workers (afmts-batch --parallel) */

/* One attempt to make. */
struct batchwork_job {
	unsigned long	 id;		/* the caller's, given back with the answer */
	const struct fallback_model *m;	/* the model chosen */
	int		 completion;	/* a legacy completion request (/v1/completions) */
	long		 timeout_ms;
	const char	*body;		/* the request's JSON text */
};

/* What came of it. */
struct batchwork_answer {
	unsigned long	 id;
	int		 status;	/* HTTP status of the answer; 0: not tried (the local
					   server had no slot left) */
	long		 latency_ms;
	char		*body;		/* the answer (JSON), NUL-terminated */
	size_t		 nbody;
};

struct batchwork {
	int		 n;
	pid_t		 pid[BATCHWORK_MAX];
	int		 to[BATCHWORK_MAX], from[BATCHWORK_MAX];	/* job and answer pipes */
	int		 busy[BATCHWORK_MAX];
};

/* Fork n workers deciding for the catalog at path.  0, or -1 after reporting. */
int batchwork_start(struct batchwork *w, int n, const char *catalog);

/* Give worker i (idle) job j.  0, or -1 after reporting. */
int batchwork_send(struct batchwork *w, int i, const struct batchwork_job *j);

/* Read worker i's answer (it is ready: poll said so) into *a.  0, or -1 after reporting. */
int batchwork_receive(struct batchwork *w, int i, struct batchwork_answer *a);

void batchwork_answer_free(struct batchwork_answer *a);

/* Close the pipes and reap the workers (each ends its attempt first). */
void batchwork_stop(struct batchwork *w);

#endif
