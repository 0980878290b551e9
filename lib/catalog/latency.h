/*
 * latency: exact latency distributions in little space.
 *
 * A histogram is a BLOB of (latency, count) pairs in ascending latency order,
 * each as two unsigned LEB128 varints (the latency as the step from the
 * previous one), so a model's day of requests costs a few bytes per distinct
 * latency, and percentiles over it are exact.  SQL functions, registered on
 * every catalog connection:
 *
 *   afmts_hist(latency_ms)        aggregate: the histogram of these latencies
 *   afmts_hist_merge(hist)        aggregate: the sum of histograms
 *   afmts_hist_add(a, b)          the sum of two histograms (NULL is empty)
 *   afmts_hist_rank(hist, p)      the nearest-rank p-th percentile (0 < p <= 100):
 *                                 the smallest latency whose cumulative count
 *                                 reaches p% of the total; NULL when empty
 *
 * Memory grows with the number of distinct latencies, never with requests.
 */
#ifndef AFMTS_LATENCY_H
#define AFMTS_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* A histogram being built: an open-addressing map latency -> count. */
struct latency_hist {
	uint64_t	*key, *count;
	size_t		 cap, n;		/* cap a power of two, or 0; n distinct latencies */
	int		 failed;		/* out of memory */
};

/* Add n requests of latency ms to h (zeroed to start).  0, or -1 when out of memory. */
int latency_hist_add(struct latency_hist *h, uint64_t ms, uint64_t n);

/* h as a histogram BLOB (malloc'd, *len bytes); NULL when h is empty or memory ran out. */
unsigned char *latency_hist_blob(const struct latency_hist *h, size_t *len);

/* Free what h holds and zero it. */
void latency_hist_free(struct latency_hist *h);

/* Register the functions on db.  0, or -1 after reporting. */
int latency_register(sqlite3 *db);

#endif
