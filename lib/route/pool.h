/*
 * pool: the local servers (llama-server, Ollama) as a decision sees them
 * now, shared by every process deciding for one catalog: how many slots
 * each has and how many are busy, whether it answers, which of its slots
 * the gateway holds, and the line of requests waiting for one.
 *
 * It lives in CATALOG.pool, a small file mapped shared and changed under an
 * exclusive lock held for a few microseconds (never while asking a server):
 *
 *   - a server is asked at decision time (probe.h), at most once in
 *     POOL_FRESH_MS per server (AFMTS_PROBE_FRESH_MS), with a POOL_PROBE_MS
 *     timeout (AFMTS_PROBE_MS): llama-server's /slots (its slots and the busy ones),
 *     else its /health, or Ollama's /api/version.  A server that does not
 *     answer is down, and asked again after 1 s, then 2, 4 ... 30 s (a
 *     half-open trial: the first answer brings it back);
 *   - busy slots = the gateway's own requests in flight there (leases, each
 *     taken atomically, so that two workers never both take the last slot,
 *     and given back when the attempt ends; a lease of a process that died
 *     is void: a process is its pid and start time) plus what the server's
 *     last answer showed beyond the leases held then (other clients'
 *     requests);
 *   - waiting requests hold tickets; of those that wait for the same, the
 *     oldest live one goes first.
 *
 * The file holds no catalog facts and nothing secret; anything in it that
 * does not check out is started afresh.
 */
#ifndef AFMTS_POOL_H
#define AFMTS_POOL_H

#include <stdint.h>
#include <time.h>

#define POOL_FRESH_MS 1000	/* a server's answer is used this long */
#define POOL_PROBE_MS 50	/* the default time a server has to answer */
#define POOL_MAX_SERVERS 64
#define POOL_MAX_LEASES 1024
#define POOL_MAX_WAITERS 1024
#define POOL_MAX_URL 255

/* One local server as a model's catalog row names it. */
struct pool_server_ref {
	const char	*slots_url;	/* llama-server's /slots, or NULL */
	const char	*health_url;	/* its /health or Ollama's /api/version, or NULL */
	long long	 slots;		/* slots the catalog knows of, -1: not known */
};

/* What a decision learns of a local server. */
struct pool_view {
	int		 up;		/* answered its last probe */
	int		 total;		/* slots, -1: not known (no limit) */
	int		 busy;		/* of them in use */
	time_t		 down_since;	/* when !up */
};

/*
 * The view of server ref of catalog's pool, asking it when the last answer is
 * older than POOL_FRESH_MS.  0, or -1 when ref names no server (no URL).
 */
int pool_look(const char *catalog, const struct pool_server_ref *ref, struct pool_view *v);

/*
 * Take one of ref's slots for a request: a lease (>= 0) to give back, or -1
 * when the server is down or has no idle slot (POOL_NO_POOL: the pool file
 * cannot be used, go on without counting).
 */
#define POOL_NO_POOL (-2)
int pool_take(const char *catalog, const struct pool_server_ref *ref);
void pool_give(const char *catalog, int lease);

/*
 * The line of waiting requests.  key says what a request waits for (its
 * routing query): a request goes before another only when they have the same.
 * Join it: a ticket (> 0), or -1 when max are waiting already (or the pool
 * cannot be used).
 */
long long pool_line_join(const char *catalog, uint64_t key, int max);
/*
 * 1 if no live request of the same key that joined before ticket (ticket 0:
 * any) is still waiting: its turn.
 */
int pool_line_first(const char *catalog, uint64_t key, long long ticket);
/* The request of ticket is being tried (1), out of the others' way, or waits again (0). */
void pool_line_served(const char *catalog, long long ticket, int served);
void pool_line_leave(const char *catalog, long long ticket);
/* Requests waiting now (not those being tried). */
int pool_line_length(const char *catalog);

/* Unmap and close what this process opened. */
void pool_close(void);

#endif
