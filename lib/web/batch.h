/*
 * batch: afmts-batch, many chat requests spread over the models that can
 * take them, within their budgets, resumably (afmts-batch(1)).
 *
 * Requests are read as they are needed (a bounded window of them is in the
 * program at once, whatever the input's size); each attempt goes to a
 * worker (batchwork.h) on the one model the decision picks for it, and a
 * model is picked only while its budgets (requests a minute, a day, a
 * month) leave room for the requests already in flight on its provider
 * too, so that the workers together never send more than a budget allows.
 * When no model can take a request now, the batch waits until the first one
 * can (decide_fitting).
 */
#ifndef AFMTS_BATCH_H
#define AFMTS_BATCH_H

#include <stddef.h>
#include <stdio.h>

struct batch_opts {
	const char	*catalog;	/* its path */
	const char	*input_name;	/* for messages ("stdin") */
	const char	*output;	/* the results' file, appended to; NULL: stdout */
	const char	*state;		/* --state FILE, or NULL */
	const char	*failed;	/* --failed FILE (dead letters, appended to), or NULL */
	int		 parallel;	/* requests in flight at most */
	int		 ordered;	/* results in input order */
	int		 retries;	/* further attempts after one worth retrying */
	int		 retry_failed;	/* send only what the state records as failed */
	int		 progress;	/* a progress line on stderr */
	int		 verbose;	/* a summary line at the end */
	long		 timeout_ms;	/* one attempt's time */
	size_t		 max_line;	/* bytes of one input line */
	double		 max_price;	/* USD per million tokens; < 0: free models only */
	double		 max_cost;	/* USD in all; < 0: no bound */
};

/* Run the batch of requests on in.  A CLI_* status (afmts-batch(1), EXIT STATUS). */
int batch_run(const struct batch_opts *o, FILE *in);

#endif
