/*
 * jsonl: a bounded line reader feeding libjq's parser, and a compact writer.
 *
 * Each line gets its own parse so one bad line costs exactly that line: a jq
 * 1.6 parser throws away the rest of its buffer after a syntax error.
 */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fnv.h"
#include "jsonl.h"
#include "utf8.h"

#define CHUNK ((size_t)64 << 10)

struct jsonl_reader {
	FILE		*fp;
	char		*name;
	size_t		 max_line;
	char		*buf;		/* bytes read, not yet returned */
	size_t		 cap, start, end;
	size_t		 scan;		/* no newline in buf[start, scan) */
	unsigned long	 line;
	size_t		 last_len;	/* bytes of the line last returned */
	unsigned long	 errors;
	int		 eof;
	int		 skipping;	/* inside an over-long line */
};

struct jsonl_reader *
jsonl_open(FILE *fp, const char *name, size_t max_line)
{
	struct jsonl_reader *r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->fp = fp;
	r->max_line = max_line;
	r->cap = max_line < CHUNK ? max_line + 1 : CHUNK;
	r->name = strdup(strcmp(name, "-") == 0 ? "stdin" : name);
	r->buf = malloc(r->cap);
	if (r->name == NULL || r->buf == NULL) {
		jsonl_close(r);
		return NULL;
	}
	return r;
}

void
jsonl_close(struct jsonl_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r->name);
	free(r);
}

unsigned long
jsonl_line(const struct jsonl_reader *r)
{
	return r->line;
}

const char *
jsonl_name(const struct jsonl_reader *r)
{
	return r->name;
}

int
jsonl_buffered(const struct jsonl_reader *r)
{
	return r->eof || memchr(r->buf + r->start, '\n', r->end - r->start) != NULL;
}

size_t
jsonl_length(const struct jsonl_reader *r)
{
	return r->last_len;
}

unsigned long
jsonl_errors(const struct jsonl_reader *r)
{
	return r->errors;
}

/* Make room to read more: slide pending bytes down, then grow up to the bound. */
static int
make_room(struct jsonl_reader *r)
{
	size_t want;
	char *nbuf;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->end < r->cap)
		return 0;
	if (r->cap > r->max_line)
		return 1;	/* full: the line is over the bound */
	want = r->cap * 2;
	if (want > r->max_line + 1)
		want = r->max_line + 1;
	if ((nbuf = realloc(r->buf, want)) == NULL)
		return -1;
	r->buf = nbuf;
	r->cap = want;
	return 0;
}

/*
 * Read what is available into the free end of the buffer: 0 at end of input,
 * -1 on error.  read(2), not fread: on a pipe fread waits to fill the whole
 * request, which would hold back lines already written by the producer.
 */
