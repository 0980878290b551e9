/*
 * export: the catalog read back as JSON lines: the present models as model
 * records (afmts-track --export) and one model's changes, oldest first
 * (afmts-track --history).
 */
#ifndef AFMTS_EXPORT_H
#define AFMTS_EXPORT_H

#include <stdio.h>

#include <sqlite3.h>

/* The present models to out.  CLI_OK, CLI_PARTIAL (out failed) or a CATALOG_* code. */
int export_models(sqlite3 *db, FILE *out);

/*
 * The changes of model (of provider, when not NULL) to out.  CLI_OK,
 * CLI_PARTIAL (none, reported, or out failed) or a CATALOG_* code.
 */
int export_history(sqlite3 *db, const char *model, const char *provider, FILE *out);

#endif
