/*
 * escape: text into HTML, CSV and Markdown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

/* Write the character at *s (a valid sequence, else U+FFFD) and advance. */
static void
put_utf8(FILE *f, const unsigned char **s)
{
	int n = utf8_len(*s);

	if (n == 0) {
		fputs("\xef\xbf\xbd", f);
		(*s)++;
	} else {
		fwrite(*s, 1, (size_t)n, f);
		*s += n;
	}
}

/* The character reference for c, or NULL when c is safe in HTML text. */
static const char *
html_ref(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

/*
 * Text in HTML (md: 0) or in a Markdown table cell (md: 1), which is HTML too,
 * plus line breaks as spaces and Markdown's punctuation escaped.
 */
static void
escape_markup(FILE *f, const char *str, int md)
{
	const unsigned char *s = (const unsigned char *)str;
	const char *ref;

	while (*s != '\0') {
		if ((ref = html_ref(*s)) != NULL) {
			fputs(ref, f);
			s++;
		} else if (md && (*s == '\r' || *s == '\n' || *s == '\t')) {
			putc(' ', f);
			s++;
		} else if (*s < 0x20 && *s != '\n' && *s != '\t') {
			fputs("\xef\xbf\xbd", f);	/* not allowed in HTML */
			s++;
		} else if (md && strchr("\\|`*_[]#~", *s) != NULL) {
			putc('\\', f);
			putc(*s++, f);
		} else {
			put_utf8(f, &s);
		}
	}
}

void
escape_html(FILE *f, const char *str)
{
	escape_markup(f, str, 0);
}

/*
 * Would a spreadsheet read s as a formula?  A cell that starts with = + - @,
 * a tab or a CR, unless it is a plain number ("-0.5", "+3e2"): numbers stay
 * numbers.
 */
static int
formula_like(const char *s)
{
	char *end;

	if (strchr("=+-@\t\r", *s) == NULL || *s == '\0')
		return 0;
	if (strspn(s, "0123456789.eE+-") == strlen(s)) {
		(void)strtod(s, &end);
		return *end != '\0';
	}
	return 1;
}

void
escape_csv(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int quote = strpbrk(str, ",\"\r\n") != NULL;

	if (quote)
		putc('"', f);
	/* OWASP's CSV injection advice: a leading quote makes it text. */
	if (formula_like(str))
		putc('\'', f);
	while (*s != '\0') {
		if (*s == '"') {
			fputs("\"\"", f);
			s++;
		} else {
			put_utf8(f, &s);
		}
	}
	if (quote)
		putc('"', f);
}

void
escape_md(FILE *f, const char *str)
{
	escape_markup(f, str, 1);
}
