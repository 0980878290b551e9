/*
 * Fuzz harness: untrusted text into HTML, CSV and Markdown (escape.c).
 *
 * Input: the text (up to its first NUL byte).  Checked, for each sink: the
 * output is valid UTF-8; HTML has no markup character but as a reference,
 * and no control character but LF and tab; Markdown the same plus no line
 * break and every table pipe escaped; a CSV field is one RFC 4180 field
 * (quoted when it must be, its quotes doubled) that a spreadsheet reads as
 * text, never as a formula.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "utf8.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int k = utf8_len((const unsigned char *)s + i);

		FUZZ_CHECK(k > 0 && (size_t)k <= n - i);
		i += (size_t)k;
	}
}

/* s (n bytes) is HTML text: & only as one of our references. */
static void
check_html(const char *s, size_t n, int md)
{
	check_utf8(s, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
		FUZZ_CHECK(c >= 0x20 || c == '\n' || c == '\t');
		if (c == '&')
			FUZZ_CHECK(strncmp(s + i, "&amp;", 5) == 0 || strncmp(s + i, "&lt;", 4) == 0 ||
			    strncmp(s + i, "&gt;", 4) == 0 || strncmp(s + i, "&quot;", 6) == 0 ||
			    strncmp(s + i, "&#39;", 5) == 0);
		if (md) {
			FUZZ_CHECK(c != '\n' && c != '\t');
			/* A pipe, or any character we escape, comes after a backslash. */
			if (c == '|')
				FUZZ_CHECK(i > 0 && s[i - 1] == '\\');
			if (c == '\\') {
				FUZZ_CHECK(i + 1 < n && strchr("\\|`*_[]#~", s[i + 1]) != NULL);
				i++;
			}
		}
	}
}

/* s (n bytes) is one CSV field: quoted when it holds , " CR LF; no formula. */
static void
check_csv(const char *in, const char *s, size_t n)
{
	size_t i = 0, end = n;

	check_utf8(s, n);
	if (n > 0 && s[0] == '"') {
		FUZZ_CHECK(n >= 2 && s[n - 1] == '"');
		i = 1;
		end = n - 1;
	} else {
		FUZZ_CHECK(strpbrk(in, ",\"\r\n") == NULL);
	}
	for (size_t k = i; k < end; k++) {
		if (s[k] == '"') {
			FUZZ_CHECK(k + 1 < end && s[k + 1] == '"');
			k++;
		} else if (i == 0) {
			FUZZ_CHECK(s[k] != ',' && s[k] != '\r' && s[k] != '\n');
		}
	}
	/* What a spreadsheet sees first: a formula character only in a plain number. */
	if (i < end && strchr("=+-@\t\r", s[i]) != NULL) {
		char *num = strndup(s + i, end - i), *e;

		FUZZ_CHECK(num != NULL);
		FUZZ_CHECK(strspn(num, "0123456789.eE+-") == strlen(num));
		(void)strtod(num, &e);
		FUZZ_CHECK(*e == '\0');
		free(num);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out = NULL;
	size_t n = 0;
	FILE *f;

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';

	FUZZ_CHECK((f = open_memstream(&out, &n)) != NULL);
	escape_html(f, in);
	fclose(f);
	check_html(out, n, 0);
	free(out);

	FUZZ_CHECK((f = open_memstream(&out, &n)) != NULL);
	escape_md(f, in);
	fclose(f);
	check_html(out, n, 1);
	free(out);

	FUZZ_CHECK((f = open_memstream(&out, &n)) != NULL);
	escape_csv(f, in);
	fclose(f);
	check_csv(in, out, n);
	free(out);

	free(in);
	return 0;
}