static ssize_t
fill(struct jsonl_reader *r)
{
	int fd = fileno(r->fp);
	ssize_t n;

	if (fd < 0) {	/* a memory stream: no descriptor */
		n = (ssize_t)fread(r->buf + r->end, 1, r->cap - r->end, r->fp);
		return ferror(r->fp) ? -1 : n;
	}
	do
		n = read(fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Find the next line: sets *line and *len (without the newline) and returns 1,
 * 0 at end of input, -1 for an over-long line (reported), -2 on a read error.
 */
static int
next_line(struct jsonl_reader *r, char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		ssize_t got;
		int room;

		if (nl != NULL || (r->eof && (r->end > r->start || r->skipping))) {
			size_t stop = nl ? (size_t)(nl - r->buf) : r->end;
			int was_skipping = r->skipping;

			*line = r->buf + r->start;
			*len = stop - r->start;
			r->last_len = *len;
			r->start = r->scan = nl ? stop + 1 : stop;
			r->line++;
			r->skipping = 0;
			if (was_skipping) {
				err_warn("%s:%lu: line longer than %zu bytes, skipped",
				    r->name, r->line, r->max_line);
				r->errors++;
				return -1;
			}
			return 1;
		}
		if (r->eof)
			return 0;
		r->scan = r->end;
		if ((room = make_room(r)) < 0) {
			err_warn("%s:%lu: out of memory", r->name, r->line + 1);
			return -2;
		}
		if (room > 0) {
			/* Over the bound: drop what we have, keep looking for its end. */
			r->skipping = 1;
			r->start = r->scan = r->end = 0;
		}
		if ((got = fill(r)) < 0) {
			err_warn("%s: read error: %s", r->name, strerror(errno));
			return -2;
		}
		r->end += (size_t)got;
		if (got == 0)
			r->eof = 1;
	}
}

static int
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Parse exactly one JSON value from s; report and return invalid otherwise. */
static jv
parse_line(struct jsonl_reader *r, const char *s, size_t n)
{
	jv_parser *p;
	jv v, extra;

	if (n > (size_t)0x7fffffff) {
		err_warn("%s:%lu: line too long for the parser", r->name, r->line);
		return jv_invalid();
	}
	if ((p = jv_parser_new(0)) == NULL)
		return jv_invalid();
	jv_parser_set_buf(p, s, (int)n, 0);
	v = jv_parser_next(p);
	if (jv_is_valid(v)) {
		extra = jv_parser_next(p);
		if (jv_is_valid(extra) || jv_invalid_has_msg(jv_copy(extra))) {
			jv_free(v);
			v = jv_invalid_with_msg(jv_string("more than one JSON value on the line"));
		}
		jv_free(extra);
	} else if (!jv_invalid_has_msg(jv_copy(v))) {
		jv_free(v);
		v = jv_invalid_with_msg(jv_string("no JSON value"));
	}
	jv_parser_free(p);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		err_warn("%s:%lu: malformed JSON: %s", r->name, r->line,
		    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "?");
		jv_free(msg);
		return jv_invalid();
	}
	return v;
}

