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
#define POOL_VERSION 3
#define POOL_MAX_BACKOFF_MS 30000
#define POOL_AFTER_MS 100	/* a server is asked again this soon after a request ends */

struct pserver {
	char		 key[POOL_MAX_URL + 1];	/* its slots or health URL */
	int32_t		 total;		/* slots, -1: not known */
	int32_t		 busy_seen;	/* busy at its last answer */
	int32_t		 leases_then;	/* our leases on it then */
	int32_t		 up, fails, pad;
	int64_t		 next_ms;	/* when to ask it again at the latest */
	int64_t		 asked_ms;	/* when it was last asked */
	int64_t		 down_since;	/* seconds, when down */
};

/* A process: its pid and start time (a pid is reused; the pair is not). */
struct holder {
	int32_t		 pid;		/* 0: none */
	int32_t		 pad;
	int64_t		 start;		/* clock ticks after boot, /proc/PID/stat's 22nd field */
};

struct please {
	struct holder	 by;
	int32_t		 server, pad;
};

struct pwaiter {
	struct holder	 by;
	int64_t		 ticket;
	uint64_t	 key;		/* what it waits for: older waiters with the same key go first */
	int32_t		 served, pad;	/* being tried now: not in anyone's way */
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

/* When process pid started (clock ticks after boot), or 0 when it is not there. */
static int64_t
started(int32_t pid)
{
	char path[64], buf[1024], *p;
	long long t = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After the command's closing parenthesis: fields 3 onwards; start time is the 22nd. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%lld", &t) != 1)
		return 0;
	return (int64_t)t;
}

/* This process, as holders are written. */
static struct holder
me(void)
{
	static struct holder self;

	if (self.pid != (int32_t)getpid()) {
		self.pid = (int32_t)getpid();
		self.start = started(self.pid);
	}
	return self;
}

/* The holder is there: the same process (a lease or ticket of a dead one is void). */
static int
alive(const struct holder *h)
{
	return h->pid > 0 && started(h->pid) == h->start;
}

static int
mine(const struct holder *h)
{
	return h->pid == (int32_t)getpid();
}

static const char *
key_of(const struct pool_server_ref *ref)
{
	const char *k = ref->slots_url != NULL ? ref->slots_url : ref->health_url;

	return k != NULL && *k != '\0' && strlen(k) <= POOL_MAX_URL ? k : NULL;
}

/* Our live leases on server i. */
static int
leases_on(struct pool_file *f, int i)
{
	int n = 0;

	for (int l = 0; l < POOL_MAX_LEASES; l++)
		if (f->l[l].by.pid != 0 && f->l[l].server == i) {
			if (alive(&f->l[l].by))
				n++;
			else
				f->l[l].by.pid = 0;
		}
	return n;
}

/*
 * Server key's entry, added (to be asked at once) when new.  When all are
 * taken, one with no lease of ours is replaced, a down one first; NULL
 * when every one holds leases.
 */
static struct pserver *
server(struct pool_file *f, const char *key)
{
	struct pserver *e = NULL;

	for (int i = 0; i < POOL_MAX_SERVERS; i++) {
		if (strcmp(f->s[i].key, key) == 0)
			return &f->s[i];
		if (e == NULL && f->s[i].key[0] == '\0')
			e = &f->s[i];
	}
	for (int pass = 0; pass < 2 && e == NULL; pass++)
		for (int i = 0; i < POOL_MAX_SERVERS && e == NULL; i++)
			if ((pass == 1 || !f->s[i].up) && leases_on(f, i) == 0)
				e = &f->s[i];
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof *e);
	snprintf(e->key, sizeof e->key, "%s", key);
	e->total = -1;
	e->up = 1;
	return e;
}

