/*
 * err: one-line diagnostics with the program name as prefix, or JSON lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "jsonw.h"

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

int
err_json(void)
{
	static int json = -1;

	if (json == -1) {
		const char *how = getenv("AFMTS_LOG");

		json = how != NULL && strcmp(how, "json") == 0;
	}
	return json;
}

/* One JSON line: ts, prog, level, msg, and the fields every line has. */
static void
json_line(const char *msg)
{
	char ts[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) != NULL)
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs("{\"ts\":", stderr);
	jsonw_str(stderr, ts);
	fputs(",\"prog\":", stderr);
	jsonw_str(stderr, prog);
	fputs(",\"level\":\"error\",\"msg\":", stderr);
	jsonw_str(stderr, msg);
	fprintf(stderr, ",\"fields\":{\"pid\":%ld}}\n", (long)getpid());
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
	if (err_json())
		json_line(msg);
	else
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
