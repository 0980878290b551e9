/*
 * family: substring matching of model ids against a list of family words.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "family.h"

#define FAMILY_MAX_WORDS 256
#define FAMILY_MAX_WORD 32

struct family {
	char	words[FAMILY_MAX_WORDS][FAMILY_MAX_WORD];
	int	n;
};

struct family *
family_load(const char *path)
{
	struct family *f;
	char line[256];
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		err_warn("%s: cannot open", path);
		return NULL;
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		fclose(fp);
		return NULL;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		size_t len = strcspn(line, " \t\r\n#");

		if (len == 0)
			continue;
		if (len >= FAMILY_MAX_WORD || f->n == FAMILY_MAX_WORDS) {
			err_warn("%s: word too long or too many words", path);
			break;
		}
		for (size_t i = 0; i < len; i++)
			f->words[f->n][i] = (char)tolower((unsigned char)line[i]);
		f->n++;
	}
	fclose(fp);
	return f;
}

const char *
family_guess(const struct family *f, const char *id)
{
	const char *base = strrchr(id, '/');
	char name[256];
	size_t i;

	base = base ? base + 1 : id;
	for (i = 0; i < sizeof name - 1 && base[i] != '\0' && base[i] != ':'; i++)
		name[i] = (char)tolower((unsigned char)base[i]);
	name[i] = '\0';
	for (int w = 0; w < f->n; w++)
		if (strstr(name, f->words[w]) != NULL)
			return f->words[w];
	return NULL;
}

void
family_free(struct family *f)
{
	free(f);
}