/* Our live leases on server s. */
static int
leases(struct pool_file *f, const struct pserver *s)
{
	return leases_on(f, (int)(s - f->s));
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

/*
 * Ask the server (no lock held).  Its /slots when it has one; its health when
 * that says nothing usable: a server busy with a long prompt may answer
 * /slots late, and one that is up but cannot say how busy counts as busy.
 */
static struct answer
ask(const struct pool_server_ref *ref)
{
	struct answer a = { 0, -1, -1 };
	char *body = malloc(PROBE_MAX_BODY);
	size_t len;
	int st = -1, told = 0;

	if (body == NULL)
		return a;
	if (ref->slots_url != NULL) {
		st = probe_get(ref->slots_url, probe_ms(), body, PROBE_MAX_BODY, &len);
		told = st == 200 && len < PROBE_MAX_BODY - 1 &&
		    probe_slots(body, len, &a.total, &a.busy) == 0;
		a.up = told;
	}
	if (!told && ref->health_url != NULL) {
		a.up = probe_get(ref->health_url, probe_ms(), body, PROBE_MAX_BODY, &len) == 200;
		/* /slots disabled (501) or unknown (404): nothing said of its slots. */
		if (a.up && ref->slots_url != NULL && st != 404 && st != 501)
			a.busy = INT32_MAX;
	}
	free(body);
	return a;
}

/* Keep answer a of s, asked at t, when it had ours leases in flight. */
static void
keep(struct pserver *s, const struct pool_server_ref *ref, struct answer a, int64_t t, int ours)
{
	if (a.up) {
		s->up = 1;
		s->fails = 0;
		if (a.total > 0)
			s->total = a.total;
		else if (s->total <= 0)
			s->total = ref->slots > 0 && ref->slots < INT32_MAX ? (int32_t)ref->slots : -1;
		s->busy_seen = a.busy == INT32_MAX ? (s->total > 0 ? s->total : 0) :
		    a.busy > 0 ? a.busy : 0;
		s->leases_then = ours;
		if (s->next_ms > t + fresh_ms() || s->next_ms < t)
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

/*
 * Is s to be asked at t?  When its time comes, or, for a server that
 * answers, when this process wants fresher answers (AFMTS_PROBE_FRESH_MS)
 * than the one that asked last.  A wall clock set back does not hold it up.
 */
static int
stale(const struct pserver *s, int64_t t)
{
	return t >= s->next_ms || s->next_ms - t > POOL_MAX_BACKOFF_MS + 60000 ||
	    (s->up && t - s->asked_ms >= fresh_ms());
}

int
pool_look(const char *catalog, const struct pool_server_ref *ref, struct pool_view *v)
{
	const char *key = key_of(ref);
	struct pool_file *f;
	struct pserver *s;
	int64_t t = now_ms();
	int asking = 0, ours = 0;

	if (key == NULL)
		return -1;
	if ((f = lock_pool(catalog)) == NULL || (s = server(f, key)) == NULL) {
		/* No pool file, or it is full: ask the server every time, count nothing. */
		struct answer a;

		if (f != NULL)
			unlock_pool();
		a = ask(ref);
		v->up = a.up;
		v->total = a.total > 0 ? a.total : ref->slots > 0 ? (int)ref->slots : -1;
		v->busy = a.busy == INT32_MAX ? (v->total > 0 ? v->total : 0) : a.busy > 0 ? a.busy : 0;
		v->down_since = a.up ? 0 : time(NULL);
		return 0;
	}
	/* The first to find it stale asks; the others go on with what it said last. */
	if ((asking = stale(s, t))) {
		s->next_ms = t + fresh_ms();
		s->asked_ms = t;
		ours = leases(f, s);	/* those the answer will count */
	}
	unlock_pool();
	if (asking) {
		struct answer a = ask(ref);

		if ((f = lock_pool(catalog)) == NULL)
			return -1;
		if ((s = server(f, key)) != NULL)
			keep(s, ref, a, now_ms(), ours);
	} else if ((f = lock_pool(catalog)) == NULL)
		return -1;
	if ((s = server(f, key)) == NULL) {
		unlock_pool();
		return -1;
	}
	view_of(f, s, v);
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
	if ((s = server(f, key)) == NULL) {
		unlock_pool();
		return POOL_NO_POOL;
	}
	view_of(f, s, &v);
	if (v.up && (v.total <= 0 || v.busy < v.total))
		for (int i = 0; i < POOL_MAX_LEASES && lease == -1; i++)
			if (f->l[i].by.pid == 0 || !alive(&f->l[i].by)) {
				f->l[i].server = (int32_t)(s - f->s);
				f->l[i].by = me();
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
	if (mine(&f->l[lease].by) && f->l[lease].server >= 0 &&
	    f->l[lease].server < POOL_MAX_SERVERS) {
		struct pserver *s = &f->s[f->l[lease].server];
		int64_t soon = now_ms() + POOL_AFTER_MS;

		f->l[lease].by.pid = 0;
		/*
		 * The server's last answer may count that request still: ask it
		 * again soon rather than take its slot for another's for a second.
		 */
		if (s->next_ms > soon)
			s->next_ms = soon;
	} else if (mine(&f->l[lease].by))
		f->l[lease].by.pid = 0;
	unlock_pool();
}

long long
pool_line_join(const char *catalog, uint64_t key, int max)
{
	struct pool_file *f = lock_pool(catalog);
	int n = 0, slot = -1;
	long long ticket = -1;

	if (f == NULL)
		return -1;
	for (int i = 0; i < POOL_MAX_WAITERS; i++) {
		if (f->w[i].by.pid != 0 && !alive(&f->w[i].by))
			f->w[i].by.pid = 0;
		if (f->w[i].by.pid != 0)
			n++;
		else if (slot == -1)
			slot = i;
	}
	if (n < max && slot != -1) {
		f->w[slot].by = me();
		f->w[slot].ticket = ticket = ++f->next_ticket;
		f->w[slot].key = key;
		f->w[slot].served = 0;
	}
	unlock_pool();
	return ticket;
}

/* Our waiter of ticket, or NULL. */
static struct pwaiter *
waiter(struct pool_file *f, long long ticket)
{
	for (int i = 0; i < POOL_MAX_WAITERS; i++)
		if (f->w[i].ticket == ticket && mine(&f->w[i].by))
			return &f->w[i];
	return NULL;
}

int
pool_line_first(const char *catalog, uint64_t key, long long ticket)
{
	struct pool_file *f = lock_pool(catalog);
	int first = 1;

	if (f == NULL)
		return 1;
	for (int i = 0; i < POOL_MAX_WAITERS && first; i++) {
		struct pwaiter *w = &f->w[i];

		if (w->by.pid == 0 || w->key != key || w->served ||
		    (ticket > 0 && w->ticket >= ticket))
			continue;
		if (alive(&w->by))
			first = 0;
		else
			w->by.pid = 0;
	}
	unlock_pool();
	return first;
}

void
pool_line_served(const char *catalog, long long ticket, int served)
{
	struct pool_file *f = lock_pool(catalog);
	struct pwaiter *w;

	if (f == NULL)
		return;
	if ((w = waiter(f, ticket)) != NULL)
		w->served = served;
	unlock_pool();
}

void
pool_line_leave(const char *catalog, long long ticket)
{
	struct pool_file *f = lock_pool(catalog);
	struct pwaiter *w;

	if (f == NULL)
		return;
	if ((w = waiter(f, ticket)) != NULL)
		w->by.pid = 0;
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
		if (f->w[i].by.pid != 0 && !f->w[i].served && alive(&f->w[i].by))
			n++;
	unlock_pool();
	return n;
}
