/*
 * err: the one place a program reports a problem.
 *
 * Every diagnostic is a single line on stderr, "afmts-X: what failed: why".
 * Untrusted text may reach a message (model ids, provider names, file names),
 * so control characters are replaced: one problem, one line.
 *
 * With AFMTS_LOG=json in the environment the line is a JSON object instead,
 * for log collectors: {"ts":"2026-11-22T10:00:00Z","prog":"afmts-fetch",
 * "level":"error","msg":"what failed: why","fields":{"pid":123}}.
 */
#ifndef AFMTS_ERR_H
#define AFMTS_ERR_H

#include <stdarg.h>

/* Set the program name used as the prefix of every message. */
void err_setprog(const char *name);

/* The program name set by err_setprog ("afmts" before it is called). */
const char *err_prog(void);

/* 1 when AFMTS_LOG=json asks for JSON lines (read once). */
int err_json(void);

/* Print "prog: <formatted message>\n" on stderr, control characters made visible. */
void err_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void err_vwarn(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

#endif
