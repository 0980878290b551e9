/*
 * routestatus: the state afmts-route decides from, as one JSON document:
 * the catalog's age, each provider's discovery health and model counts,
 * every model whose breaker is not plainly closed, and the budgets in use
 * (models used in the last two days or with limits learned from headers):
 * each limit's window, use, next reset and source (descriptor or learned).
 */
#ifndef AFMTS_ROUTESTATUS_H
#define AFMTS_ROUTESTATUS_H

#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

/* Write the document to f.  0, or -1 after reporting. */
int routestatus_write(sqlite3 *db, time_t now, FILE *f);

#endif
