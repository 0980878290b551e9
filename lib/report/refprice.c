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
#define MAX_TIERS 8	/* as a model record's price_tiers */
#define TIERS_TEXT 1024
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

/*
 * A tiers field, "MIN:INPUT:OUTPUT" items separated by commas, thresholds
 * whole, from 1 and ascending, as the JSON text of a model record's
 * price_tiers in json (TIERS_TEXT bytes).  0 or -1.
 */
static int
tiers(char *s, char *json)
{
	size_t len = 1;
	double last = 0, v[3];
	int n = 0;

	strcpy(json, "[");
	for (char *save, *item = strtok_r(s, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		char *f[3] = { item, strchr(item, ':'), NULL };

		if (f[1] == NULL || (f[2] = strchr(f[1] + 1, ':')) == NULL || strchr(f[2] + 1, ':'))
			return -1;
		*f[1]++ = *f[2]++ = '\0';
		for (int k = 0; k < 3; k++)
			if (price(f[k], &v[k]) == -1)
				return -1;
		if (++n > MAX_TIERS || v[0] != floor(v[0]) || v[0] < 1 || v[0] > 1e8 || v[0] <= last)
			return -1;
		last = v[0];
		len += (size_t)snprintf(json + len, TIERS_TEXT - len, "%s{\"min_prompt_tokens\":%.0f,"
		    "\"input_price\":%.17g,\"output_price\":%.17g}", n > 1 ? "," : "", v[0], v[1], v[2]);
		if (len >= TIERS_TEXT - 2)
			return -1;
	}
	if (n == 0)
		return -1;
	strcpy(json + len, "]");
	return 0;
}

/* Split a "key TAB input TAB output [TAB tiers]" line; 0 or -1.  *json "" without tiers. */
static int
split(char *line, char **key, double *in, double *out, char *json)
{
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	char *t3 = t2 ? strchr(t2 + 1, '\t') : NULL;

	if (t2 == NULL || (t3 != NULL && strchr(t3 + 1, '\t') != NULL))
		return -1;
	*t1 = *t2 = '\0';
	*key = line;
	json[0] = '\0';
	if (t3 != NULL) {
		*t3 = '\0';
		if (tiers(t3 + 1, json) == -1)
			return -1;
	}
	return **key == '\0' || price(t1 + 1, in) == -1 || price(t2 + 1, out) == -1 ? -1 : 0;
}

long
refprice_load(sqlite3_stmt *add, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[MAX_LINE], *key, json[TIERS_TEXT];
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
		if (split(line, &key, &in, &out, json) == -1) {
			err_warn("%s:%ld: not \"key TAB input price TAB output price "
			    "[TAB min:input:output,...]\"", path, lineno);
			fclose(fp);
			return -1;
		}
		sqlite3_bind_text(add, sqlite3_bind_parameter_index(add, ":source"), key, -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_double(add, sqlite3_bind_parameter_index(add, ":input"), in);
		sqlite3_bind_double(add, sqlite3_bind_parameter_index(add, ":output"), out);
		if (json[0] != '\0')
			sqlite3_bind_text(add, sqlite3_bind_parameter_index(add, ":tiers"), json, -1,
			    SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(add, sqlite3_bind_parameter_index(add, ":tiers"));
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
