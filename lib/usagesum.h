/*
 * usagesum: the per-day totals of the usage rows a writer adds (usage_daily,
 * usage_latency and usage_clients), added up in memory as rows are stored and written in
 * one upsert per model and day.  A day of a million requests through a
 * thousand models is a thousand upserts instead of a GROUP BY that sorts a
 * million rows.  Memory is bounded: past USAGESUM_MAX_KEYS models and days
 * the caller flushes.
 */
#ifndef AFMTS_USAGESUM_H
#define AFMTS_USAGESUM_H

#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "usagerow.h"

#define USAGESUM_MAX_KEYS 4096

struct usagesum;

/* An empty set of totals; NULL when out of memory (reported). */
struct usagesum *usagesum_new(void);

/* Count u, a row just stored.  0, or -1 when out of memory (reported). */
int usagesum_add(struct usagesum *s, const struct usage *u);

/* How many models and days are held: flush at USAGESUM_MAX_KEYS. */
size_t usagesum_keys(const struct usagesum *s);

/*
 * Add the totals to usage_daily, usage_latency and usage_clients inside the caller's
 * transaction, and start again from empty.  Returns a CATALOG_* code.
 */
int usagesum_flush(struct usagesum *s, sqlite3 *db);

void usagesum_free(struct usagesum *s);

/* Requests client made on now's UTC day, as counted in usage_clients; -1 on error. */
long usagesum_client_today(sqlite3 *db, const char *client, time_t now);

#endif
