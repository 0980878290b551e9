/*
 * refprice: reference prices and the base names that match them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "refprice.h"

#define MAX_LINE 1024
#define MAX_ID 512	/* longer ids have no reference */

static void
base_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *id = (const char *)sqlite3_value_text(argv[0]), *slash;
	char out[MAX_ID];
	size_t n;

	(void)argc;
	if (id == NULL || (n = strlen(id)) >= sizeof out) {
		sqlite3_result_null(ctx);
		return;
	}
	if (n >= 5 && strcmp(id + n - 5, ":free") == 0)
		n -= 5;
	for (slash = id; (slash = memchr(id, '/', n)) != NULL; ) {
		n -= (size_t)(slash + 1 - id);
		id = slash + 1;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)id[i]);
	sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
}

int
refprice_register(sqlite3 *db)
{
	if (sqlite3_create_function(db, "afmts_base", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, base_name, NULL,
	    NULL) != SQLITE_OK) {
		err_warn("afmts_base: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* A price field: a finite number, 0 or more.  0 or -1. */
static int
price(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end != '\0' || errno != 0 || !isfinite(*out) || *out < 0 ? -1 : 0;
}

/* Split a "key TAB input TAB output" line; 0 or -1. */
static int
split(char *line, char **key, double *in, double *out)
{
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

	if (t2 == NULL || strchr(t2 + 1, '\t') != NULL)
		return -1;
	*t1 = *t2 = '\0';
	*key = line;
	return **key == '\0' || price(t1 + 1, in) == -1 || price(t2 + 1, out) == -1 ? -1 : 0;
}

long
refprice_load(sqlite3_stmt *add, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[MAX_LINE], *key;
	long n = 0, lineno = 0;
	double in, out;
	int rc = SQLITE_DONE;

	if (fp == NULL) {
		err_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (split(line, &key, &in, &out) == -1) {
			err_warn("%s:%ld: not \"key TAB input price TAB output price\"", path, lineno);
			fclose(fp);
			return -1;
		}
		sqlite3_bind_text(add, sqlite3_bind_parameter_index(add, ":source"), key, -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_double(add, sqlite3_bind_parameter_index(add, ":input"), in);
		sqlite3_bind_double(add, sqlite3_bind_parameter_index(add, ":output"), out);
		rc = sqlite3_step(add);
		sqlite3_reset(add);
		if (rc != SQLITE_DONE)
			break;
		n++;
	}
	fclose(fp);
	if (rc != SQLITE_DONE) {
		err_warn("%s:%ld: %s", path, lineno, sqlite3_errmsg(sqlite3_db_handle(add)));
		return -1;
	}
	return n;
}
