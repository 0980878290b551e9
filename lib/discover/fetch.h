/*
 * fetch: the engine of afmts-fetch.  The provider registry in, one fetch
 * record per provider out (see afmts-fetch(1)), live over HTTP or replayed
 * from a run archive.
 */
#ifndef AFMTS_FETCH_H
#define AFMTS_FETCH_H

#include <stdio.h>

#include "http.h"

struct fetch_config {
	const char *providers_dir;	/* extra descriptors, or NULL */
	const char *only;		/* "a,b", or NULL for every enabled provider */
	const char *archive_dir;	/* write a run archive here, or NULL */
	const char *cache_dir;		/* validators; NULL: STATE/http-cache */
	int use_cache;
	int dry_run;
	int verbose;
	struct http_options http;
};

/* Fetch every provider and write fetch records to out.  Returns the exit status. */
int fetch_live(const struct fetch_config *c, FILE *out);

/* Replay an archive (file, or "-" for stdin) to out.  Returns the exit status. */
int fetch_replay(const char *file, const struct fetch_config *c, FILE *out);

#endif
