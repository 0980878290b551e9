/*
 * figure: numbers written for people to read, in the HTML report: thousands
 * grouped with a comma (1,234,567), money with a dollar sign and as many
 * decimals as a small amount needs, durations in ms or s, ratios as
 * percentages.  CSV, JSON and Markdown keep the plain numbers of table.h.
 *
 * Every function writes a NUL-terminated string of at most FIGURE_LEN bytes
 * and never fails: a value that is not finite is written as "".
 */
#ifndef AFMTS_FIGURE_H
#define AFMTS_FIGURE_H

#define FIGURE_LEN 64

/* A count: 1234567 is "1,234,567". */
void figure_count(long long n, char buf[FIGURE_LEN]);

/* A change, signed: "+1,234", "-12", "0". */
void figure_change(long long n, char buf[FIGURE_LEN]);

/* A number with at most decimals decimals (trailing zeros dropped), grouped:
 * 1234.50 with 2 is "1,234.5". */
void figure_number(double v, int decimals, char buf[FIGURE_LEN]);

/* US dollars: cents from $1 up ("$1,234.50"), three significant digits
 * below, at least two decimals and at most six ("$0.0555", "$0.10"); 0 is
 * "$0", a negative amount "-$0.50". */
void figure_usd(double v, char buf[FIGURE_LEN]);

/* Milliseconds: "850 ms" under a second, else seconds to three significant
 * digits ("1.25 s", "12.5 s", "1,234 s"). */
void figure_ms(double ms, char buf[FIGURE_LEN]);

/* A ratio as a percentage, at most two decimals: 0.1111 is "11.11%". */
void figure_percent(double ratio, char buf[FIGURE_LEN]);

#endif
