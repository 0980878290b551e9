/*
 * pool: local servers' slots, shared through CATALOG.pool (see pool.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "probe.h"

#define POOL_MAGIC "AFMTSPL"
#define POOL_VERSION 1
#define POOL_MAX_BACKOFF_MS 30000
#define POOL_AFTER_MS 100	/* a server is asked again this soon after a request ends */

struct pserver {
	char		 key[POOL_MAX_URL + 1];	/* its slots or health URL */
	int32_t		 total;		/* slots, -1: not known */
	int32_t		 busy_seen;	/* busy at its last answer */
	int32_t		 leases_then;	/* our leases on it then */
	int32_t		 up, fails, pad;
	int64_t		 next_ms;	/* when to ask it again */
	int64_t		 down_since;	/* seconds, when down */
};

struct please {
	int32_t		 server;
	int32_t		 pid;		/* 0: free */
};

struct pwaiter {
	int64_t		 ticket;
	int32_t		 pid, pad;	/* pid 0: free */
};

struct pool_file {
	char		 magic[8];
	uint32_t	 version, size;
	int64_t		 next_ticket;
	struct pserver	 s[POOL_MAX_SERVERS];
	struct please	 l[POOL_MAX_LEASES];
	struct pwaiter	 w[POOL_MAX_WAITERS];
};

/* The pool this process has open: one catalog's, opened by this very process. */
static struct {
	char		*catalog;
	pid_t		 pid;
	int		 fd;
	struct pool_file *f;
} P = { .fd = -1 };

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
pool_close(void)
{
	if (P.f != NULL)
		munmap(P.f, sizeof *P.f);
	if (P.fd != -1)
		close(P.fd);
	free(P.catalog);
	P.catalog = NULL;
	P.f = NULL;
	P.fd = -1;
}

