/*
 * jvraw: the baseline of the parse benchmark.  Feeds a file through libjq's
 * jv_parser in 64 KiB chunks and counts the top-level values, doing nothing
 * else: the raw speed any JSON lines program built on libjq is measured
 * against.  Usage: jvraw FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include <jv.h>

int
main(int argc, char *argv[])
{
	static char buf[1 << 16];
	unsigned long values = 0;
	jv_parser *p;
	FILE *fp;
	size_t n;
	jv v;

	if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: jvraw FILE\n");
		return 2;
	}
	p = jv_parser_new(0);
	do {
		n = fread(buf, 1, sizeof buf, fp);
		jv_parser_set_buf(p, buf, (int)n, n > 0);
		while (jv_is_valid(v = jv_parser_next(p))) {
			values++;
			jv_free(v);
		}
		if (jv_invalid_has_msg(jv_copy(v))) {
			fprintf(stderr, "jvraw: malformed input\n");
			jv_free(v);
			return 1;
		}
		jv_free(v);
	} while (n > 0);
	jv_parser_free(p);
	fclose(fp);
	printf("%lu\n", values);
	return 0;
}
