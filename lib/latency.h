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

#include <sqlite3.h>

/* Register the functions on db.  0, or -1 after reporting. */
int latency_register(sqlite3 *db);

#endif
