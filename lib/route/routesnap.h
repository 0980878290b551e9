/*
 * routesnap: the route snapshot, CATALOG.route, a cache of what a decision
 * reads from the catalog, so that afmts-route decides without opening SQLite
 * (whose open and schema parse alone cost most of a millisecond).
 *
 * It holds the present models in free-first order, each with its routing
 * columns and its judgment: breaker state, budget and 7-day latency as
 * computed from the catalog at judged_at, which hold unchanged until
 * stable_until unless the catalog is written.  The catalog's writers keep
 * it: an outcome (afmts-route --report, POST /report, afmts-gateway)
 * re-judges the models it touches, afmts-track drops the snapshot after a
 * run that wrote anything, and a decision that finds it missing or expired
 * answers from the catalog and then rebuilds or re-judges it.
 *
 * CATALOG.route.lock orders them: readers hold it shared and never wait
 * (busy: decide from the catalog); writers hold it exclusive.  The file is
 * native-endian and private to the machine that wrote it; anything that does
 * not check out is ignored, never trusted.
 */
#ifndef AFMTS_ROUTESNAP_H
#define AFMTS_ROUTESNAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum routesnap_string {
	RS_PROVIDER, RS_MODEL, RS_BASE_URL, RS_KEY_ENV, RS_FAMILY,
	RS_FEATURES,		/* models.features, JSON text */
	RS_MOD_IN, RS_MOD_OUT,	/* json_extract(modalities, '$.input' / '$.output') */
	RS_PRICE_TIERS,		/* models.price_tiers, JSON text */
	RS_SLOTS_URL, RS_HEALTH_URL,	/* a local server's (models.record's "local") */
	RS_NSTRINGS
};

/* Entry flags: the SQL NULLs the constraints must tell apart, and booleans. */
enum {
	RSF_FREE = 1 << 0, RSF_HAS_PRICES = 1 << 1, RSF_IN_PRICE = 1 << 2, RSF_OUT_PRICE = 1 << 3,
	RSF_CONTEXT = 1 << 4, RSF_MODALITIES = 1 << 5, RSF_SCOPE_PROVIDER = 1 << 6,
	RSF_TRAINS = 1 << 7	/* models.trains_on_prompts is 'true' */
};

/* What one decision needs of a model's recent history, as judged at judged_at. */
struct routesnap_judgment {
	int64_t		 judged_at, stable_until;
	int64_t		 health_since, health_until;
	int32_t		 health_state, health_status, health_failures, exhausted;
	int32_t		 which;		/* index into routesnap_which(), -1: none */
	int32_t		 learned;	/* budget's: bit 1 << window, limit from headers */
	int64_t		 budget_until, requests_today, tokens_today, requests_minute;
	double		 day_left;
	int64_t		 day_reset_at, rpd;	/* the day's next reset and limit in force */
	double		 latency;	/* mean over 7 days, NAN if never measured */
};

struct routesnap_entry {
	struct {
		uint32_t off, len;	/* in the string area, NUL-terminated; len UINT32_MAX: NULL */
	}		 s[RS_NSTRINGS];
	int64_t		 context_length, first_seen, rpm, rpd, tpm, tpd;
	int64_t		 slots;		/* a local server's, -1: not known */
	int64_t		 rpmo;
	int32_t		 scope, day_reset, day_offset;	/* struct limits' */
	int32_t		 header_requests, header_tokens, pad;
	double		 input_price, output_price;
	uint32_t	 flags;
	int32_t		 free_value;	/* models.free as stored */
	struct routesnap_judgment j;
};

/* A snapshot mapped for reading. */
struct routesnap {
	int		 lockfd, fd;
	const unsigned char *map;
	size_t		 size, n;
	const struct routesnap_entry *e;
	const char	*strings;
	size_t		 nstrings;
};

/*
 * Map the snapshot of catalog, holding its lock shared.  0, or -1 when there
 * is none, it is busy, stale (another catalog file) or does not check out.
 * Never reports: the caller decides from the catalog instead.
 */
int routesnap_open(struct routesnap *s, const char *catalog);
void routesnap_close(struct routesnap *s);

/* Entry i's string (NUL-terminated), or NULL for an SQL NULL or a bad offset. */
const char *routesnap_str(const struct routesnap *s, size_t i, enum routesnap_string which);

/* The budget limit names a judgment's which indexes ("rpm" ...); -1 for NULL. */
const char *routesnap_which(int which);
int routesnap_which_index(const char *which);

/* --- writing ----------------------------------------------------------- */

/* Path names: CATALOG.route and CATALOG.route.lock (of size n).  0 or -1. */
int routesnap_path(const char *catalog, const char *suffix, char *out, size_t n);

/*
 * Take the lock of catalog's snapshot exclusive: create it when create is
 * set, else only if it exists (no lock file: no snapshot to keep).  wait: block
 * until free; else give up when busy.  An fd, or -1.
 */
int routesnap_lock(const char *catalog, int create, int wait);
void routesnap_unlock(int lockfd);

/* A snapshot being built: entries and strings in memory, then renamed into place. */
struct routesnap_builder {
	struct routesnap_entry *e;
	size_t		 n, cap;
	char		*strings;
	size_t		 nstrings, strcap;
};

void routesnap_builder_init(struct routesnap_builder *b);
/* Append an entry whose strings are given (NULL: SQL NULL); j filled later.  The entry or NULL. */
struct routesnap_entry *routesnap_builder_add(struct routesnap_builder *b,
    const char *const str[RS_NSTRINGS]);
/* Write it as catalog's snapshot (under the caller's exclusive lock).  0 or -1. */
int routesnap_builder_write(struct routesnap_builder *b, const char *catalog);
void routesnap_builder_free(struct routesnap_builder *b);

/* Overwrite entry i's judgment in the snapshot open read-write as fd.  0 or -1. */
int routesnap_rejudge(int fd, size_t i, const struct routesnap_judgment *j);
/* The snapshot of catalog opened read-write and mapped, under the caller's lock.  0 or -1. */
int routesnap_open_locked(struct routesnap *s, const char *catalog);

/* Remove catalog's snapshot after a write it cannot follow (afmts-track). */
void routesnap_drop(const char *catalog);

#endif