int
jsonl_next_line(struct jsonl_reader *r, const char **line, size_t *len)
{
	char *s;
	size_t n;
	int rc;

	for (;;) {
		if ((rc = next_line(r, &s, &n)) <= 0)
			return rc;
		if (r->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
		if (is_blank(s, n))
			continue;
		*line = s;
		*len = n;
		return 1;
	}
}

int
jsonl_parse(struct jsonl_reader *r, const char *line, size_t len, jv *out)
{
	*out = parse_line(r, line, len);
	if (jv_is_valid(*out))
		return 1;
	r->errors++;
	return -1;
}

int
jsonl_next(struct jsonl_reader *r, jv *out)
{
	const char *line;
	size_t len;
	int rc;

	if ((rc = jsonl_next_line(r, &line, &len)) <= 0)
		return rc;
	return jsonl_parse(r, line, len, out);
}

const char *
jsonl_plain_string(const char *p, const char *end, size_t *len)
{
	const char *s;

	if (p >= end || *p != '"')
		return NULL;
	for (s = ++p; p < end && *p != '"';) {
		unsigned char c = (unsigned char)*p;
		int n = 1;

		if (c == '\\' || c < 0x20 || c == 0x7f)
			return NULL;
		/* A sequence cut by end is declined, never read past it. */
		if (c >= 0x80 && (end - p < 4 || (n = utf8_len((const unsigned char *)p)) == 0))
			return NULL;
		p += n;
	}
	if (p >= end)
		return NULL;
	*len = (size_t)(p - s);
	return p + 1;
}

uint64_t
jsonl_digest(const char *s, size_t n)
{
	/* A CR before the newline is not part of the record. */
	if (n > 0 && s[n - 1] == '\r')
		n--;
	return fnv1a(FNV_SEED, s, n);
}

/* An output buffer: on the stack for most records, on the heap past that. */
struct outbuf {
	char	*p;
	size_t	 len, cap;
	int	 heap, failed;
};

static void
put(struct outbuf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n + 256;
		char *np = b->heap ? realloc(b->p, cap) : malloc(cap);

		if (np == NULL) {
			b->failed = 1;
			return;
		}
		if (!b->heap)
			memcpy(np, b->p, b->len);
		b->p = np;
		b->cap = cap;
		b->heap = 1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A JSON string: jv strings are valid UTF-8; escape what JSON requires. */
static void
put_string(struct outbuf *b, const char *s, size_t n)
{
	size_t start = 0;
	char esc[8];

	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		put(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': put(b, "\\\"", 2); break;
		case '\\': put(b, "\\\\", 2); break;
		case '\n': put(b, "\\n", 2); break;
		case '\r': put(b, "\\r", 2); break;
		case '\t': put(b, "\\t", 2); break;
		case '\b': put(b, "\\b", 2); break;
		case '\f': put(b, "\\f", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(b, esc, 6);
		}
	}
	put(b, s + start, n - start);
	put(b, "\"", 1);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double. */
size_t
jsonl_number(char *buf, double d)
{
	if (!isfinite(d))
		return (size_t)snprintf(buf, JSONL_NUMBER_MAX, "null");
	/* Counts and whole prices, the common case, without printf. */
	if (d == floor(d) && fabs(d) < 1e15) {
		char num[JSONL_NUMBER_MAX], *e = num + sizeof num, *p = e;
		long long n = (long long)fabs(d);

		do
			*--p = (char)('0' + n % 10);
		while ((n /= 10) > 0);
		if (d < 0)
			*--p = '-';
		memcpy(buf, p, (size_t)(e - p));
		buf[e - p] = '\0';
		return (size_t)(e - p);
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, JSONL_NUMBER_MAX, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return strlen(buf);
}

static void
put_number(struct outbuf *b, double d)
{
	char num[JSONL_NUMBER_MAX];

	put(b, num, jsonl_number(num, d));
}

int
jsonl_put_string(FILE *fp, const char *s)
{
	char stack[1024];
	struct outbuf b = { stack, 0, sizeof stack, 0, 0 };
	int rc;

	put_string(&b, s, strlen(s));
	rc = !b.failed && fwrite(b.p, 1, b.len, fp) == b.len ? 0 : -1;
	if (b.heap)
		free(b.p);
	return rc;
}

static void
put_value(struct outbuf *b, jv v, const char *skip)	/* borrows v */
{
	int n, first = 1;

	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
	case JV_KIND_INVALID:
		put(b, "null", 4);
		break;
	case JV_KIND_TRUE:
		put(b, "true", 4);
		break;
	case JV_KIND_FALSE:
		put(b, "false", 5);
		break;
	case JV_KIND_NUMBER:
		put_number(b, jv_number_value(v));
		break;
	case JV_KIND_STRING:
		put_string(b, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_ARRAY:
		put(b, "[", 1);
		n = jv_array_length(jv_copy(v));
		for (int i = 0; i < n; i++) {
			jv x = jv_array_get(jv_copy(v), i);

			if (i > 0)
				put(b, ",", 1);
			put_value(b, x, NULL);
			jv_free(x);
		}
		put(b, "]", 1);
		break;
	case JV_KIND_OBJECT:
		put(b, "{", 1);
		jv_object_foreach(v, key, val) {
			if (skip == NULL || strcmp(jv_string_value(key), skip) != 0) {
				if (!first)
					put(b, ",", 1);
				first = 0;
				put_value(b, key, NULL);
				put(b, ":", 1);
				put_value(b, val, NULL);
			}
			jv_free(key);
			jv_free(val);
		}
		put(b, "}", 1);
		break;
	}
}

int
jsonl_put(FILE *fp, jv v)
{
	char stack[8192];
	struct outbuf b = { stack, 0, sizeof stack, 0, 0 };
	int rc;

	/* One buffer, one fwrite: jq 1.6's jv_dumpf is several times slower. */
	put_value(&b, v, NULL);
	put(&b, "\n", 1);
	jv_free(v);
	rc = !b.failed && fwrite(b.p, 1, b.len, fp) == b.len ? 0 : -1;
	if (b.heap)
		free(b.p);
	return rc;
}

char *
jsonl_text(jv v, size_t *len)
{
	return jsonl_text_without(v, NULL, len);
}

char *
jsonl_text_without(jv v, const char *skip, size_t *len)
{
	struct outbuf b = { NULL, 0, 0, 1, 0 };

	put_value(&b, v, skip);
	put(&b, "", 1);
	jv_free(v);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	if (len != NULL)
		*len = b.len - 1;
	return b.p;
}

int
jsonl_write(FILE *fp, jv v)
{
	return jsonl_put(fp, v) == 0 && fflush(fp) == 0 ? 0 : -1;
}
