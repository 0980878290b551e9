/*
 * afmts-parse: provider responses (fetch records) in, model records out.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "htmltree.h"
#include "jsonl.h"
#include "parse.h"
#include "registry.h"

static const char synopsis[] =
    "[--providers DIR] [--only NAME,...] [--max-line BYTES] [FILE ...]\n"
    "       afmts-parse --dialect NAME [--provider NAME] [--providers DIR] < RESPONSE";

static const char options[] =
    "Read fetch records (JSON lines) from the FILEs or stdin and write model\n"
    "records and one provider status record per provider on stdout.\n"
    "\n"
    "  --providers DIR   also read descriptors from DIR (they win by name)\n"
    "  --only NAME,...   keep only these providers\n"
    "  --dialect NAME    read one raw provider response on stdin and run this dialect\n"
    "  --provider NAME   with --dialect: the descriptor to apply (free rule, limits)\n"
    "  --max-line BYTES  longest input line or response accepted (default 64 MiB)\n"
    "  -h, --help        this help\n"
    "      --version     print the version\n"
    "\n"
    "Exit status: 0 all went through, 1 some input or provider failed, 2 usage.\n";

/* Every FILE in turn: 0, 1 when some were reported, -1 on a write error. */
static int
parse_files(struct parser *p, int argc, char **argv)
{
	int rc = 0;

	for (int i = 0; i < argc && rc != -1; i++) {
		FILE *fp = fopen(argv[i], "r");
		int r;

		if (fp == NULL) {
			err_warn("%s: cannot open", argv[i]);
			rc = 1;
			continue;
		}
		r = parse_fetch_stream(p, fp, argv[i], stdout);
		fclose(fp);
		if (r != 0)
			rc = r;
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "providers", required_argument, NULL, 'P' },
		{ "only", required_argument, NULL, 'o' },
		{ "dialect", required_argument, NULL, 'd' },
		{ "provider", required_argument, NULL, 'p' },
		{ "max-line", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char *providers = NULL, *only = NULL, *dialect = NULL, *provider = NULL;
	long max_line = (long)JSONL_MAX_LINE;
	struct parser *p;
	int c, rc = 0;

	setlocale(LC_CTYPE, "C.UTF-8");
	cli_start("afmts-parse", synopsis, options);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			providers = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		case 'd':
			dialect = optarg;
			break;
		case 'p':
			provider = optarg;
			break;
		case 'm':
			if (cli_number("--max-line", optarg, 1024, 1L << 30, &max_line) == -1)
				cli_usage();
			break;
		default:
			cli_common(c);
			cli_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (provider != NULL && dialect == NULL)
		cli_usage_error("--provider goes with --dialect");
	if (dialect != NULL && argc > 0)
		cli_usage_error("--dialect reads one response from stdin, not files");

	if (only != NULL && registry_only_check(only) == -1)
		return CLI_USAGE;
	htmltree_init();
	/* The data directory or the descriptors could not be read. */
	if ((p = parse_new(providers, only, (size_t)max_line)) == NULL)
		return CLI_FAILED;
	if (dialect != NULL) {
		rc = parse_raw(p, stdin, dialect, provider, stdout);
	} else if (argc == 0) {
		rc = parse_fetch_stream(p, stdin, "-", stdout);
	} else {
		rc = parse_files(p, argc, argv);
	}
	if (rc != -1) {
		int r = parse_finish(p, stdout);

		if (r != 0)
			rc = r;
	}
	parse_free(p);
	if (rc == -1 || fflush(stdout) == EOF) {
		err_warn("stdout: write error");
		return CLI_PARTIAL;
	}
	return rc == 0 ? CLI_OK : CLI_PARTIAL;
}
