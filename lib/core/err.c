/*
 * err: one-line diagnostics with the program name as prefix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* A message longer than this is cut: stderr is for people, not data. */
#define ERR_MAX 1024

static const char *prog = "afmts";

void
err_setprog(const char *name)
{
	const char *slash = strrchr(name, '/');

	prog = slash ? slash + 1 : name;
}

const char *
err_prog(void)
{
	return prog;
}

void
err_vwarn(const char *fmt, va_list ap)
{
	char msg[ERR_MAX];
	int n;

	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	else if ((size_t)n >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", prog, msg);
}

void
err_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vwarn(fmt, ap);
	va_end(ap);
}
