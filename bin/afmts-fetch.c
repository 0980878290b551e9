/*
 * afmts-fetch: every provider's model list, fetched at once, as fetch records.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "fetch.h"

static const char synopsis[] =
    "[-v] [--providers DIR] [--only NAME,...] [--archive DIR] [--dry-run] [options]\n"
    "       afmts-fetch --replay FILE [--only NAME,...]";

static const char options[] =
    "Fetch each provider's model list (all at once) and write one fetch record\n"
    "per provider on stdout, as soon as its answer is in.\n"
    "\n"
    "  --providers DIR        also read descriptors from DIR (they win by name)\n"
    "  --only NAME,...        fetch only these providers (disabled ones too)\n"
    "  --archive DIR          keep this run's raw answers in DIR/afmts-TIME.tar.gz\n"
    "  --replay FILE          emit the fetch records of an archive; no network\n"
    "  --dry-run              print what would be fetched, and how; fetch nothing\n"
    "  --cache DIR            ETag/Last-Modified cache (default STATE/http-cache)\n"
    "  --no-cache             no conditional requests: fetch every list in full\n"
    "  --parallel N           transfers at once (default 32)\n"
    "  --connect-timeout MS   per attempt (default 10000)\n"
    "  --timeout MS           whole transfer, per attempt (default 30000)\n"
    "  --max-size BYTES       largest body accepted (default 16 MiB)\n"
    "  --retries N            extra attempts on timeouts, 429, 5xx... (default 3)\n"
    "  --backoff MS           first wait between attempts, doubling (default 1000)\n"
    "  --max-wait MS          longest wait honoured, Retry-After included (default 60000)\n"
    "  --cacert FILE          trust the CAs in FILE (certificates are always verified)\n"
    "  -v, --verbose          one line per provider on stderr: status, time, size\n"
    "  -h, --help             this help\n"
    "      --version          print the version\n"
    "\n"
    "Exit status: 0 every provider answered, 1 some failed (their records carry\n"
    "\"error\"), 2 usage, 3 the archive, cache or output could not be written.\n";

static void
number(const char *opt, long min, long max, long *out)
{
	if (cli_number(opt, optarg, min, max, out) == -1)
		cli_usage();
}

int
main(int argc, char *argv[])
{
	enum { O_PROVIDERS = 0x200, O_ONLY, O_ARCHIVE, O_REPLAY, O_DRY, O_CACHE, O_NOCACHE,
		O_PARALLEL, O_CONNECT, O_TIMEOUT, O_MAXSIZE, O_RETRIES, O_BACKOFF, O_MAXWAIT,
		O_CACERT };
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "providers", required_argument, NULL, O_PROVIDERS },
		{ "only", required_argument, NULL, O_ONLY },
		{ "archive", required_argument, NULL, O_ARCHIVE },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "cache", required_argument, NULL, O_CACHE },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "parallel", required_argument, NULL, O_PARALLEL },
		{ "connect-timeout", required_argument, NULL, O_CONNECT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "backoff", required_argument, NULL, O_BACKOFF },
		{ "max-wait", required_argument, NULL, O_MAXWAIT },
		{ "cacert", required_argument, NULL, O_CACERT },
		{ NULL, 0, NULL, 0 }
	};
	struct fetch_config c = { .use_cache = 1 };
	const char *replay = NULL;
	int ch;

	setlocale(LC_CTYPE, "C.UTF-8");	/* libarchive needs it for entry names */
	cli_start("afmts-fetch", synopsis, options);
	http_defaults(&c.http);
	c.http.user_agent = "afmts-fetch/" AFMTS_VERSION " (AFMTS free model tracker)";
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'v': c.verbose = 1; break;
		case O_PROVIDERS: c.providers_dir = optarg; break;
		case O_ONLY: c.only = optarg; break;
		case O_ARCHIVE: c.archive_dir = optarg; break;
		case O_REPLAY: replay = optarg; break;
		case O_DRY: c.dry_run = 1; break;
		case O_CACHE: c.cache_dir = optarg; break;
		case O_NOCACHE: c.use_cache = 0; break;
		case O_PARALLEL: number("--parallel", 1, 1000, &c.http.parallel); break;
		case O_CONNECT: number("--connect-timeout", 1, 600000, &c.http.connect_ms); break;
		case O_TIMEOUT: number("--timeout", 1, 3600000, &c.http.timeout_ms); break;
		case O_MAXSIZE: number("--max-size", 1024, 1L << 30, &c.http.max_size); break;
		case O_RETRIES: number("--retries", 0, 20, &c.http.retries); break;
		case O_BACKOFF: number("--backoff", 1, 600000, &c.http.backoff_ms); break;
		case O_MAXWAIT: number("--max-wait", 0, 3600000, &c.http.max_wait_ms); break;
		case O_CACERT: c.http.cacert = optarg; break;
		default: cli_common(ch);
		}
	}
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (replay != NULL && (c.dry_run || c.archive_dir != NULL))
		cli_usage_error("--replay does not go with --dry-run or --archive");
	return replay != NULL ? fetch_replay(replay, &c, stdout) : fetch_live(&c, stdout);
}
