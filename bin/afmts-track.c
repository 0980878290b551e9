/*
 * afmts-track: the one program that writes the catalog.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "err.h"
#include "jsonl.h"
#include "paths.h"
#include "prefetch.h"
#include "track.h"

static const char synopsis[] =
    "[--db PATH] [--busy-timeout MS] [-v] [FILE ...]\n"
    "       afmts-track [--db PATH] --export\n"
    "       afmts-track [--db PATH] --history MODEL [--provider NAME]";

static const char options[] =
    "Apply model, provider and usage records (JSON lines, from the FILEs or stdin)\n"
    "to the catalog in one transaction, printing a change record per change.\n"
    "\n"
    "  --db PATH           the catalog (default $AFMTS_DB, else the XDG state dir)\n"
    "  --busy-timeout MS   how long to wait for another writer (default 30000)\n"
    "  --export            print the catalog's present models as model records\n"
    "  --history MODEL     print the changes of MODEL, oldest first\n"
    "  --provider NAME     with --history: only this provider's MODEL\n"
    "  -v                  a summary of the run on stderr\n"
    "  -h, --help          this help\n"
    "      --version       print the version\n"
    "\n"
    "Exit status: 0 all applied, 1 some records refused, 2 usage, 3 catalog busy,\n"
    "4 catalog error (nothing written).\n";

/* Largest input line: a model record is small; usage records are smaller. */
#define TRACK_MAX_LINE ((size_t)1 << 20)

/* Apply every record of one input; returns -1 on a catalog error. */
static int
apply_input(struct tracker *t, FILE *fp, const char *name)
{
	struct jsonl_reader *r = jsonl_open(fp, name, TRACK_MAX_LINE);
	struct prefetch *pf = r ? prefetch_start(r, track_hooks(t)) : NULL;
	struct prefetch_item it;
	char where[300];
	int rc = 0, got = 0;

	if (pf == NULL) {
		err_warn("out of memory");
		jsonl_close(r);
		return -1;
	}
	for (;;) {
		/* Changes so far go out before we wait for more input. */
		if (prefetch_would_wait(pf) && fflush(stdout) == EOF) {
			err_warn("stdout: write error");
			rc = -1;
			break;
		}
		if ((got = prefetch_next(pf, &it)) == 0 || got == -2)
			break;
		if (got == -1) {
			track_bad_line(t);
			continue;
		}
		snprintf(where, sizeof where, "%s:%lu", jsonl_name(r), it.line);
		if ((rc = track_item(t, &it, where)) == -1)
			break;
	}
	if (got == -2)
		track_bad_line(t);
	prefetch_stop(pf);
	jsonl_close(r);
	return rc;
}

/* --export: the present models, as the model records they were read as. */
static int
export(sqlite3 *db)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT record, last_seen FROM models "
	    "WHERE present = 1 ORDER BY provider, model");
	int rc;

	if (st == NULL)
		return CATALOG_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jv m = jv_parse((const char *)sqlite3_column_text(st, 0));

		m = jv_object_set(m, jv_string("observed_at"),
		    jv_string((const char *)sqlite3_column_text(st, 1)));
		if (jsonl_put(stdout, m) == -1)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return catalog_fail(db, rc, "export");
	return fflush(stdout) == 0 ? CLI_OK : CLI_PARTIAL;
}

/* --history: every change of a model, oldest first: its recorded states. */
static int
history(sqlite3 *db, const char *model, const char *provider)
{
	sqlite3_stmt *st = catalog_prepare(db, "SELECT at, event, provider, before, after "
	    "FROM changes WHERE model = ?1 AND (?2 IS NULL OR provider = ?2) "
	    "ORDER BY provider, at, id");
	int rc, n = 0;

	if (st == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
	if (provider != NULL)
		sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jv c = jv_object_set(jv_object(), jv_string("type"), jv_string("change"));

		c = jv_object_set(c, jv_string("event"),
		    jv_string((const char *)sqlite3_column_text(st, 1)));
		c = jv_object_set(c, jv_string("provider"),
		    jv_string((const char *)sqlite3_column_text(st, 2)));
		c = jv_object_set(c, jv_string("model"), jv_string(model));
		for (int col = 3; col <= 4; col++)
			c = jv_object_set(c, jv_string(col == 3 ? "before" : "after"),
			    sqlite3_column_type(st, col) == SQLITE_NULL ? jv_null() :
			    jv_parse((const char *)sqlite3_column_text(st, col)));
		c = jv_object_set(c, jv_string("at"), jv_string((const char *)sqlite3_column_text(st, 0)));
		if (jsonl_put(stdout, c) == -1)
			break;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return catalog_fail(db, rc, "history");
	if (fflush(stdout) != 0)
		return CLI_PARTIAL;
	if (n == 0) {
		err_warn("no history for model '%s'", model);
		return CLI_PARTIAL;
	}
	return CLI_OK;
}

/* The exit status of a result that is CLI_OK, CLI_PARTIAL or a CATALOG_* code. */
static int
exit_of(int rc)
{
	return rc == CLI_OK || rc == CLI_PARTIAL ? rc : catalog_exit(rc);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "db", required_argument, NULL, 'd' },
		{ "busy-timeout", required_argument, NULL, 'b' },
		{ "export", no_argument, NULL, 'e' },
		{ "history", required_argument, NULL, 'H' },
		{ "provider", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *hist = NULL, *provider = NULL;
	long busy = 30000;
	int c, do_export = 0, verbose = 0, rc = CLI_OK, code;
	struct tracker *t;
	sqlite3 *db;
	char *path;

	setlocale(LC_CTYPE, "C.UTF-8");
	/* Only this thread uses SQLite (the reader thread never does), and its
	 * memory statistics would take a global lock on every allocation. */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	cli_start("afmts-track", synopsis, options);
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dbopt = optarg;
			break;
		case 'b':
			if (cli_number("--busy-timeout", optarg, 0, 3600000, &busy) == -1)
				cli_usage();
			break;
		case 'e':
			do_export = 1;
			break;
		case 'H':
			hist = optarg;
			break;
		case 'p':
			provider = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			cli_common(c);
			cli_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (do_export + (hist != NULL) > 1 || ((do_export || hist) && argc > 0))
		cli_usage_error("--export and --history take no input, and not together");
	if (provider != NULL && hist == NULL)
		cli_usage_error("--provider goes with --history");
	if ((path = paths_catalog(dbopt)) == NULL)
		return CLI_USAGE;
	code = catalog_open(path, (int)busy, &db);
	free(path);
	if (code != CATALOG_OK)
		return catalog_exit(code);
	if (do_export || hist != NULL) {
		rc = do_export ? export(db) : history(db, hist, provider);
		catalog_close(db);
		return exit_of(rc);
	}
	if ((t = track_begin(db, stdout, &code)) == NULL) {
		catalog_close(db);
		return catalog_exit(code);
	}
	if (argc == 0) {
		code = apply_input(t, stdin, "-");
	} else {
		code = 0;
		for (int i = 0; i < argc && code == 0; i++) {
			FILE *fp = fopen(argv[i], "r");

			if (fp == NULL) {
				err_warn("%s: cannot open", argv[i]);
				track_bad_line(t);
				continue;
			}
			code = apply_input(t, fp, argv[i]);
			fclose(fp);
		}
	}
	if (code == -1) {
		track_abort(t);
		rc = CATALOG_ERROR;
	} else {
		rc = track_end(t, verbose);
	}
	catalog_close(db);
	return exit_of(rc);
}
