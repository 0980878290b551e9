/*
 * probe: a local server asked, at decision time, how busy it is.
 *
 * The decision path links neither libcurl nor libjq (it must start in well
 * under a millisecond), so this is a plain HTTP/1.1 GET over a socket, with
 * one deadline for connecting, sending and reading, to http:// URLs only
 * (local servers: llama-server's /slots and /health, Ollama's /api/version),
 * and a scanner of llama-server's /slots answer that counts its slots and
 * the busy ones.
 */
#ifndef AFMTS_PROBE_H
#define AFMTS_PROBE_H

#include <stddef.h>

/* Longest answer read (a /slots answer of 64 slots is about 40 KiB). */
#define PROBE_MAX_BODY (256 * 1024)

/*
 * GET url (http://HOST[:PORT]/PATH) within timeout_ms: the HTTP status, its
 * body in body[0..*len) (of size cap, NUL-terminated, cut when longer).  0
 * when no answer came in time (refused, unreachable, timed out, not HTTP),
 * -1 when url is not a plain http URL.
 */
int probe_get(const char *url, long timeout_ms, char *body, size_t cap, size_t *len);

/*
 * An HTTP/1.x answer read whole, buf[0..n) (buf of at least n + 1 bytes,
 * overwritten): its status, and its body, unchunked, in body[0..*len) (of
 * size cap, NUL-terminated, cut when longer).  0 when it is not an answer.
 */
int probe_answer(char *buf, size_t n, char *body, size_t cap, size_t *len);

/*
 * Slots in a /slots answer (a JSON array of slot objects, each with a boolean
 * "is_processing"): *total of them, *busy processing.  0, or -1 when the text
 * holds no such member (not a /slots answer).
 */
int probe_slots(const char *text, size_t len, int *total, int *busy);

#endif
