/*
 * utctime: RFC 3339 parsing and formatting without the local time zone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utctime.h"

long long
utctime_days(int year, int month, int day)
{
	/* Howard Hinnant's days_from_civil. */
	long long y = (long long)year - (month <= 2);
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153LL * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/*
 * The civil date of a day count (Hinnant's days_from_civil inverted).  Our
 * own arithmetic, not gmtime_r: glibc's reads /etc/localtime on first use,
 * seven system calls on the path of every routing decision.
 */
static void
civil(long long days, long long *y, int *m, int *d)
{
	long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
utctime_format(time_t t, char buf[UTCTIME_LEN])
{
	long long days = (long long)t / 86400, secs = (long long)t % 86400, y;
	char tmp[64];
	int m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil(days, &y, &m, &d);
	if (y > 9999 || y < 0)
		return -1;
	snprintf(tmp, sizeof tmp, "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ", y, m, d,
	    secs / 3600, secs / 60 % 60, secs % 60);
	memcpy(buf, tmp, UTCTIME_LEN - 1);
	buf[UTCTIME_LEN - 1] = '\0';
	return 0;
}

/* Read exactly n digits at *s into *v, advancing *s. */
static int
digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (!isdigit((unsigned char)**s))
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

int
utctime_parse(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	long long t;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
	    digits(&s, 2, &d))
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' ||
	    digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	t = utctime_days(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec;
	t -= sign * (oh * 3600LL + om * 60LL);
	*out = (time_t)t;
	return 0;
}

time_t
utctime_now(void)
{
	const char *fake = getenv("AFMTS_NOW");
	time_t t;
	char *end;
	long long v;

	if (fake == NULL || *fake == '\0')
		return time(NULL);
	if (utctime_parse(fake, &t) == 0)
		return t;
	errno = 0;
	v = strtoll(fake, &end, 10);
	if (end != fake && *end == '\0' && errno == 0 && v >= 0)
		return (time_t)v;
	return (time_t)-1;
}

long long
utctime_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
utctime_reset_parse(const char *s, size_t n, int *kind, int *offset)
{
	*offset = 0;
	if (n == 3 && memcmp(s, "utc", 3) == 0)
		*kind = UTCTIME_RESET_UTC;
	else if (n == 7 && memcmp(s, "rolling", 7) == 0)
		*kind = UTCTIME_RESET_ROLLING;
	else if (n == 19 && memcmp(s, "America/Los_Angeles", 19) == 0)
		*kind = UTCTIME_RESET_PACIFIC;
	else if (n == 6 && (s[0] == '+' || s[0] == '-') && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && s[3] == ':' && isdigit((unsigned char)s[4]) &&
	    isdigit((unsigned char)s[5])) {
		int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');

		if (h > 14 || m > 59)
			return -1;
		*kind = UTCTIME_RESET_OFFSET;
		*offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	} else {
		return -1;
	}
	return 0;
}

void
utctime_reset_name(int kind, int offset, char buf[8 + 12])
{
	int a = offset < 0 ? -offset : offset;

	if (kind == UTCTIME_RESET_OFFSET)
		snprintf(buf, 8 + 12, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600 % 100,
		    a % 3600 / 60);
	else
		snprintf(buf, 8 + 12, "%s", kind == UTCTIME_RESET_ROLLING ? "rolling" :
		    kind == UTCTIME_RESET_PACIFIC ? "America/Los_Angeles" : "utc");
}

/* The first Sunday on or after day count d (1970-01-01 was a Thursday). */
static long long
sunday_from(long long d)
{
	return d + (7 - (d + 4) % 7) % 7;
}

/*
 * US Pacific time's offset at t: daylight time (-07:00) from the second
 * Sunday of March, 02:00 standard time, to the first Sunday of November,
 * 02:00 daylight time; -08:00 otherwise.
 */
static int
pacific_offset(time_t t)
{
	long long y;
	int m, d;
	time_t from, to;

	civil(((long long)t - 8 * 3600) / 86400, &y, &m, &d);
	from = (time_t)((sunday_from(utctime_days((int)y, 3, 1)) + 7) * 86400 + 10 * 3600);
	to = (time_t)(sunday_from(utctime_days((int)y, 11, 1)) * 86400 + 9 * 3600);
	return t >= from && t < to ? -7 * 3600 : -8 * 3600;
}

void
utctime_day_window(time_t now, int kind, int offset, time_t *start, time_t *end)
{
	long long local;

	if (kind == UTCTIME_RESET_ROLLING) {
		*start = now - 86400 + 1;
		*end = now + 1;
		return;
	}
	if (kind == UTCTIME_RESET_PACIFIC)
		offset = pacific_offset(now);
	else if (kind != UTCTIME_RESET_OFFSET)
		offset = 0;
	/* The local midnight, as a local time; now's offset gives now's local day. */
	local = (long long)now + offset;
	local -= ((local % 86400) + 86400) % 86400;
	/*
	 * A Pacific day is 23 or 25 hours when the clocks change (at 02:00,
	 * never near midnight): each midnight in the offset in force then.
	 */
	if (kind == UTCTIME_RESET_PACIFIC)
		offset = pacific_offset((time_t)(local + 8 * 3600));
	*start = (time_t)(local - offset);
	if (kind == UTCTIME_RESET_PACIFIC)
		offset = pacific_offset(*start + 86400);
	*end = (time_t)(local + 86400 - offset);
}

void
utctime_month_window(time_t now, time_t *start, time_t *end)
{
	long long y;
	int m, d;

	civil((long long)now / 86400, &y, &m, &d);
	*start = (time_t)(utctime_days((int)y, m, 1) * 86400);
	*end = (time_t)(utctime_days(m == 12 ? (int)y + 1 : (int)y, m == 12 ? 1 : m + 1, 1) * 86400);
}
