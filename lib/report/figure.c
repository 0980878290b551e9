/*
 * figure: numbers for people: grouped thousands, money, durations, percentages.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "figure.h"

/* Past this a double has no sensible decimals left to show; printf's %g is kept. */
#define FIGURE_HUGE 1e15

/* Is plain (digits, maybe a dot) zero, such as "0" or "0.00"? */
static int
is_zero(const char *plain)
{
	return strspn(plain, "0.") == strlen(plain);
}

/* Drop the trailing zeros of plain's decimals, keeping at least keep of them. */
static void
trim(char *plain, int keep)
{
	char *dot = strchr(plain, '.'), *end;

	if (dot == NULL)
		return;
	end = plain + strlen(plain) - 1;
	while (end > dot + keep && *end == '0')
		*end-- = '\0';
	if (end == dot)
		*end = '\0';
}

/*
 * buf = sign prefix plain suffix, with a comma between each group of three
 * digits of plain's integer part (plain is unsigned: "1234567.5").
 */
static void
compose(char buf[FIGURE_LEN], const char *sign, const char *prefix, const char *plain,
    const char *suffix)
{
	size_t digits = strcspn(plain, "."), n = 0;
	char grouped[FIGURE_LEN];

	for (size_t i = 0; plain[i] != '\0' && n < sizeof grouped - 2; i++) {
		if (i > 0 && i < digits && (digits - i) % 3 == 0)
			grouped[n++] = ',';
		grouped[n++] = plain[i];
	}
	grouped[n] = '\0';
	snprintf(buf, FIGURE_LEN, "%s%s%s%s", sign, prefix, grouped, suffix);
}

/* v to decimals decimals, trimmed to at least keep of them, with prefix and suffix. */
static void
real(double v, int decimals, int keep, const char *prefix, const char *suffix,
    char buf[FIGURE_LEN])
{
	char plain[FIGURE_LEN];

	if (!isfinite(v)) {
		buf[0] = '\0';
		return;
	}
	if (fabs(v) >= FIGURE_HUGE) {
		snprintf(buf, FIGURE_LEN, "%s%g%s", prefix, v, suffix);
		return;
	}
	snprintf(plain, sizeof plain, "%.*f", decimals, fabs(v));
	trim(plain, keep);
	compose(buf, v < 0 && !is_zero(plain) ? "-" : "", prefix, plain, suffix);
}

void
figure_count(long long n, char buf[FIGURE_LEN])
{
	char plain[FIGURE_LEN];
	/* The magnitude in unsigned arithmetic: -LLONG_MIN does not fit. */
	unsigned long long m = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;

	snprintf(plain, sizeof plain, "%llu", m);
	compose(buf, n < 0 ? "-" : "", "", plain, "");
}

void
figure_change(long long n, char buf[FIGURE_LEN])
{
	char plain[FIGURE_LEN];
	unsigned long long m = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;

	snprintf(plain, sizeof plain, "%llu", m);
	compose(buf, n < 0 ? "-" : n > 0 ? "+" : "", "", plain, "");
}

void
figure_number(double v, int decimals, char buf[FIGURE_LEN])
{
	real(v, decimals, 0, "", "", buf);
}

void
figure_usd(double v, char buf[FIGURE_LEN])
{
	double a = fabs(v);
	int decimals = 2;

	if (a == 0) {
		snprintf(buf, FIGURE_LEN, "$0");
		return;
	}
	/* Below a dollar, three significant digits: 0.0555 needs four decimals. */
	if (a < 1 && isfinite(a)) {
		decimals = 2 - (int)floor(log10(a));
		decimals = decimals < 2 ? 2 : decimals > 6 ? 6 : decimals;
	}
	real(v, decimals, 2, "$", "", buf);
}

void
figure_ms(double ms, char buf[FIGURE_LEN])
{
	double s = fabs(ms) / 1000;
	int decimals = s < 9.995 ? 2 : s < 99.95 ? 1 : 0;

	if (fabs(ms) < 999.5)
		real(ms, 0, 0, "", " ms", buf);
	else
		real(ms / 1000, decimals, decimals, "", " s", buf);
}

void
figure_percent(double ratio, char buf[FIGURE_LEN])
{
	real(ratio * 100, 2, 0, "", "%", buf);
}
