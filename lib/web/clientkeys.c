/*
 * clientkeys: hashed client keys and their daily budgets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clientkeys.h"
#include "err.h"

int
clientkeys_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < CLIENTKEYS_NAME &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static int
hex_ok(const char *s)
{
	return strlen(s) == SHA256_HEX_LEN - 1 && strspn(s, "0123456789abcdef") == SHA256_HEX_LEN - 1;
}

/* Parse "NAME HEX [RPD]" into k.  0 or -1. */
static int
parse_line(char *line, struct clientkey *k)
{
	char *name = strtok(line, " \t"), *hex = strtok(NULL, " \t"), *rpd = strtok(NULL, " \t");
	char *end;

	if (name == NULL || hex == NULL || strtok(NULL, " \t") != NULL ||
	    !clientkeys_name_ok(name) || !hex_ok(hex))
		return -1;
	snprintf(k->name, sizeof k->name, "%s", name);
	memcpy(k->digest, hex, SHA256_HEX_LEN);
	k->rpd = -1;
	if (rpd != NULL) {
		errno = 0;
		k->rpd = strtol(rpd, &end, 10);
		if (*end != '\0' || errno != 0 || k->rpd < 0)
			return -1;
	}
	return 0;
}

int
clientkeys_load(struct clientkeys *ck, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	struct stat st;

	memset(ck, 0, sizeof *ck);
	if (fp == NULL || fstat(fileno(fp), &st) == -1) {
		err_warn("%s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	ck->mtime = st.st_mtime;
	if ((ck->k = calloc(CLIENTKEYS_MAX, sizeof *ck->k)) == NULL) {
		fclose(fp);
		err_warn("out of memory");
		return -1;
	}
	/* Whole lines, however long: the tail of a long comment is no key line. */
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		if (ck->n == CLIENTKEYS_MAX || strlen(line) > CLIENTKEYS_LINE ||
		    parse_line(line, &ck->k[ck->n]) == -1) {
			err_warn("%s:%ld: not \"NAME SHA256-HEX [REQUESTS-A-DAY]\" (or over %d clients)",
			    path, lineno, CLIENTKEYS_MAX);
			free(line);
			fclose(fp);
			clientkeys_free(ck);
			return -1;
		}
		ck->n++;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* Compare two digests in time that does not depend on where they differ. */
static int
same_digest(const char *a, const char *b)
{
	unsigned diff = 0;

	for (int i = 0; i < SHA256_HEX_LEN - 1; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return diff == 0;
}

const struct clientkey *
clientkeys_find(const struct clientkeys *ck, const char *key)
{
	char digest[SHA256_HEX_LEN];
	const struct clientkey *found = NULL;

	sha256_hex(key, strlen(key), digest);
	for (int i = 0; i < ck->n; i++)
		if (same_digest(digest, ck->k[i].digest) && found == NULL)
			found = &ck->k[i];
	return found;
}

void
clientkeys_free(struct clientkeys *ck)
{
	free(ck->k);
	memset(ck, 0, sizeof *ck);
}
