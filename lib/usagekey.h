/*
 * usagekey: the number a usage row names its model by (usage_models.id of
 * its provider and model), made on first use and remembered, so that a
 * writer binds an integer instead of looking the pair up for every row.
 */
#ifndef AFMTS_USAGEKEY_H
#define AFMTS_USAGEKEY_H

#include <stdint.h>

#include <sqlite3.h>

#define USAGEKEY_MAX_CACHED 65536	/* pairs remembered before starting afresh */

struct usagekey;

/* A key maker for db (which must outlive it); NULL when out of memory (reported). */
struct usagekey *usagekey_new(sqlite3 *db);

/* The id of (provider, model), added to usage_models when new; -1 on error (reported). */
int64_t usagekey_of(struct usagekey *k, const char *provider, const char *model);

void usagekey_free(struct usagekey *k);

#endif
