/*
 * escape: untrusted text (model ids, provider names, error messages) written
 * into HTML, CSV and Markdown so that it stays text.  Invalid UTF-8 bytes
 * become U+FFFD in all three.
 */
#ifndef AFMTS_ESCAPE_H
#define AFMTS_ESCAPE_H

#include <stdio.h>

/* s as HTML text or attribute value: & < > " ' as character references. */
void escape_html(FILE *f, const char *s);

/* s as one RFC 4180 field: quoted when it holds a comma, a quote, CR or LF
 * (quotes doubled); text a spreadsheet would take for a formula (starting
 * with = + - @, tab or CR, and not a number) gets a leading ' to stay text. */
void escape_csv(FILE *f, const char *s);

/* s as one Markdown table cell: | and Markdown punctuation escaped, HTML
 * special characters as references, line breaks as spaces. */
void escape_md(FILE *f, const char *s);

#endif
