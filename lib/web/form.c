/*
 * form: percent-decoding and splitting.
 */
#include <stdio.h>
#include <string.h>

#include "form.h"

static int
hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s in place.  0, or -1 on a bad escape or an encoded NUL. */
static int
decode(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%') {
			int hi = hex((unsigned char)s[1]), lo = hi < 0 ? -1 : hex((unsigned char)s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*w++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return 0;
}

const char *
form_parse(char *s, form_pair fn, void *arg, char *bad, size_t n)
{
	char *pair, *save = NULL;
	const char *why;

	if (n > 0)
		bad[0] = '\0';
	for (pair = strtok_r(s, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '='), *value;

		/*
		 * A name without '=' has the empty value at its own end: a writable
		 * byte of s, since decode writes its terminator (a string literal
		 * here was read-only, and one "GET /route?all" killed the process).
		 */
		if (eq != NULL) {
			*eq = '\0';
			value = eq + 1;
		} else {
			value = pair + strlen(pair);
		}
		if (decode(pair) == -1 || decode(value) == -1) {
			snprintf(bad, n, "%.64s", pair);
			return "bad percent-encoding";
		}
		if ((why = fn(pair, value, arg)) != NULL) {
			snprintf(bad, n, "%.64s", pair);
			return why;
		}
	}
	return NULL;
}
