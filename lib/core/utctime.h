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

/*
 * A provider's day: when its daily counts start again.  "utc" (midnight
 * UTC), a fixed offset "+HH:MM" or "-HH:MM" (midnight there),
 * "America/Los_Angeles" (Pacific midnight, with the US daylight saving
 * rules since 2007: -08:00 or -07:00), or "rolling" (the last 24 hours).
 */
enum utctime_reset {
	UTCTIME_RESET_UTC, UTCTIME_RESET_OFFSET, UTCTIME_RESET_PACIFIC, UTCTIME_RESET_ROLLING
};

/* Parse the n bytes of s into *kind and *offset (seconds east of UTC).  0 or -1. */
int utctime_reset_parse(const char *s, size_t n, int *kind, int *offset);

/* Its name as written in descriptors (offset for UTCTIME_RESET_OFFSET) into buf. */
void utctime_reset_name(int kind, int offset, char buf[8 + 12]);

/*
 * The day holding now under kind: [*start, *end).  Rolling: (now - 86400,
 * now], *end being now + 1 (a rolling window never resets all at once).
 */
void utctime_day_window(time_t now, int kind, int offset, time_t *start, time_t *end);

/* The calendar month (UTC) holding now: [*start, *end). */
void utctime_month_window(time_t now, time_t *start, time_t *end);

#endif
