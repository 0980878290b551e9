/*
 * jsonw: writing JSON text without libjq, for programs on the decision path
 * (libjq costs milliseconds to load; these are a few lines of C).
 */
#ifndef AFMTS_JSONW_H
#define AFMTS_JSONW_H

#include <stdio.h>

/* s as a JSON string, quoted; invalid UTF-8 bytes become U+FFFD. */
void jsonw_str(FILE *f, const char *s);

/* "key": with a leading comma unless first. */
void jsonw_key(FILE *f, const char *key, int first);

/* A number: integers without a fraction, others with up to 15 digits. */
void jsonw_num(FILE *f, double d);

#endif
