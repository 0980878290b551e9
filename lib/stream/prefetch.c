/*
 * prefetch: a reader thread and two double-buffered batches.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "prefetch.h"

struct batch {
	int			n;
	struct prefetch_item	it[PREFETCH_BATCH];
};

struct prefetch {
	struct jsonl_reader	*r;
	struct prefetch_hooks	 hooks;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct batch		 b[2];
	int			 full[2];	/* batch ready for the consumer */
	int			 stop;		/* consumer is done: reader, stop */
	int			 cur, pos, holding;	/* consumer side */
};

/* Read one item; returns its rc. */
static int
read_item(struct prefetch *pf, struct prefetch_item *it, size_t *bytes)
{
	const char *line;
	size_t len;

	memset(it, 0, sizeof *it);
	it->v = jv_invalid();
	it->rc = jsonl_next_line(pf->r, &line, &len);
	it->line = jsonl_line(pf->r);
	if (it->rc != 1)
		return it->rc;
	*bytes += len;
	if (pf->hooks.scan != NULL &&
	    (it->prepared = pf->hooks.scan(pf->hooks.arg, line, len)) != NULL)
		return it->rc;
	/* Only a consumer that recognises lines wants their digests. */
	if (pf->hooks.known != NULL) {
		it->digest = jsonl_digest(line, len);
		if (pf->hooks.known(pf->hooks.arg, it->digest, &it->token))
			return it->rc = PREFETCH_KNOWN;
	}
	if ((it->rc = jsonl_parse(pf->r, line, len, &it->v)) == 1 && pf->hooks.prepare != NULL)
		it->prepared = pf->hooks.prepare(pf->hooks.arg, &it->v);
	return it->rc;
}

/* Fill one batch from the reader; returns 1 when input ended in it. */
static int
fill(struct prefetch *pf, struct batch *b)
{
	size_t bytes = 0;
	int rc;

	b->n = 0;
	do
		rc = read_item(pf, &b->it[b->n++], &bytes);
	while (rc != 0 && rc != -2 && b->n < PREFETCH_BATCH && bytes < PREFETCH_BYTES &&
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
prefetch_start(struct jsonl_reader *r, const struct prefetch_hooks *hooks)
{
	struct prefetch *pf = calloc(1, sizeof *pf);

	if (pf == NULL)
		return NULL;
	pf->r = r;
	if (hooks != NULL)
		pf->hooks = *hooks;
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
prefetch_next(struct prefetch *pf, struct prefetch_item *it)
{
	struct prefetch_item *src;

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
	src = &pf->b[pf->cur].it[pf->pos];
	*it = *src;
	if (src->rc == 0 || src->rc == -2) {
		/* The end: stay on it, so asking again gives it again. */
		return src->rc;
	}
	src->v = jv_invalid();
	src->prepared = NULL;
	pf->pos++;
	return it->rc;
}

int
prefetch_would_wait(struct prefetch *pf)
{
	int ready;

	if (pf->holding && pf->pos < pf->b[pf->cur].n)
		return 0;
	pthread_mutex_lock(&pf->mu);
	ready = pf->holding ? pf->full[pf->cur ^ 1] : pf->full[pf->cur];
	pthread_mutex_unlock(&pf->mu);
	return !ready;
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
	for (int i = 0; i < 2; i++) {
		if (!pf->full[i])
			continue;
		for (int k = 0; k < pf->b[i].n; k++) {
			jv_free(pf->b[i].it[k].v);
			if (pf->b[i].it[k].prepared != NULL && pf->hooks.discard != NULL)
				pf->hooks.discard(pf->b[i].it[k].prepared);
		}
	}
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	free(pf);
}
