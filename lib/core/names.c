/*
 * names: the shared rules for names and text, in plain C.
 */
#include <string.h>

#include "names.h"

/* 1 if c is a lowercase ASCII letter or a digit. */
static int
lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
names_provider_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAMES_PROVIDER_MAX || !lower_alnum(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

int
names_clean_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}
