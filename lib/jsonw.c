/*
 * jsonw: JSON strings and numbers on a stream.
 */
#include <math.h>
#include <stdio.h>

#include "jsonw.h"

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static int
utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms and surrogates. */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

void
jsonw_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putc('"', f);
	while (*s != '\0') {
		int n;

		if (*s == '"' || *s == '\\') {
			putc('\\', f);
			putc(*s++, f);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if ((n = utf8_len(s)) == 0) {
			fputs("\\ufffd", f);
			s++;
		} else {
			fwrite(s, 1, (size_t)n, f);
			s += n;
		}
	}
	putc('"', f);
}

void
jsonw_key(FILE *f, const char *key, int first)
{
	if (!first)
		putc(',', f);
	jsonw_str(f, key);
	putc(':', f);
}

void
jsonw_num(FILE *f, double d)
{
	if (!isfinite(d))
		fputs("null", f);
	else if (d == floor(d) && fabs(d) < 1e15)
		fprintf(f, "%.0f", d);
	else
		fprintf(f, "%.15g", d);
}
