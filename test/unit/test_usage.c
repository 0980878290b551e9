/* Unit tests of lib/catalog/usagecheck.c: the plain reader agrees with libjq or declines. */
#include <string.h>

#include <jv.h>

#include "usagecheck.h"
#include "unit.h"
#include "../agree.h"

/* 1 if the plain reader took line and made what libjq and usage_check make; 0 if it declined. */
static int
agrees(const char *line)
{
	char buf[2048];
	struct usage fast, slow;
	jv v = jv_parse(line);
	int took, ok;

	strcpy(buf, line);
	took = usage_scan(buf, strlen(buf), &fast);
	if (!took) {
		jv_free(v);
		return 0;
	}
	ok = jv_is_valid(v) && usage_check(v, &slow) == NULL && agree_usage(&fast, &slow);
	jv_free(v);
	return ok ? 1 : -1;
}

void
test_usage_plain_reader_agrees_with_libjq(void)
{
	static const char *const taken[] = {
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"synth\","
		    "\"model\":\"org0/model-0\",\"prompt_tokens\":100,\"completion_tokens\":10,"
		    "\"latency_ms\":200,\"status\":429,\"client\":\"bench\",\"request_id\":\"req-0\"}",
		" { \"model\" : \"m\" , \"provider\":\"groq\", \"ts\":\"2026-11-22T10:00:00+02:00\","
		    "\"type\":\"usage\" }\r",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00.5Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"cost\":0.000123,\"latency_ms\":null,\"status\":null,\"error\":\"rate limited\","
		    "\"retry_after\":30,\"prompt_tokens\":1e3,\"completion_tokens\":0}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\","
		    "\"model\":\"vendor/\xc3\xa9t\xc3\xa9-\xe2\x9c\x93\",\"cost\":1.5E-2,\"client\":null}",
	};
	static const char *const declined[] = {
		"",
		"[]",
		"{}",
		"{\"type\":\"model\",\"provider\":\"p\",\"model\":\"m\"}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\"}",	/* no model */
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"a\\u0041\"}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\",\"x\":1}",
		/* Rare members are left to libjq. */
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"prompt_tokens\":12,\"estimated\":true}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"model\":\"n\"}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"prompt_tokens\":-1}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"prompt_tokens\":1.5}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"prompt_tokens\":01}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"cost\":1e999}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\","
		    "\"status\":true}",
		"{\"type\":\"usage\",\"ts\":\"not a time\",\"provider\":\"p\",\"model\":\"m\"}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"\xff\"}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\"} x",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\",}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\"",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":\"m\x7f\"}",
		"{\"type\":\"usage\",\"ts\":\"2026-11-22T00:00:00Z\",\"provider\":\"p\",\"model\":{}}",
	};

	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
		CHECK(agrees(taken[i]) == 1);
	for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++)
		CHECK(agrees(declined[i]) == 0);
}
