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
