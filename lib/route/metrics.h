/*
 * metrics: GET /metrics, the catalog's figures in the Prometheus text
 * exposition format, version 0.0.4.
 *
 * Counters come from usage_totals (sql/011-usage-totals.sql), the lifetime
 * roll-up the usage store keeps as rows are added: a scrape reads one row
 * per model and status class, never the usage rows, and the counters survive
 * restarts and agree with the reports.  Breaker states and budgets are the
 * route snapshot's judgments (routesnap.h), renewed first as a decision
 * renews them; providers' figures are the providers and models tables'.
 *
 * Cardinality: a series names a model only when the model has usage rows
 * (is in usage_totals); per provider the series are few.  afmts-route(1)
 * lists every family.
 */
#ifndef AFMTS_METRICS_H
#define AFMTS_METRICS_H

#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

/*
 * Figures only a running gateway knows.  -1: not known, and not written:
 * afmts-route has none, and nothing waits in the gateway (yet).
 */
struct metrics_load {
	long	 in_flight;	/* requests being answered now */
	long	 waiting;	/* requests held until a model frees up */
};

/* Where a process's load figures come from (the gateway registers one). */
typedef void metrics_load_fn(struct metrics_load *load);
void metrics_set_load(metrics_load_fn *fn);

/* The content type of the format. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Write every family for the catalog db (whose file is catalog) at now to f.
 * 0, or -1 after reporting when the catalog cannot be read.
 */
int metrics_write(sqlite3 *db, const char *catalog, time_t now, FILE *f);

/*
 * Call fn for every model of the route snapshot with its judgment, after
 * renewing the snapshot as a decision does (routekeep.h).  A nonzero return
 * of fn stops the walk.  0, or -1 when there is no snapshot to read (busy,
 * or a directory it cannot be written in).
 */
struct routesnap_judgment;
typedef int metrics_judgment_fn(void *arg, const char *provider, const char *model,
    const struct routesnap_judgment *j);
int metrics_each_judgment(sqlite3 *db, const char *catalog, time_t now, metrics_judgment_fn *fn,
    void *arg);

/* s as a label value: \ " and newline escaped, invalid UTF-8 as U+FFFD. */
void metrics_label_value(FILE *f, const char *s);

#endif
