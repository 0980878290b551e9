/*
 * usagecheck: the check of a `usage` line (one request made through a model)
 * as afmts-track reads it, into the usage store's struct usage (usage.h).
 * The check takes a libjq value; the decision half, which never links libjq,
 * does not include this header.
 */
#ifndef AFMTS_USAGECHECK_H
#define AFMTS_USAGECHECK_H

#include <stddef.h>

#include <jv.h>

#include "usage.h"

/*
 * Check record u (borrowed, must stay alive while out is used) and fill out;
 * out's strings point into u.
 * Returns NULL, or a static string saying which field is wrong.
 */
const char *usage_check(jv u, struct usage *out);

/*
 * Read a plain usage line (len bytes, which it changes: out's strings point
 * into it) without libjq: 1 when it is a valid usage record and out is what
 * usage_check would make of it; 0 when it declines (anything unusual, every
 * error), and the line must go through libjq and usage_check.
 */
int usage_scan(char *line, size_t len, struct usage *out);

#endif
