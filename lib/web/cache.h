/*
 * cache: the exact-match answer cache afmts-gateway and afmts-batch share.
 *
 * Opt-in: AFMTS_CACHE=PATH (afmts-batch --cache PATH sets it), or per request
 * "afmts_cache": true, which with no AFMTS_CACHE uses CATALOG.cache beside
 * the catalog ("afmts_cache": false keeps a request out of it).  Only
 * deterministic requests are cached (temperature 0, or a seed given) unless
 * "afmts_cache": true asks.
 *
 * An entry's key is the SHA-256 of the canonical request for one model: the
 * provider and model chosen, the endpoint, whether it streams and asks for
 * stream usage, and the whole body but its "model", its afmts_* extension
 * fields and its stream options, as JSON with sorted keys.  So an answer is
 * looked up on each model chosen for the request, in their order, before
 * any is tried.  A streamed request and a plain one are keyed apart: a
 * stream's entry is its event stream as passed on (data: chunks and
 * [DONE]), a plain one's the answer's JSON; both masked as forward.h masks
 * them, and the request body never holds a key.
 *
 * Entries live AFMTS_CACHE_TTL seconds (default a day) after they were
 * stored; the answers' bytes are kept under AFMTS_CACHE_MAX_BYTES (default
 * 64 MiB), the least recently used going first.  The file is made 0600.
 * A cache that cannot be read or written is warned about and bypassed: it
 * never fails a request.
 */
#ifndef AFMTS_CACHE_H
#define AFMTS_CACHE_H

#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "chatreq.h"
#include "sha256.h"

#define CACHE_DEFAULT_TTL	86400
#define CACHE_DEFAULT_MAX_BYTES	(64LL << 20)

struct cache {
	sqlite3		*db;
	long		 ttl;
	long long	 max_bytes;
};

struct cache_entry {
	char		*provider, *model, *body;
	size_t		 nbody;
};

/*
 * The cache file for r, into buf of size n: AFMTS_CACHE, or CATALOG.cache
 * when r says "afmts_cache": true; NULL when r is not to be cached (no cache
 * asked for, "afmts_cache": false, or not deterministic and not forced).
 */
const char *cache_path_for(const struct chatreq *r, const char *catalog, char *buf, size_t n);

/* Open (making it, 0600) the cache file at path.  0, or -1 after a warning. */
int cache_open(struct cache *c, const char *path);

void cache_close(struct cache *c);

/* The key of r's answer from model of provider.  0, or -1 (out of memory). */
int cache_key(const struct chatreq *r, const char *provider, const char *model,
    char key[SHA256_HEX_LEN]);

/* The live entry of key, marked used, into *e.  1 found, 0 none, -1 error (warned). */
int cache_get(struct cache *c, const char *key, time_t now, struct cache_entry *e);

/*
 * Store body (nbody bytes) as key's answer from model of provider, then drop
 * what expired and the least recently used entries over the size bound.
 * 0, or -1 after a warning.
 */
int cache_put(struct cache *c, const char *key, time_t now, const char *provider,
    const char *model, const char *body, size_t nbody);

void cache_entry_free(struct cache_entry *e);

#endif
