/*
 * jsonl: JSON lines in and out, streaming, with line numbers.
 *
 * The reader takes one line at a time (any length up to a bound, LF or CRLF,
 * a last line without newline, blank lines skipped, a UTF-8 byte order mark
 * on the first line ignored) and parses it with libjq's parser.  A malformed
 * line is reported as "NAME:LINE: why" and skipped; reading carries on.
 * Memory is the longest line read, never the input.
 */
#ifndef AFMTS_JSONL_H
#define AFMTS_JSONL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jv.h>

/* Default bound on one input line: a provider's whole model list fits. */
#define JSONL_MAX_LINE ((size_t)64 << 20)

struct jsonl_reader;

/*
 * Read lines from fp, calling the input `name` in messages (e.g. "-" is
 * shown as "stdin").  Lines longer than max_line bytes are reported and
 * skipped.  Returns NULL only when out of memory.  The caller keeps fp.
 * The reader reads fp's descriptor directly (so that lines on a pipe come
 * as soon as they are written): nothing may have been read from fp before.
 */
struct jsonl_reader *jsonl_open(FILE *fp, const char *name, size_t max_line);

/*
 * Read the next value into *out (the caller owns it).  Returns 1 for a value,
 * 0 at end of input, -1 for a line that was reported and skipped (call again),
 * -2 for a read error (reported; stop).
 */
int jsonl_next(struct jsonl_reader *r, jv *out);

/*
 * The same in two steps: the next non-blank line's bytes (valid until the
 * next call; 1, or 0, -1, -2 as above) ...
 */
int jsonl_next_line(struct jsonl_reader *r, const char **line, size_t *len);

/* ... and its value (1, or -1 for a malformed line, reported). */
int jsonl_parse(struct jsonl_reader *r, const char *line, size_t len, jv *out);

/*
 * The JSON string at p (its opening quote, before end) when it is plain: no
 * escape, no control character or DEL, valid UTF-8, so that its bytes are
 * its value and jsonl_put writes them back unchanged.  Returns the end (past
 * the closing quote) with the length of its contents in *len, or NULL for
 * any other string (the caller leaves it to libjq).
 */
const char *jsonl_plain_string(const char *p, const char *end, size_t *len);

/* A 64-bit digest of a line's bytes (FNV-1a), to recognise a line seen before. */
uint64_t jsonl_digest(const char *s, size_t n);

/* The line number of the value (or error) last returned, 1-based. */
unsigned long jsonl_line(const struct jsonl_reader *r);

/* 1 if the next line (or the end) is already read in: jsonl_next will not block. */
int jsonl_buffered(const struct jsonl_reader *r);

/* The length in bytes of the line last read. */
size_t jsonl_length(const struct jsonl_reader *r);

/* The input name as shown in messages. */
const char *jsonl_name(const struct jsonl_reader *r);

/* How many lines were reported and skipped so far. */
unsigned long jsonl_errors(const struct jsonl_reader *r);

/* Free the reader (not the FILE). */
void jsonl_close(struct jsonl_reader *r);

/*
 * Write v (consumed) as one compact line to fp and flush it, so the next
 * program in a pipe sees each record as soon as it is made.
 * Returns 0, or -1 on a write error.
 */
int jsonl_write(FILE *fp, jv v);

/*
 * The same without the flush, for records made together (the models of one
 * response): the caller flushes after the last of them, before it waits for
 * more input, so no record is ever held back.
 */
int jsonl_put(FILE *fp, jv v);

/* Bytes jsonl_number may write, with its NUL. */
#define JSONL_NUMBER_MAX 32

/* d as jsonl_put writes numbers (null when not finite), NUL-terminated in buf; its length. */
size_t jsonl_number(char *buf, double d);

/* s as jsonl_put writes strings, quoted, to fp.  0, or -1 on a write error. */
int jsonl_put_string(FILE *fp, const char *s);

/* v (consumed) as compact JSON text, NUL-terminated, length in *len; the caller frees. */
char *jsonl_text(jv v, size_t *len);

/* The same, leaving out the top-level member named skip (no copy of v is made). */
char *jsonl_text_without(jv v, const char *skip, size_t *len);

#endif
