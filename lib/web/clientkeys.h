/*
 * clientkeys: who may use a shared afmts-gateway, and how much.
 *
 * The file (AFMTS_GATEWAY_KEYS) holds one client a line: NAME, the SHA-256 of
 * its key in hex, and optionally the requests it may make per UTC day; '#'
 * starts a comment.  Only digests are stored: "afmts-gateway --hash-key NAME"
 * makes a line from a key on standard input.
 */
#ifndef AFMTS_CLIENTKEYS_H
#define AFMTS_CLIENTKEYS_H

#include <time.h>

#include "sha256.h"

#define CLIENTKEYS_MAX 1024
#define CLIENTKEYS_NAME 64
#define CLIENTKEYS_LINE 255	/* bytes of a client line (comments may be longer) */

struct clientkey {
	char		 name[CLIENTKEYS_NAME];
	char		 digest[SHA256_HEX_LEN];
	long		 rpd;		/* -1: no daily limit */
};

struct clientkeys {
	struct clientkey *k;
	int		 n;
	time_t		 mtime;		/* of the file when read */
};

/* Read the file at path into ck.  0, or -1 after reporting (ck left empty). */
int clientkeys_load(struct clientkeys *ck, const char *path);

/* The client whose key is key, or NULL. */
const struct clientkey *clientkeys_find(const struct clientkeys *ck, const char *key);

/* A client name: 1 to 63 of [A-Za-z0-9_.-].  1 or 0. */
int clientkeys_name_ok(const char *name);

void clientkeys_free(struct clientkeys *ck);

#endif
