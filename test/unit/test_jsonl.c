/* Unit tests of lib/stream/jsonl.c: the JSON lines reader and writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "unit.h"

/* Read all of text; return values as a compact JSON array string and the error count. */
static char *
read_all(const char *text, size_t len, size_t max_line, unsigned long *errors,
    unsigned long *last_line)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct jsonl_reader *r = jsonl_open(fp, "t", max_line);
	jv all = jv_array(), v, s;
	char *out;
	int rc;

	while ((rc = jsonl_next(r, &v)) != 0) {
		if (rc == 1) {
			all = jv_array_append(all, v);
			*last_line = jsonl_line(r);
		}
	}
	*errors = jsonl_errors(r);
	jsonl_close(r);
	fclose(fp);
	s = jv_dump_string(all, 0);
	out = strdup(jv_string_value(s));
	jv_free(s);
	return out;
}

void
test_jsonl_reads_lines_and_counts_them(void)
{
	const char in[] = "{\"a\":1}\n{\"b\":2}\n";
	unsigned long errors, line = 0;
	char *out = read_all(in, strlen(in), 1024, &errors, &line);

	CHECK(strcmp(out, "[{\"a\":1},{\"b\":2}]") == 0);
	CHECK(errors == 0);
	CHECK(line == 2);
	free(out);
}

void
test_jsonl_handles_crlf_bom_blank_and_no_final_newline(void)
{
	const char in[] = "\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":\"x\"}\r\n{\"c\":3}";
	unsigned long errors, line = 0;
	char *out = read_all(in, strlen(in), 1024, &errors, &line);

	CHECK(strcmp(out, "[{\"a\":1},{\"b\":\"x\"},{\"c\":3}]") == 0);
	CHECK(errors == 0);
	CHECK(line == 5);
	free(out);
}

void
test_jsonl_reports_malformed_line_and_carries_on(void)
{
	const char in[] = "{\"a\":1}\n{\"b\":\n[1,2]\nnot json\n{\"c\":3}\n";
	unsigned long errors, line = 0;
	char *out = read_all(in, strlen(in), 1024, &errors, &line);

	CHECK(strcmp(out, "[{\"a\":1},[1,2],{\"c\":3}]") == 0);
	CHECK(errors == 2);
	CHECK(line == 5);
	free(out);
}

void
test_jsonl_skips_overlong_line_and_carries_on(void)
{
	size_t n = 5000;
	char *in = malloc(n + 32);
	unsigned long errors, line = 0;
	char *out;

	strcpy(in, "{\"a\":1}\n\"");
	memset(in + 9, 'x', n);
	strcpy(in + 9 + n, "\"\n{\"b\":2}\n");
	out = read_all(in, strlen(in), 1024, &errors, &line);
	CHECK(strcmp(out, "[{\"a\":1},{\"b\":2}]") == 0);
	CHECK(errors == 1);
	CHECK(line == 3);
	free(out);
	/* An over-long last line without newline is reported too. */
	in[9 + n + 1] = '\0';
	out = read_all(in, strlen(in), 1024, &errors, &line);
	CHECK(strcmp(out, "[{\"a\":1}]") == 0);
	CHECK(errors == 1);
	free(out);
	free(in);
}

void
test_jsonl_reads_lines_longer_than_its_buffer(void)
{
	size_t n = 300000;
	char *in = malloc(n + 32), *out;
	unsigned long errors, line = 0;
	jv v;

	strcpy(in, "[\"");
	memset(in + 2, 'y', n);
	strcpy(in + 2 + n, "\"]\n{}\n");
	out = read_all(in, strlen(in), (size_t)1 << 20, &errors, &line);
	v = jv_parse(out);
	CHECK(jv_array_length(jv_copy(v)) == 2);
	CHECK(errors == 0);
	jv_free(v);
	free(out);
	free(in);
}

void
test_jsonl_rejects_two_values_on_one_line(void)
{
	const char in[] = "{\"a\":1} {\"b\":2}\n{\"c\":3}\n";
	unsigned long errors, line = 0;
	char *out = read_all(in, strlen(in), 1024, &errors, &line);

	CHECK(strcmp(out, "[{\"c\":3}]") == 0);
	CHECK(errors == 1);
	free(out);
}

void
test_jsonl_write_emits_one_compact_line(void)
{
	char buf[256] = "";
	FILE *fp = fmemopen(buf, sizeof buf, "w");
	jv v = jv_parse("{ \"type\" : \"model\", \"n\" : [1, 2], \"s\": \"a\\nb\" }");

	CHECK(jsonl_write(fp, v) == 0);
	fclose(fp);
	CHECK(strcmp(buf, "{\"type\":\"model\",\"n\":[1,2],\"s\":\"a\\nb\"}\n") == 0);
}

void
test_jsonl_write_escapes_strings_and_prints_numbers_exactly(void)
{
	char buf[512] = "";
	FILE *fp = fmemopen(buf, sizeof buf, "w");
	jv v = jv_parse("{\"s\":\"q\\\"b\\\\n\\n\\u0001\\u007f\\u00e9\\u2028\",\"n\":[0,-3,131072,0.15,1e-07,"
	    "3.0000000000000004,1e300,123456789012345678],\"t\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[]}");
	jv back;

	CHECK(jsonl_put(fp, jv_copy(v)) == 0);
	fclose(fp);
	CHECK(strcmp(buf, "{\"s\":\"q\\\"b\\\\n\\n\\u0001\\u007f\xc3\xa9\xe2\x80\xa8\",\"n\":[0,-3,131072,0.15,"
	    "1e-07,3.0000000000000004,1e+300,1.2345678901234568e+17],\"t\":true,\"f\":false,\"z\":null,"
	    "\"e\":{},\"a\":[]}\n") == 0);
	/* What we write reads back as the same value. */
	back = jv_parse(buf);
	CHECK(jv_equal(back, v));
}

void
test_jsonl_text_without_leaves_out_one_member(void)
{
	jv v = jv_parse("{\"a\":1,\"observed_at\":\"x\",\"b\":{\"observed_at\":2}}");
	char *s = jsonl_text_without(jv_copy(v), "observed_at", NULL);
	char *all = jsonl_text(v, NULL);

	CHECK(strcmp(s, "{\"a\":1,\"b\":{\"observed_at\":2}}") == 0);
	CHECK(strcmp(all, "{\"a\":1,\"observed_at\":\"x\",\"b\":{\"observed_at\":2}}") == 0);
	free(s);
	free(all);
}
