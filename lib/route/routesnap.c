/*
 * routesnap: the route snapshot file, its lock, reading and writing it.
 */
#define _GNU_SOURCE		/* statx: a catalog's birth time */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "routesnap.h"

#define MAGIC "AFMTSRS"
#define VERSION 5	/* 2: price_tiers; 3: RSF_TRAINS; 4: local servers; 5: limits' clocks */
#define NULL_LEN UINT32_MAX
#define MAX_ENTRIES (1u << 22)

struct header {
	char		 magic[8];
	uint32_t	 version, entry_size;
	uint64_t	 n, strings_off, strings_len;
	struct identity {		/* the catalog file it was built from */
		uint64_t dev, ino;
		int64_t	 born, born_ns;	/* 0 where the file system keeps no birth time */
	}		 catalog;
};

/*
 * Which file the catalog is: device and inode, and its birth time, since a
 * catalog removed and made anew may get the inode number back.  0 or -1.
 */
static int
identity_of(const char *catalog, struct identity *id)
{
	struct statx sx;

	memset(id, 0, sizeof *id);
	if (statx(AT_FDCWD, catalog, 0, STATX_INO | STATX_BTIME, &sx) == -1)
		return -1;
	id->dev = ((uint64_t)sx.stx_dev_major << 32) | sx.stx_dev_minor;
	id->ino = sx.stx_ino;
	if (sx.stx_mask & STATX_BTIME) {
		id->born = sx.stx_btime.tv_sec;
		id->born_ns = sx.stx_btime.tv_nsec;
	}
	return 0;
}

static const char *const which_names[] = { "rpm", "tpm", "rpd", "tpd", "rpmo", "x-ratelimit" };

const char *
routesnap_which(int which)
{
	return which >= 0 && which < (int)(sizeof which_names / sizeof *which_names) ?
	    which_names[which] : NULL;
}

int
routesnap_which_index(const char *which)
{
	for (size_t i = 0; which != NULL && i < sizeof which_names / sizeof *which_names; i++)
		if (strcmp(which, which_names[i]) == 0)
			return (int)i;
	return -1;
}

int
routesnap_path(const char *catalog, const char *suffix, char *out, size_t n)
{
	int k = snprintf(out, n, "%s%s", catalog, suffix);

	return k < 0 || (size_t)k >= n ? -1 : 0;
}

int
routesnap_lock(const char *catalog, int create, int wait)
{
	char path[4096];
	int fd;

	if (routesnap_path(catalog, ".route.lock", path, sizeof path) == -1)
		return -1;
	/* flock needs no write access: another user's lock file still locks. */
	if ((fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644)) == -1 &&
	    (errno != EACCES || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1))
		return -1;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void
routesnap_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);	/* the lock goes with the descriptor */
}

