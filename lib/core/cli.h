/*
 * cli: what every AFMTS program does the same way on its command line.
 *
 * -h/--help prints the synopsis and the option summary on stdout and exits 0;
 * --version prints "afmts-X VERSION" and exits 0; a usage error prints the
 * synopsis on stderr and exits 2.  Exit codes are shared by all programs and
 * their man pages say them in these words.
 */
#ifndef AFMTS_CLI_H
#define AFMTS_CLI_H

#include <getopt.h>

enum {
	CLI_OK = 0,		/* everything worked */
	CLI_PARTIAL = 1,	/* some input or provider failed; the rest went through
				   (afmts-route: no model fits) */
	CLI_USAGE = 2,		/* bad command line, or no catalog path to use */
	CLI_UNAVAILABLE = 3,	/* the catalog is missing or busy: nothing was done, a
				   later run may do it */
	CLI_FAILED = 4		/* the job could not be done: the catalog, the data
				   directory, an archive, a cache or the output could
				   not be read or written */
};

/* Long options every program accepts; put them first in its table. */
#define CLI_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CLI_OPT_VERSION }

/* getopt_long value of --version (not a character users can type). */
#define CLI_OPT_VERSION 0x100

/*
 * Remember the program's name (for messages), one-line synopsis and the
 * option summary shown by --help.  The strings must outlive the program.
 */
void cli_start(const char *prog, const char *synopsis, const char *options);

/* Handle -h, --version and getopt's '?' for a program; returns if c is none. */
void cli_common(int c);

/* Print the synopsis on stderr and exit CLI_USAGE. */
_Noreturn void cli_usage(void);

/* Report a usage problem (one line) and exit CLI_USAGE. */
_Noreturn void cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Parse a decimal integer option argument in [min, max] into *out.
 * Returns 0, or -1 after reporting what was wrong with which option.
 */
int cli_number(const char *opt, const char *arg, long min, long max, long *out);

/*
 * The environment variable name as a decimal number in [min, max]; dflt when
 * it is unset or empty, and (with a warning saying so) when it is not such a
 * number.
 */
long cli_env_number(const char *name, long min, long max, long dflt);

#endif
