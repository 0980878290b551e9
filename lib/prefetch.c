/*
 * prefetch: a reader thread and two double-buffered batches.
 */
#include <pthread.h>
#include <stdlib.h>

#include "prefetch.h"

struct batch {
	int		 n;
	int		 rc[PREFETCH_BATCH];
	jv		 v[PREFETCH_BATCH];
	unsigned long	 line[PREFETCH_BATCH];
};

struct prefetch {
	struct jsonl_reader	*r;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct batch		 b[2];
	int			 full[2];	/* batch ready for the consumer */
	int			 stop;		/* consumer is done: reader, stop */
	int			 cur, pos, holding;	/* consumer side */
};

/* Fill one batch from the reader; returns 1 when input ended in it. */
static int
fill(struct prefetch *pf, struct batch *b)
{
	size_t bytes = 0;
	int rc;

	b->n = 0;
	do {
		jv v = jv_invalid();

		rc = jsonl_next(pf->r, &v);
		b->rc[b->n] = rc;
		b->v[b->n] = rc == 1 ? v : jv_invalid();
		b->line[b->n] = jsonl_line(pf->r);
		b->n++;
		bytes += jsonl_length(pf->r);
	} while (rc != 0 && rc != -2 && b->n < PREFETCH_BATCH && bytes < PREFETCH_BYTES &&
	    jsonl_buffered(pf->r));	/* never sit on a line while waiting for input */
	return rc == 0 || rc == -2;
}

static void *
reader(void *arg)
{
	struct prefetch *pf = arg;
	int i = 0, last = 0;

	while (!last) {
		pthread_mutex_lock(&pf->mu);
		while (pf->full[i] && !pf->stop)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->stop) {
			pthread_mutex_unlock(&pf->mu);
			break;
		}
		pthread_mutex_unlock(&pf->mu);
		last = fill(pf, &pf->b[i]);
		pthread_mutex_lock(&pf->mu);
		pf->full[i] = 1;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
		i ^= 1;
	}
	return NULL;
}

struct prefetch *
prefetch_start(struct jsonl_reader *r)
{
	struct prefetch *pf = calloc(1, sizeof *pf);

	if (pf == NULL)
		return NULL;
	pf->r = r;
	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	if (pthread_create(&pf->thread, NULL, reader, pf) != 0) {
		pthread_mutex_destroy(&pf->mu);
		pthread_cond_destroy(&pf->cv);
		free(pf);
		return NULL;
	}
	return pf;
}

int
prefetch_next(struct prefetch *pf, jv *out, unsigned long *line)
{
	struct batch *b;
	int rc;

	if (pf->holding && pf->pos == pf->b[pf->cur].n) {
		/* This batch is used up: give it back, move to the other. */
		pthread_mutex_lock(&pf->mu);
		pf->full[pf->cur] = 0;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
		pf->cur ^= 1;
		pf->holding = 0;
	}
	if (!pf->holding) {
		pthread_mutex_lock(&pf->mu);
		while (!pf->full[pf->cur])
			pthread_cond_wait(&pf->cv, &pf->mu);
		pthread_mutex_unlock(&pf->mu);
		pf->holding = 1;
		pf->pos = 0;
	}
	b = &pf->b[pf->cur];
	rc = b->rc[pf->pos];
	*line = b->line[pf->pos];
	if (rc == 0 || rc == -2) {
		/* The end: stay on it, so asking again gives it again. */
		return rc;
	}
	*out = b->v[pf->pos];
	b->v[pf->pos] = jv_invalid();
	pf->pos++;
	return rc;
}

void
prefetch_stop(struct prefetch *pf)
{
	if (pf == NULL)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->thread, NULL);
	for (int i = 0; i < 2; i++)
		if (pf->full[i])
			for (int k = 0; k < pf->b[i].n; k++)
				jv_free(pf->b[i].v[k]);
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	free(pf);
}
