/*
 * dialect: jq programs compiled once, run once per raw response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "dialect.h"
#include "err.h"
#include "paths.h"

/* Largest dialect or prelude source read. */
#define DIALECT_MAX_SOURCE (1 << 20)

struct dialect {
	char		*name;
	jq_state	*jq;
	jv		 errors;	/* messages jq reported during a run */
};

/* Collect jq's error messages instead of letting it print them. */
static void
collect_error(void *data, jv msg)
{
	struct dialect *d = data;

	if (jv_get_kind(msg) == JV_KIND_STRING && jv_array_length(jv_copy(d->errors)) < 8)
		d->errors = jv_array_append(d->errors, msg);
	else
		jv_free(msg);
}

/* Read a whole (small) file; NULL after reporting. */
static char *
slurp(const char *path, int quiet)
{
	FILE *fp;
	char *buf;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		if (!quiet)
			err_warn("%s: cannot open", path);
		return NULL;
	}
	if ((buf = malloc(DIALECT_MAX_SOURCE + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, DIALECT_MAX_SOURCE + 1, fp);
	fclose(fp);
	if (n > DIALECT_MAX_SOURCE) {
		err_warn("%s: larger than %d bytes", path, DIALECT_MAX_SOURCE);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* The dialect's source: the user's config dir first, then the data dir. */
static char *
find_source(const char *name, char **where)
{
	char file[80], *dir, *sub, *path, *src;

	snprintf(file, sizeof file, "%s.jq", name);
	if ((dir = paths_config_dir()) != NULL) {
		sub = paths_join(dir, "dialects");
		path = sub ? paths_join(sub, file) : NULL;
		free(sub);
		free(dir);
		if (path != NULL && (src = slurp(path, 1)) != NULL) {
			*where = path;
			return src;
		}
		free(path);
	}
	if ((dir = paths_data_dir()) == NULL)
		return NULL;
	sub = paths_join(dir, "parsers/dialects");
	path = sub ? paths_join(sub, file) : NULL;
	free(sub);
	free(dir);
	if (path == NULL)
		return NULL;
	if ((src = slurp(path, 0)) == NULL) {
		free(path);
		return NULL;
	}
	*where = path;
	return src;
}

static char *
load_prelude(void)
{
	char *dir, *path, *src;

	if ((dir = paths_data_dir()) == NULL)
		return NULL;
	path = paths_join(dir, "parsers/prelude.jq");
	free(dir);
	if (path == NULL)
		return NULL;
	src = slurp(path, 0);
	free(path);
	return src;
}

/*
 * Compile text.  libjq 1.6 also compiles $HOME/.jq into every program, which
 * would let a user's jq library change how providers are read: HOME points
 * nowhere while we compile.
 */
static int
compile(struct dialect *d, const char *text)
{
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	int ok;

	setenv("HOME", "/nonexistent/afmts", 1);
	ok = jq_compile_args(d->jq, text, jv_object());	/* consumes the args */
	if (home != NULL) {
		setenv("HOME", home, 1);
		free(home);
	} else {
		unsetenv("HOME");
	}
	return ok;
}

struct dialect *
dialect_load(const char *name)
{
	struct dialect *d;
	char *prelude = NULL, *src = NULL, *text = NULL, *where = NULL;
	size_t n;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->errors = jv_array();
	if ((d->name = strdup(name)) == NULL || (d->jq = jq_init()) == NULL)
		goto fail;
	/* Without these libjq reads uninitialised callbacks (valgrind) or aborts on import. */
	jq_set_error_cb(d->jq, collect_error, d);
	jq_set_debug_cb(d->jq, NULL, NULL);
	jq_set_input_cb(d->jq, NULL, NULL);
	jq_set_nomem_handler(d->jq, NULL, NULL);
	jq_set_attr(d->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
	if ((prelude = load_prelude()) == NULL || (src = find_source(name, &where)) == NULL)
		goto fail;
	n = strlen(prelude) + strlen(src) + 256;
	if ((text = malloc(n)) == NULL)
		goto fail;
	snprintf(text, n, "%s\n. as $in | (\n%s\n)\n", prelude, src);
	if (!compile(d, text)) {
		jv msg = jv_array_length(jv_copy(d->errors)) > 0 ?
		    jv_array_get(jv_copy(d->errors), 0) : jv_string("compile failed");

		err_warn("%s: dialect %s: %s", where, name, jv_string_value(msg));
		jv_free(msg);
		goto fail;
	}
	free(prelude);
	free(src);
	free(text);
	free(where);
	return d;
fail:
	free(prelude);
	free(src);
	free(text);
	free(where);
	dialect_free(d);
	return NULL;
}

const char *
dialect_name(const struct dialect *d)
{
	return d->name;
}

jv
dialect_run(struct dialect *d, jv input)
{
	jv out = jv_array(), v;

	jv_free(d->errors);
	d->errors = jv_array();
	jq_start(d->jq, input, 0);	/* consumes input */
	/* jq 1.6 asserts if jq_next is called again after it returned invalid. */
	while (jv_is_valid(v = jq_next(d->jq)))
		out = jv_array_append(out, v);
	if (jv_invalid_has_msg(jv_copy(v))) {
		jv msg = jv_invalid_get_msg(v);

		jv_free(out);
		if (jv_get_kind(msg) != JV_KIND_STRING)
			msg = jv_dump_string(msg, 0);
		return jv_invalid_with_msg(msg);
	}
	jv_free(v);
	if (jv_array_length(jv_copy(d->errors)) > 0) {
		jv_free(out);
		return jv_invalid_with_msg(jv_array_get(jv_copy(d->errors), 0));
	}
	return out;
}

void
dialect_free(struct dialect *d)
{
	if (d == NULL)
		return;
	if (d->jq != NULL)
		jq_teardown(&d->jq);
	jv_free(d->errors);
	free(d->name);
	free(d);
}