/* Map fd (the snapshot of catalog) into s and check every bound.  0 or -1. */
static int
map_checked(struct routesnap *s, int fd, const char *catalog)
{
	const struct header *h;
	struct stat st;
	struct identity id;
	size_t entries;

	if (fstat(fd, &st) == -1 || (size_t)st.st_size < sizeof *h ||
	    identity_of(catalog, &id) == -1)
		return -1;
	s->size = (size_t)st.st_size;
	if ((s->map = mmap(NULL, s->size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		s->map = NULL;
		return -1;
	}
	h = (const struct header *)(const void *)s->map;
	if (memcmp(h->magic, MAGIC, sizeof MAGIC) != 0 || h->version != VERSION ||
	    h->entry_size != sizeof(struct routesnap_entry) || h->n > MAX_ENTRIES ||
	    memcmp(&h->catalog, &id, sizeof id) != 0)
		return -1;
	entries = sizeof *h + (size_t)h->n * sizeof(struct routesnap_entry);
	if (h->strings_off != entries || h->strings_len > s->size - sizeof *h ||
	    entries > s->size || h->strings_off + h->strings_len != s->size)
		return -1;
	s->n = (size_t)h->n;
	s->e = (const struct routesnap_entry *)(const void *)(s->map + sizeof *h);
	s->strings = (const char *)s->map + h->strings_off;
	s->nstrings = (size_t)h->strings_len;
	/* What the checks above proved: the entries, then the strings, end the file. */
	assert((const unsigned char *)(s->e + s->n) == (const unsigned char *)s->strings);
	assert((const unsigned char *)s->strings + s->nstrings == s->map + s->size);
	return 0;
}

/* Open catalog's snapshot with flags and map it; on failure s is closed.  0 or -1. */
static int
open_mapped(struct routesnap *s, const char *catalog, int flags)
{
	char path[4096];

	if (routesnap_path(catalog, ".route", path, sizeof path) == -1 ||
	    (s->fd = open(path, flags | O_CLOEXEC)) == -1 ||
	    map_checked(s, s->fd, catalog) == -1) {
		routesnap_close(s);
		return -1;
	}
	return 0;
}

int
routesnap_open(struct routesnap *s, const char *catalog)
{
	char path[4096];

	memset(s, 0, sizeof *s);
	s->fd = s->lockfd = -1;
	if (routesnap_path(catalog, ".route.lock", path, sizeof path) == -1 ||
	    (s->lockfd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (flock(s->lockfd, LOCK_SH | LOCK_NB) == -1) {
		routesnap_close(s);
		return -1;
	}
	return open_mapped(s, catalog, O_RDONLY);
}

int
routesnap_open_locked(struct routesnap *s, const char *catalog)
{
	memset(s, 0, sizeof *s);
	s->fd = s->lockfd = -1;
	return open_mapped(s, catalog, O_RDWR);
}

void
routesnap_close(struct routesnap *s)
{
	if (s->map != NULL)
		munmap((void *)(uintptr_t)s->map, s->size);
	if (s->fd >= 0)
		close(s->fd);
	routesnap_unlock(s->lockfd);
	memset(s, 0, sizeof *s);
	s->fd = s->lockfd = -1;
}

const char *
routesnap_str(const struct routesnap *s, size_t i, enum routesnap_string which)
{
	uint32_t off, len;

	assert(i < s->n && (int)which >= 0 && which < RS_NSTRINGS);
	off = s->e[i].s[which].off;
	len = s->e[i].s[which].len;
	if (len == NULL_LEN || off >= s->nstrings || len >= s->nstrings - off ||
	    s->strings[off + len] != '\0')
		return NULL;
	return s->strings + off;
}

int
routesnap_rejudge(int fd, size_t i, const struct routesnap_judgment *j)
{
	off_t at = (off_t)(sizeof(struct header) + i * sizeof(struct routesnap_entry) +
	    offsetof(struct routesnap_entry, j));

	assert(fd >= 0 && j != NULL);
	return pwrite(fd, j, sizeof *j, at) == (ssize_t)sizeof *j ? 0 : -1;
}

void
routesnap_drop(const char *catalog)
{
	char path[4096];
	int fd = routesnap_lock(catalog, 0, 1);

	if (fd == -1)
		return;		/* no lock file: never a snapshot */
	if (routesnap_path(catalog, ".route", path, sizeof path) == 0)
		(void)unlink(path);
	routesnap_unlock(fd);
}

/* --- building ------------------------------------------------------------ */

void
routesnap_builder_init(struct routesnap_builder *b)
{
	memset(b, 0, sizeof *b);
}

void
routesnap_builder_free(struct routesnap_builder *b)
{
	free(b->e);
	free(b->strings);
	memset(b, 0, sizeof *b);
}

/* Keep s (NUL-terminated) in the string area into *off and *len.  0 or -1. */
static int
keep(struct routesnap_builder *b, const char *s, uint32_t *off, uint32_t *len)
{
	size_t k;

	if (s == NULL) {
		*off = 0;
		*len = NULL_LEN;
		return 0;
	}
	k = strlen(s);
	if (k >= NULL_LEN || b->nstrings + k + 1 >= NULL_LEN)
		return -1;
	if (b->nstrings + k + 1 > b->strcap) {
		size_t cap = b->strcap ? b->strcap : 65536;
		char *p;

		while (cap < b->nstrings + k + 1)
			cap *= 2;
		if ((p = realloc(b->strings, cap)) == NULL)
			return -1;
		b->strings = p;
		b->strcap = cap;
	}
	assert(b->nstrings + k + 1 <= b->strcap);
	memcpy(b->strings + b->nstrings, s, k + 1);
	*off = (uint32_t)b->nstrings;
	*len = (uint32_t)k;
	b->nstrings += k + 1;
	return 0;
}

struct routesnap_entry *
routesnap_builder_add(struct routesnap_builder *b, const char *const str[RS_NSTRINGS])
{
	struct routesnap_entry *e;

	if (b->n == MAX_ENTRIES)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;

		if ((e = realloc(b->e, cap * sizeof *e)) == NULL)
			return NULL;
		b->e = e;
		b->cap = cap;
	}
	e = &b->e[b->n];
	memset(e, 0, sizeof *e);
	for (int i = 0; i < RS_NSTRINGS; i++)
		if (keep(b, str[i], &e->s[i].off, &e->s[i].len) == -1)
			return NULL;
	b->n++;
	return e;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

int
routesnap_builder_write(struct routesnap_builder *b, const char *catalog)
{
	char path[4096], tmp[4096];
	struct header h;
	struct stat cst;
	int fd, rc = -1;

	memset(&h, 0, sizeof h);
	if (stat(catalog, &cst) == -1 || identity_of(catalog, &h.catalog) == -1 ||
	    routesnap_path(catalog, ".route", path, sizeof path) == -1 ||
	    routesnap_path(catalog, ".route.XXXXXX", tmp, sizeof tmp) == -1 ||
	    (fd = mkstemp(tmp)) == -1)
		return -1;
	memcpy(h.magic, MAGIC, sizeof MAGIC);
	h.version = VERSION;
	h.entry_size = sizeof(struct routesnap_entry);
	h.n = b->n;
	h.strings_off = sizeof h + b->n * sizeof(struct routesnap_entry);
	h.strings_len = b->nstrings;
	assert(b->n <= MAX_ENTRIES && b->nstrings < NULL_LEN);
	/* Readable by whoever may read the catalog, as its own files are. */
	if (fchmod(fd, cst.st_mode & 0666) == 0 && write_all(fd, &h, sizeof h) == 0 &&
	    write_all(fd, b->e, b->n * sizeof *b->e) == 0 &&
	    write_all(fd, b->strings, b->nstrings) == 0 && rename(tmp, path) == 0)
		rc = 0;
	close(fd);
	if (rc == -1)
		(void)unlink(tmp);
	return rc;
}
