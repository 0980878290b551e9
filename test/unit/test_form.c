/* Unit tests of lib/web/form.c. */
#include <stdio.h>
#include <string.h>

#include "form.h"
#include "unit.h"

struct seen {
	char	 text[256];
};

/* Writes "name=value;" per pair. */
static const char *
collect(const char *name, const char *value, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%s=%s;", name, value);
	return NULL;
}

void
test_form_pairs_without_equals_have_an_empty_value(void)
{
	char bad[80], q1[] = "all", q2[] = "a=1&flag&b=%41+c&&", q3[] = "x=%zz", q4[] = "n%00";
	struct seen s = { "" };

	CHECK(form_parse(q1, collect, &s, bad, sizeof bad) == NULL);
	CHECK(strcmp(s.text, "all=;") == 0);
	s.text[0] = '\0';
	CHECK(form_parse(q2, collect, &s, bad, sizeof bad) == NULL);
	CHECK(strcmp(s.text, "a=1;flag=;b=A c;") == 0);
	CHECK(form_parse(q3, collect, &s, bad, sizeof bad) != NULL);
	CHECK(strcmp(bad, "x") == 0);
	CHECK(form_parse(q4, collect, &s, bad, sizeof bad) != NULL);
}
