/*
 * jsonw: JSON strings and numbers on a stream.
 */
#include <math.h>
#include <stdio.h>

#include "jsonw.h"
#include "utf8.h"

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
