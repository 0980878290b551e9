/* Unit tests of lib/core/utctime.c. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "utctime.h"

void
test_utctime_parses_rfc3339_forms(void)
{
	time_t t;

	CHECK(utctime_parse("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
	CHECK(utctime_parse("2026-11-23T12:34:56Z", &t) == 0 && t == 1795437296);
	CHECK(utctime_parse("2025-11-19T00:56:54.929438624Z", &t) == 0 && t == 1763513814);
	CHECK(utctime_parse("2026-01-02T03:04:05+01:00", &t) == 0 && t == 1767319445);
	CHECK(utctime_parse("2026-01-02 02:04:05-00:00", &t) == 0 && t == 1767319445);
	CHECK(utctime_parse("2024-02-29T00:00:00z", &t) == 0 && t == 1709164800);
}

void
test_utctime_rejects_bad_times(void)
{
	time_t t;

	CHECK(utctime_parse("", &t) == -1);
	CHECK(utctime_parse("2026-11-23", &t) == -1);
	CHECK(utctime_parse("2026-11-23T12:34:56", &t) == -1);
	CHECK(utctime_parse("2026-13-01T00:00:00Z", &t) == -1);
	CHECK(utctime_parse("2025-02-29T00:00:00Z", &t) == -1);
	CHECK(utctime_parse("2026-11-23T24:00:00Z", &t) == -1);
	CHECK(utctime_parse("2026-11-23T12:34:56Zjunk", &t) == -1);
	CHECK(utctime_parse("2026-11-23T12:34:56.Z", &t) == -1);
	CHECK(utctime_parse("2026-11-23T12:34:56+0100", &t) == -1);
}

void
test_utctime_formats_utc(void)
{
	char buf[UTCTIME_LEN];

	CHECK(utctime_format(0, buf) == 0 && strcmp(buf, "1970-01-01T00:00:00Z") == 0);
	CHECK(utctime_format(1795437296, buf) == 0 && strcmp(buf, "2026-11-23T12:34:56Z") == 0);
	CHECK(utctime_format(-1, buf) == 0 && strcmp(buf, "1969-12-31T23:59:59Z") == 0);
	CHECK(utctime_format(951782400, buf) == 0 && strcmp(buf, "2000-02-29T00:00:00Z") == 0);
	CHECK(utctime_format(253402300799LL, buf) == 0 && strcmp(buf, "9999-12-31T23:59:59Z") == 0);
	CHECK(utctime_format(253402300800LL, buf) == -1);
	/* Every day of 1900..2100 round-trips through the parser. */
	for (time_t t = -2208988800LL; t < 4102444800LL; t += 86400 + 3661) {
		time_t back;

		CHECK(utctime_format(t, buf) == 0 && utctime_parse(buf, &back) == 0 && back == t);
	}
	CHECK(utctime_days(2000, 3, 1) == 11017);
}

void
test_utctime_now_obeys_afmts_now(void)
{
	setenv("AFMTS_NOW", "2026-11-23T00:00:00Z", 1);
	CHECK(utctime_now() == 1795392000);
	setenv("AFMTS_NOW", "12345", 1);
	CHECK(utctime_now() == 12345);
	setenv("AFMTS_NOW", "yesterday", 1);
	CHECK(utctime_now() == (time_t)-1);
	unsetenv("AFMTS_NOW");
	CHECK(utctime_now() > 1700000000);
}

/* The day holding s under reset, as two times; CHECKed against want_start and want_end. */
static int
day_is(const char *s, const char *reset, const char *want_start, const char *want_end)
{
	time_t now, start, end, a, b;
	int kind, offset;

	if (utctime_parse(s, &now) == -1 || utctime_parse(want_start, &a) == -1 ||
	    utctime_parse(want_end, &b) == -1 ||
	    utctime_reset_parse(reset, strlen(reset), &kind, &offset) == -1)
		return 0;
	utctime_day_window(now, kind, offset, &start, &end);
	return start == a && end == b;
}

void
test_utctime_day_windows_reset_where_documented(void)
{
	int kind, offset;
	time_t start, end, now = 1795437296;	/* 2026-11-23T12:34:56Z */
	char name[20];

	CHECK(day_is("2026-11-23T12:34:56Z", "utc", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"));
	CHECK(day_is("2026-11-23T00:00:00Z", "utc", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"));
	CHECK(day_is("2026-11-23T23:59:59Z", "utc", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"));
	/* Pacific: -08:00 in winter, -07:00 in summer; 23 and 25 hour days when clocks change. */
	CHECK(day_is("2026-11-23T07:59:59Z", "America/Los_Angeles", "2026-11-22T08:00:00Z",
	    "2026-11-23T08:00:00Z"));
	CHECK(day_is("2026-07-10T07:00:00Z", "America/Los_Angeles", "2026-07-10T07:00:00Z",
	    "2026-07-11T07:00:00Z"));
	CHECK(day_is("2026-03-08T12:00:00Z", "America/Los_Angeles", "2026-03-08T08:00:00Z",
	    "2026-03-09T07:00:00Z"));
	CHECK(day_is("2026-11-01T12:00:00Z", "America/Los_Angeles", "2026-11-01T07:00:00Z",
	    "2026-11-02T08:00:00Z"));
	CHECK(day_is("2026-11-23T18:29:59Z", "+05:30", "2026-11-22T18:30:00Z", "2026-11-23T18:30:00Z"));
	CHECK(day_is("2026-11-23T02:00:00Z", "-08:00", "2026-11-22T08:00:00Z", "2026-11-23T08:00:00Z"));
	CHECK(utctime_reset_parse("rolling", 7, &kind, &offset) == 0 && kind == UTCTIME_RESET_ROLLING);
	utctime_day_window(now, kind, offset, &start, &end);
	CHECK(start == now - 86399 && end == now + 1);
	utctime_month_window(now, &start, &end);
	CHECK(start == 1793491200 && end == 1796083200);	/* 2026-11-01, 2026-12-01 */
	utctime_month_window(1796083200 + 30 * 86400, &start, &end);	/* December: to next January */
	CHECK(start == 1796083200 && end == 1796083200 + 31 * 86400);
	CHECK(utctime_reset_parse("-09:30", 6, &kind, &offset) == 0 && offset == -34200);
	utctime_reset_name(kind, offset, name);
	CHECK(strcmp(name, "-09:30") == 0);
	CHECK(utctime_reset_parse("+15:00", 6, &kind, &offset) == -1);
	CHECK(utctime_reset_parse("+05:60", 6, &kind, &offset) == -1);
	CHECK(utctime_reset_parse("05:30", 5, &kind, &offset) == -1);
	CHECK(utctime_reset_parse("UTC", 3, &kind, &offset) == -1);
	CHECK(utctime_reset_parse("utc", 2, &kind, &offset) == -1);
}
