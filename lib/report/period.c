/*
 * period: report days to UTC instants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "period.h"
#include "utctime.h"

#define MAX_DAYS 366	/* the longest period a report covers */

struct ymd {
	int	y, m, d;
};

/* Parse a strict "YYYY-MM-DD" that names a real day.  0 or -1. */
static int
parse_day(const char *s, struct ymd *out)
{
	char check[UTCTIME_LEN];
	int n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &out->y, &out->m, &out->d, &n) != 3 ||
	    n != 10 || out->y < 1970 || out->y > 9999 || out->m < 1 || out->m > 12 ||
	    out->d < 1 || out->d > 31)
		return -1;
	if (utctime_format((time_t)utctime_days(out->y, out->m, out->d) * 86400, check) == -1 ||
	    strncmp(check, s, 10) != 0)
		return -1;	/* February 30th and the like */
	return 0;
}

/* parse_day, reporting a bad day.  0 or -1. */
static int
take_day(const char *s, struct ymd *out)
{
	if (parse_day(s, out) == 0)
		return 0;
	err_warn("%s: not a day (YYYY-MM-DD)", s);
	return -1;
}

static void
format_day(const struct ymd *d, char out[11])
{
	snprintf(out, 11, "%04d-%02d-%02d", d->y, d->m, d->d);
}

/* Is tz a time zone the C library will know (not silently UTC)? */
static int
known_zone(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[4096];

	if (strcmp(tz, "UTC") == 0)
		return 1;
	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
	    strlen(tz))
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	return access(path, R_OK) == 0;
}

/* The instant local midnight starts day d (normalised: d may overflow). */
static time_t
midnight(const struct ymd *d, int local)
{
	struct tm t;

	if (!local)
		return (time_t)utctime_days(d->y, d->m, d->d) * 86400;
	memset(&t, 0, sizeof t);
	t.tm_year = d->y - 1900;
	t.tm_mon = d->m - 1;
	t.tm_mday = d->d;
	t.tm_isdst = -1;
	return mktime(&t);
}

/* Yesterday, as a local (or UTC) date. */
static void
yesterday(time_t now, int local, struct ymd *out)
{
	time_t t = now - 86400;
	struct tm tm;

	if (local)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	out->y = tm.tm_year + 1900;
	out->m = tm.tm_mon + 1;
	out->d = tm.tm_mday;
}

static int
set_zone(const char *tz)
{
	if (!known_zone(tz)) {
		err_warn("--tz %s: not a time zone (a name such as Europe/Paris, as in "
		    "/usr/share/zoneinfo)", tz);
		return -1;
	}
	if (setenv("TZ", tz, 1) == -1)
		return err_warn("--tz: %s", "cannot set TZ"), -1;
	tzset();
	return 0;
}

int
period_make(struct period *p, const char *day, const char *from, const char *to,
    const char *tz, time_t now)
{
	struct ymd first, last;
	char end[UTCTIME_LEN];
	time_t a, b;
	int local = tz != NULL && strcmp(tz, "UTC") != 0;

	memset(p, 0, sizeof *p);
	if (local && set_zone(tz) == -1)
		return -1;
	if (day != NULL)
		from = to = day;
	if (from == NULL && to == NULL)
		yesterday(now, local, &first), last = first;
	if ((from != NULL && take_day(from, &first) == -1) ||
	    (to != NULL && take_day(to, &last) == -1))
		return -1;
	if (from == NULL && to != NULL)
		first = last;
	if (to == NULL && from != NULL)
		last = first;
	format_day(&first, p->first);
	format_day(&last, p->last);
	if (strcmp(p->first, p->last) > 0) {
		err_warn("--from %s is after --to %s", p->first, p->last);
		return -1;
	}
	a = midnight(&first, local);
	last.d++;
	b = midnight(&last, local);
	if (a == (time_t)-1 || b == (time_t)-1 || b - a > (time_t)MAX_DAYS * 86400 + 7200) {
		err_warn("%s to %s: a report covers at most %d days", p->first, p->last, MAX_DAYS);
		return -1;
	}
	utctime_format(a, p->from);
	utctime_format(b, p->to);
	utctime_format(b - 1, end);
	snprintf(p->trend_to, sizeof p->trend_to, "%.10s", end);
	p->aligned = a % 86400 == 0 && b % 86400 == 0;
	return 0;
}
