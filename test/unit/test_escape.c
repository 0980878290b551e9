/* Unit tests of lib/report/escape.c, lib/report/table.c (numbers), lib/report/period.c, lib/report/chart.c, lib/core/sha256.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "escape.h"
#include "period.h"
#include "sha256.h"
#include "table.h"
#include "unit.h"

/* What an escaper writes for s. */
static char *
escaped(void (*fn)(FILE *, const char *), const char *s)
{
	static char buf[1024];
	FILE *f;

	memset(buf, 0, sizeof buf);
	f = fmemopen(buf, sizeof buf - 1, "w");

	fn(f, s);
	fclose(f);
	return buf;
}

void
test_escape_csv_html_and_md(void)
{
	CHECK(strcmp(escaped(escape_csv, "plain"), "plain") == 0);
	CHECK(strcmp(escaped(escape_csv, ""), "") == 0);
	CHECK(strcmp(escaped(escape_csv, "a,b \"c\"\r\nd"), "\"a,b \"\"c\"\"\r\nd\"") == 0);
	CHECK(strcmp(escaped(escape_csv, "x\"y"), "\"x\"\"y\"") == 0);
	CHECK(strcmp(escaped(escape_csv, "bad\xff"), "bad\xef\xbf\xbd") == 0);
	/* Formulas stay text; numbers stay numbers. */
	CHECK(strcmp(escaped(escape_csv, "=HYPERLINK(\"http://x\",\"y\")"),
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"") == 0);
	CHECK(strcmp(escaped(escape_csv, "=1+2"), "'=1+2") == 0);
	CHECK(strcmp(escaped(escape_csv, "+cmd"), "'+cmd") == 0);
	CHECK(strcmp(escaped(escape_csv, "-2+3"), "'-2+3") == 0);
	CHECK(strcmp(escaped(escape_csv, "@SUM(A1)"), "'@SUM(A1)") == 0);
	CHECK(strcmp(escaped(escape_csv, "\tx"), "'\tx") == 0);
	CHECK(strcmp(escaped(escape_csv, "\rx"), "\"'\rx\"") == 0);
	CHECK(strcmp(escaped(escape_csv, "-0.5"), "-0.5") == 0);
	CHECK(strcmp(escaped(escape_csv, "-12"), "-12") == 0);
	CHECK(strcmp(escaped(escape_csv, "+3e2"), "+3e2") == 0);
	CHECK(strcmp(escaped(escape_csv, "a=b"), "a=b") == 0);
	CHECK(strcmp(escaped(escape_html, "<script>alert(1)</script>\"',&"),
	    "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;,&amp;") == 0);
	CHECK(strcmp(escaped(escape_html, "caf\xc3\xa9\x01\xc0\xaf"),
	    "caf\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") == 0);
	CHECK(strcmp(escaped(escape_md, "a|b*c_<d>\n[e]"), "a\\|b\\*c\\_&lt;d&gt; \\[e\\]") == 0);
}

void
test_table_reals_are_plain(void)
{
	char buf[64];

	table_real(0.1, buf);
	CHECK(strcmp(buf, "0.1") == 0);
	table_real(1234567.0, buf);
	CHECK(strcmp(buf, "1234567") == 0);
	table_real(0.0000351, buf);
	CHECK(strcmp(buf, "0.000035") == 0);
	table_real(-0.0000001, buf);
	CHECK(strcmp(buf, "0") == 0);
	table_real(1e300 * 1e300, buf);
	CHECK(strcmp(buf, "") == 0);
}

void
test_period_days_ranges_and_zones(void)
{
	struct period p;
	time_t now = 1795435200;	/* 2026-11-23T12:00:00Z */

	CHECK(period_make(&p, NULL, NULL, NULL, NULL, now) == 0);
	CHECK(strcmp(p.from, "2026-11-22T00:00:00Z") == 0 && strcmp(p.to, "2026-11-23T00:00:00Z") == 0);
	CHECK(strcmp(p.trend_to, "2026-11-22") == 0 && p.aligned);
	CHECK(period_make(&p, NULL, "2024-02-28", "2024-03-01", NULL, now) == 0);
	CHECK(strcmp(p.to, "2024-03-02T00:00:00Z") == 0);
	CHECK(period_make(&p, "2026-07-01", NULL, NULL, "Europe/Paris", now) == 0);
	CHECK(strcmp(p.from, "2026-06-30T22:00:00Z") == 0 && strcmp(p.to, "2026-07-01T22:00:00Z") == 0);
	CHECK(strcmp(p.trend_to, "2026-07-01") == 0 && !p.aligned);
	/* A day of 23 hours: Europe/Paris springs forward on 2026-03-29. */
	CHECK(period_make(&p, "2026-03-29", NULL, NULL, "Europe/Paris", now) == 0);
	CHECK(strcmp(p.from, "2026-03-28T23:00:00Z") == 0 && strcmp(p.to, "2026-03-29T22:00:00Z") == 0);
	unsetenv("TZ");
	CHECK(period_make(&p, "2026-02-29", NULL, NULL, NULL, now) == -1);
	CHECK(period_make(&p, "2026-1-01", NULL, NULL, NULL, now) == -1);
	CHECK(period_make(&p, NULL, "2026-01-02", "2026-01-01", NULL, now) == -1);
	CHECK(period_make(&p, "2026-01-01", NULL, NULL, "../../etc/passwd", now) == -1);
}

void
test_chart_folds_series_and_escapes_names(void)
{
	static struct chart c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char name[32];

	chart_init(&c);
	for (int s = 0; s < CHART_SERIES + 5; s++) {
		snprintf(name, sizeof name, "s%d", s);
		CHECK(chart_add(&c, "2026-11-01", s == 0 ? "<b>&" : name, s) == 0);
	}
	CHECK(c.nseries == CHART_SERIES);
	CHECK(strcmp(c.name[CHART_SERIES - 1], "other") == 0);
	for (int d = 2; d <= CHART_DAYS; d++) {
		snprintf(name, sizeof name, "2026-11-%02d", d);
		CHECK(chart_add(&c, name, "s1", 1) == 0);
	}
	CHECK(chart_add(&c, "2026-12-31", "s1", 1) == -1);
	chart_svg(f, &c, CHART_LINES, "t<", "");
	fclose(f);
	CHECK(strstr(buf, "<b>") == NULL && strstr(buf, "t<") == NULL);
	CHECK(strstr(buf, "aria-label=\"t&lt;\"") != NULL);
	free(buf);
}

void
test_sha256_matches_the_standard_vectors(void)
{
	char hex[SHA256_HEX_LEN], *million = malloc(1000000);

	sha256_hex("", 0, hex);
	CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
	sha256_hex("abc", 3, hex);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
	CHECK(million != NULL);
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
	free(million);
}
