/*
 * refprice: the reference paid prices that free tokens are priced at when the
 * catalog has no paid variant of a model (reports/reference-prices.tsv, built
 * from LiteLLM's public price list by reports/make-reference-prices).
 *
 * Models are matched by base name: afmts_base(id) is the id in lower case,
 * without a ":free" suffix and without everything up to its last "/", so that
 * "meta-llama/llama-3.3-70b-instruct:free" meets LiteLLM's
 * "deepinfra/meta-llama/Llama-3.3-70B-Instruct".
 */
#ifndef AFMTS_REFPRICE_H
#define AFMTS_REFPRICE_H

#include <sqlite3.h>

/* Make the SQL function afmts_base(TEXT) known to db.  0, or -1 after reporting. */
int refprice_register(sqlite3 *db);

/*
 * Run add (bound :source, :input, :output, :tiers) once for each price line of the
 * file at path.  Returns the number of prices, or -1 after reporting.
 */
long refprice_load(sqlite3_stmt *add, const char *path);

#endif
