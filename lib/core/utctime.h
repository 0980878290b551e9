/*
 * utctime: RFC 3339 UTC timestamps, the only time format on our pipes.
 */
#ifndef AFMTS_UTCTIME_H
#define AFMTS_UTCTIME_H

#include <time.h>

/* "YYYY-MM-DDThh:mm:ssZ" plus NUL. */
#define UTCTIME_LEN 21

/*
 * The current time.  AFMTS_NOW (RFC 3339 or seconds since the epoch), when
 * set, replaces the clock: it exists so tests can control time.
 * Returns (time_t)-1 if AFMTS_NOW is set but not a valid time.
 */
time_t utctime_now(void);

/* Format t as "YYYY-MM-DDThh:mm:ssZ" into buf.  Returns 0, or -1 if out of range. */
int utctime_format(time_t t, char buf[UTCTIME_LEN]);

/*
 * Parse an RFC 3339 date-time ("2025-11-19T00:56:54.929438624Z",
 * "2026-01-02T03:04:05+01:00"; a space for T is accepted) into *out,
 * fractions dropped.  Returns 0, or -1 if s is not one.
 */
int utctime_parse(const char *s, time_t *out);

/* Milliseconds on the monotonic clock (never AFMTS_NOW): for deadlines and waits. */
long long utctime_clock_ms(void);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
long long utctime_days(int year, int month, int day);

#endif
