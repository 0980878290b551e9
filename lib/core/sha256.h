/*
 * sha256: SHA-256 (FIPS 180-4), for the hashed client keys of afmts-gateway:
 * a key file holds digests, never keys.
 */
#ifndef AFMTS_SHA256_H
#define AFMTS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65	/* 64 hex digits and a NUL */

/* The digest of data as lower-case hex. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);

#endif
