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
#include "export.h"
#include "paths.h"
#include "track.h"
#include "trackinput.h"

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

/* The exit status of a result that is CLI_OK, CLI_PARTIAL or a CATALOG_* code. */
static int
exit_of(int rc)
{
	return rc == CLI_OK || rc == CLI_PARTIAL ? rc : catalog_exit(rc);
}

/* One run over the FILEs (stdin without any).  CLI_OK, CLI_PARTIAL or a CATALOG_* code. */
static int
run(sqlite3 *db, int argc, char **argv, int verbose)
{
	struct tracker *t;
	int code = 0;

	if ((t = track_begin(db, stdout, &code)) == NULL)
		return code;
	if (argc == 0)
		code = track_input(t, stdin, "-", TRACK_MAX_LINE);
	for (int i = 0; i < argc && code == 0; i++) {
		FILE *fp = fopen(argv[i], "r");

		if (fp == NULL) {
			err_warn("%s: cannot open", argv[i]);
			track_bad_line(t);
			continue;
		}
		code = track_input(t, fp, argv[i], TRACK_MAX_LINE);
		fclose(fp);
	}
	if (code == -1) {
		track_abort(t);
		return CATALOG_ERROR;
	}
	return track_end(t, verbose);
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
	int c, do_export = 0, verbose = 0, rc, code;
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
		rc = do_export ? export_models(db, stdout) : export_history(db, hist, provider, stdout);
		catalog_close(db);
		return exit_of(rc);
	}
	rc = run(db, argc, argv, verbose);
	catalog_close(db);
	return exit_of(rc);
}
