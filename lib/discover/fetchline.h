/*
 * fetchline: a provider's raw response as a fetch record.
 *
 * A fetch record is made in two steps so that a live run and a replayed
 * archive give the same lines: the "meta" part (everything but the body:
 * provider, URL, time, status, headers, transport error) is what the archive
 * stores beside the raw body bytes, and fetchline_finish turns meta and body
 * into the line, deciding between "body" (parsed JSON), "body_text" (HTML or
 * other text), "not_modified" (a 304), "retired" (a 410: the list is gone)
 * and an "error" derived from the status or the body.
 */
#ifndef AFMTS_FETCHLINE_H
#define AFMTS_FETCHLINE_H

#include <stddef.h>

#include <jv.h>

#include "http.h"

/* Longest excerpt of an error body kept in an error message. */
#define FETCHLINE_EXCERPT 200

/* The meta part of a live response (r is borrowed). */
jv fetchline_meta(const char *provider, const char *url, const char *fetched_at,
    const struct http_response *r);

/* The fetch line for meta (consumed) and body[0..len) (borrowed; may be NULL). */
jv fetchline_finish(jv meta, const char *body, size_t len);

/* A "retired" member: {since: DAY, reason, source (when not NULL)}. */
jv fetchline_retirement(const char *since, const char *reason, const char *source);

/* The line of a provider not asked because it is retired (retirement consumed). */
jv fetchline_retired(const char *provider, const char *url, const char *fetched_at,
    jv retirement);

/* 1 if the line (borrowed) reports a success, a 304 and a retirement included. */
int fetchline_ok(jv line);

#endif
