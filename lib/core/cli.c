/*
 * cli: shared command-line behaviour of the AFMTS programs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"

#ifndef AFMTS_VERSION
#define AFMTS_VERSION "0.0.0"
#endif

static const char *cli_synopsis = "";
static const char *cli_options = "";

void
cli_start(const char *prog, const char *synopsis, const char *options)
{
	err_setprog(prog);
	/* getopt's own complaint is a plain line: under AFMTS_LOG=json ours says it. */
	if (err_json())
		opterr = 0;
	cli_synopsis = synopsis;
	cli_options = options;
}

void
cli_usage(void)
{
	/* JSON lines hold no synopsis: the error line said what was wrong. */
	if (!err_json())
		fprintf(stderr, "usage: %s %s\n", err_prog(), cli_synopsis);
	exit(CLI_USAGE);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vwarn(fmt, ap);
	va_end(ap);
	cli_usage();
}

void
cli_common(int c)
{
	switch (c) {
	case 'h':
		printf("usage: %s %s\n%s", err_prog(), cli_synopsis, cli_options);
		exit(fflush(stdout) == 0 ? CLI_OK : CLI_PARTIAL);
	case CLI_OPT_VERSION:
		printf("%s %s\n", err_prog(), AFMTS_VERSION);
		exit(fflush(stdout) == 0 ? CLI_OK : CLI_PARTIAL);
	case '?':
	case ':':
		if (err_json())
			err_warn("an unknown option, or an option without its argument (see --help)");
		cli_usage();
	default:
		return;
	}
}

int
cli_number(const char *opt, const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE || v < min || v > max) {
		err_warn("%s: expected a whole number from %ld to %ld, got '%.40s'",
		    opt, min, max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

long
cli_env_number(const char *name, long min, long max, long dflt)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max) {
		err_warn("%s=%s: not a number from %ld to %ld; using %ld", name, s, min, max, dflt);
		return dflt;
	}
	return v;
}
