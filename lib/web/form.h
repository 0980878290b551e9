/*
 * form: application/x-www-form-urlencoded text (CGI query strings and POST
 * bodies) into name/value pairs.
 */
#ifndef AFMTS_FORM_H
#define AFMTS_FORM_H

/* Called per pair; returns NULL, or a message that stops the parse. */
typedef const char *(*form_pair)(const char *name, const char *value, void *arg);

/*
 * Decode s in place ('+' is a space, %XX a byte; %00 and malformed escapes
 * are refused) and call fn per pair.  Empty pairs ("a=1&&b=2") are skipped;
 * a name without '=' has the value "".  Returns NULL, or what stopped it; the
 * name it concerns is copied to bad (of size n) when there is one.
 */
const char *form_parse(char *s, form_pair fn, void *arg, char *bad, size_t n);

#endif
