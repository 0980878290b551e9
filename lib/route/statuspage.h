/*
 * statuspage: GET /status.html, what the catalog says now, for people: free
 * models per provider with the changes of the last 24 hours, each
 * provider's last discovery and health, the models cooling down or out of
 * budget and when they come back, and the requests of the last hour.
 *
 * Server-rendered in the report's style (its <style> element, read from
 * the data dir's reports/report.html) and with its tables (table.h), under
 * the same Content-Security-Policy: no script, nothing fetched; the page
 * reloads itself every 30 seconds with <meta http-equiv="refresh">.
 */
#ifndef AFMTS_STATUSPAGE_H
#define AFMTS_STATUSPAGE_H

#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

/* The page for the catalog db (whose file is catalog) at now.  0, or -1 after reporting. */
int statuspage_write(sqlite3 *db, const char *catalog, time_t now, FILE *f);

#endif