/* Open catalog's pool file for this process (a forked child opens its own: flock is per open). */
static struct pool_file *
pool_of(const char *catalog)
{
	char path[4096];
	struct stat st;

	if (catalog == NULL)
		return NULL;
	if (P.f != NULL && P.pid == getpid() && strcmp(P.catalog, catalog) == 0)
		return P.f;
	if (P.f != NULL && P.pid != getpid()) {
		/* The parent's mapping and descriptor: let go of them without touching its lock. */
		munmap(P.f, sizeof *P.f);
		close(P.fd);
		P.f = NULL;
		P.fd = -1;
	}
	pool_close();
	if (snprintf(path, sizeof path, "%s.pool", catalog) >= (int)sizeof path)
		return NULL;
	if ((P.fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return NULL;
	if (fstat(P.fd, &st) == -1 || (st.st_size < (off_t)sizeof *P.f &&
	    ftruncate(P.fd, (off_t)sizeof *P.f) == -1) ||
	    (P.f = mmap(NULL, sizeof *P.f, PROT_READ | PROT_WRITE, MAP_SHARED, P.fd, 0)) ==
	    MAP_FAILED || (P.catalog = strdup(catalog)) == NULL) {
		if (P.f == MAP_FAILED)
			P.f = NULL;
		pool_close();
		return NULL;
	}
	P.pid = getpid();
	return P.f;
}

/* Lock catalog's pool, set right if it does not check out.  The file, or NULL. */
static struct pool_file *
lock_pool(const char *catalog)
{
	struct pool_file *f = pool_of(catalog);

	if (f == NULL)
		return NULL;
	while (flock(P.fd, LOCK_EX) == -1)
		if (errno != EINTR)
			return NULL;
	if (memcmp(f->magic, POOL_MAGIC, sizeof POOL_MAGIC) != 0 || f->version != POOL_VERSION ||
	    f->size != sizeof *f) {
		memset(f, 0, sizeof *f);
		memcpy(f->magic, POOL_MAGIC, sizeof POOL_MAGIC);
		f->version = POOL_VERSION;
		f->size = sizeof *f;
	}
	return f;
}

static void
unlock_pool(void)
{
	flock(P.fd, LOCK_UN);
}

/* A process is there (a lease or a ticket of a dead one is void). */
static int
alive(int32_t pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static const char *
key_of(const struct pool_server_ref *ref)
{
	const char *k = ref->slots_url != NULL ? ref->slots_url : ref->health_url;

	return k != NULL && strlen(k) <= POOL_MAX_URL ? k : NULL;
}

/* Server key's entry (added, asked at once, when new; the oldest down one replaced when full). */
static struct pserver *
server(struct pool_file *f, const char *key)
{
	struct pserver *free_one = NULL;

	for (int i = 0; i < POOL_MAX_SERVERS; i++) {
		if (strcmp(f->s[i].key, key) == 0)
			return &f->s[i];
		if (free_one == NULL && f->s[i].key[0] == '\0')
			free_one = &f->s[i];
	}
	if (free_one == NULL)
		free_one = &f->s[now_ms() % POOL_MAX_SERVERS];
	memset(free_one, 0, sizeof *free_one);
	snprintf(free_one->key, sizeof free_one->key, "%s", key);
	free_one->total = -1;
	free_one->up = 1;
	for (int i = 0; i < POOL_MAX_LEASES; i++)
		if (f->l[i].server == free_one - f->s)
			f->l[i].pid = 0;
	return free_one;
}

/* Our live leases on server s. */
static int
leases(struct pool_file *f, const struct pserver *s)
{
	int n = 0, idx = (int)(s - f->s);

	for (int i = 0; i < POOL_MAX_LEASES; i++)
		if (f->l[i].pid != 0 && f->l[i].server == idx) {
			if (alive(f->l[i].pid))
				n++;
			else
				f->l[i].pid = 0;
		}
	return n;
}

/* What the server's answer says: up, its slots and busy ones (-1 when it does not say). */
struct answer {
	int		 up, total, busy;
};

/* How long a server's answer is used (AFMTS_PROBE_FRESH_MS; 0: ask at every decision). */
static long
fresh_ms(void)
{
	const char *v = getenv("AFMTS_PROBE_FRESH_MS");
	long ms = v != NULL && *v != '\0' ? strtol(v, NULL, 10) : POOL_FRESH_MS;

	return ms >= 0 && ms <= 60000 ? ms : POOL_FRESH_MS;
}

static long
probe_ms(void)
{
	const char *v = getenv("AFMTS_PROBE_MS");
	long ms = v != NULL ? strtol(v, NULL, 10) : POOL_PROBE_MS;

	return ms >= 1 && ms <= 10000 ? ms : POOL_PROBE_MS;
}

/* Ask the server (no lock held). */
static struct answer
ask(const struct pool_server_ref *ref)
{
	struct answer a = { 0, -1, -1 };
	char *body = malloc(PROBE_MAX_BODY);
	size_t len;
	int st = -1;

	if (body == NULL)
		return a;
	if (ref->slots_url != NULL) {
		st = probe_get(ref->slots_url, probe_ms(), body, PROBE_MAX_BODY, &len);
		if (st == 200 && probe_slots(body, len, &a.total, &a.busy) == 0)
			a.up = 1;
	}
	/* No /slots (disabled: 501; an older server: 404): its health says it answers. */
	if (!a.up && (ref->slots_url == NULL || st == 404 || st == 501) && ref->health_url != NULL)
		a.up = probe_get(ref->health_url, probe_ms(), body, PROBE_MAX_BODY, &len) == 200;
	free(body);
	return a;
}

/* Keep answer a of s, asked at t. */
static void
keep(struct pool_file *f, struct pserver *s, const struct pool_server_ref *ref, struct answer a,
    int64_t t)
{
	if (a.up) {
		s->up = 1;
		s->fails = 0;
		s->total = a.total > 0 ? a.total : ref->slots > 0 && ref->slots < INT32_MAX ?
		    (int32_t)ref->slots : -1;
		s->busy_seen = a.busy > 0 ? a.busy : 0;
		s->leases_then = leases(f, s);
		s->next_ms = t + fresh_ms();
		return;
	}
	if (s->up || s->down_since == 0)
		s->down_since = t / 1000;
	s->up = 0;
	if (s->fails < 16)
		s->fails++;
	s->next_ms = t + (POOL_FRESH_MS << (s->fails - 1) < POOL_MAX_BACKOFF_MS ?
	    POOL_FRESH_MS << (s->fails - 1) : POOL_MAX_BACKOFF_MS);
}

/* The view of s now (under the lock). */
static void
view_of(struct pool_file *f, struct pserver *s, struct pool_view *v)
{
	int ours = leases(f, s), others = s->busy_seen - s->leases_then;

	v->up = s->up;
	v->total = s->total;
	v->busy = ours + (others > 0 ? others : 0);
	if (v->total > 0 && v->busy > v->total)
		v->busy = v->total;
	v->down_since = (time_t)s->down_since;
}

int
pool_look(const char *catalog, const struct pool_server_ref *ref, struct pool_view *v)
{
	const char *key = key_of(ref);
	struct pool_file *f;
	struct pserver *s;
	int64_t t = now_ms();
	int stale;

	if (key == NULL)
		return -1;
	if ((f = lock_pool(catalog)) == NULL) {
		/* No pool file: ask the server every time, count nothing. */
		struct answer a = ask(ref);

		v->up = a.up;
		v->total = a.total > 0 ? a.total : ref->slots > 0 ? (int)ref->slots : -1;
		v->busy = a.busy > 0 ? a.busy : 0;
		v->down_since = a.up ? 0 : time(NULL);
		return 0;
	}
	s = server(f, key);
	/* The first to find it stale asks; the others go on with what it said last. */
	if ((stale = t >= s->next_ms))
		s->next_ms = t + fresh_ms();
	unlock_pool();
	if (stale) {
		struct answer a = ask(ref);

		if ((f = lock_pool(catalog)) == NULL)
			return -1;
		keep(f, s = server(f, key), ref, a, now_ms());
	} else if ((f = lock_pool(catalog)) == NULL)
		return -1;
	view_of(f, s = server(f, key), v);
	unlock_pool();
	return 0;
}

int
pool_take(const char *catalog, const struct pool_server_ref *ref)
{
	const char *key = key_of(ref);
	struct pool_file *f;
	struct pserver *s;
	struct pool_view v;
	int lease = -1;

	if (key == NULL || (f = lock_pool(catalog)) == NULL)
		return POOL_NO_POOL;
	s = server(f, key);
	view_of(f, s, &v);
	if (v.up && (v.total <= 0 || v.busy < v.total))
		for (int i = 0; i < POOL_MAX_LEASES && lease == -1; i++)
			if (f->l[i].pid == 0 || !alive(f->l[i].pid)) {
				f->l[i].server = (int32_t)(s - f->s);
				f->l[i].pid = (int32_t)getpid();
				lease = i;
			}
	unlock_pool();
	return lease;
}

void
pool_give(const char *catalog, int lease)
{
	struct pool_file *f;

	if (lease < 0 || lease >= POOL_MAX_LEASES || (f = lock_pool(catalog)) == NULL)
		return;
	if (f->l[lease].pid == (int32_t)getpid()) {
		struct pserver *s = &f->s[f->l[lease].server % POOL_MAX_SERVERS];
		int64_t soon = now_ms() + POOL_AFTER_MS;

		f->l[lease].pid = 0;
		/*
		 * The server's last answer may count that request still: ask it
		 * again soon rather than take its slot for another's for a second.
		 */
		if (s->next_ms > soon)
			s->next_ms = soon;
	}
	unlock_pool();
}

long long
pool_line_join(const char *catalog, int max)
{
	struct pool_file *f = lock_pool(catalog);
	int n = 0, slot = -1;
	long long ticket = -1;

	if (f == NULL)
		return -1;
	for (int i = 0; i < POOL_MAX_WAITERS; i++) {
		if (f->w[i].pid != 0 && !alive(f->w[i].pid))
			f->w[i].pid = 0;
		if (f->w[i].pid != 0)
			n++;
		else if (slot == -1)
			slot = i;
	}
	if (n < max && slot != -1) {
		f->w[slot].pid = (int32_t)getpid();
		f->w[slot].ticket = ticket = ++f->next_ticket;
	}
	unlock_pool();
	return ticket;
}

int
pool_line_first(const char *catalog, long long ticket)
{
	struct pool_file *f = lock_pool(catalog);
	int first = 1;

	if (f == NULL)
		return 1;
	for (int i = 0; i < POOL_MAX_WAITERS && first; i++)
		if (f->w[i].pid != 0 && f->w[i].ticket < ticket) {
			if (alive(f->w[i].pid))
				first = 0;
			else
				f->w[i].pid = 0;
		}
	unlock_pool();
	return first;
}

void
pool_line_leave(const char *catalog, long long ticket)
{
	struct pool_file *f = lock_pool(catalog);

	if (f == NULL)
		return;
	for (int i = 0; i < POOL_MAX_WAITERS; i++)
		if (f->w[i].ticket == ticket && f->w[i].pid == (int32_t)getpid())
			f->w[i].pid = 0;
	unlock_pool();
}

int
pool_line_length(const char *catalog)
{
	struct pool_file *f = lock_pool(catalog);
	int n = 0;

	if (f == NULL)
		return 0;
	for (int i = 0; i < POOL_MAX_WAITERS; i++)
		if (f->w[i].pid != 0 && alive(f->w[i].pid))
			n++;
	unlock_pool();
	return n;
}
