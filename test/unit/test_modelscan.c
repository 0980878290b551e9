/* Unit tests of lib/catalog/modelscan.c: the plain reader agrees with libjq and model_check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "modelscan.h"
#include "unit.h"
#include "../agree.h"


/* 1: read, and the same as libjq and model_check make of it; 0: declined; -1: disagrees. */
static int
agrees(const char *line)
{
	struct model_scan ms;
	size_t n = strlen(line);
	jv v;
	char *text;
	int ok;

	if (!model_scan(line, n, &ms))
		return 0;
	v = jv_parse_sized(line, (int)n);
	if (jv_get_kind(v) != JV_KIND_OBJECT || model_check(v) != NULL) {
		jv_free(v);
		return -1;
	}
	text = jsonl_text_without(jv_copy(v), "observed_at", NULL);
	ok = text != NULL && strlen(text) == n - ms.cut_len &&
	    memcmp(text, line, ms.cut) == 0 && strcmp(text + ms.cut, line + ms.cut + ms.cut_len) == 0;
	free(text);
	for (int m = 0; m < MODEL_NMEMBERS; m++) {
		jv x = jv_object_get(jv_copy(v), jv_string(model_member_name(m)));

		ok = ok && agree_value(x, &ms.member[m]);
		jv_free(x);
	}
	{
		jv x = jv_object_get(jv_copy(v), jv_string("key_env"));

		ok = ok && agree_value(x, &ms.key_env);
		jv_free(x);
	}
	jv_free(v);
	return ok ? 1 : -1;
}

#define HEAD "{\"type\":\"model\",\"provider\":\"groq\",\"model\":\"m\",\"free\":true,"
#define AT "\"observed_at\":\"2026-11-23T00:00:00Z\""

void
test_model_plain_reader_agrees_with_libjq(void)
{
	static const char *const taken[] = {
		"{\"type\":\"model\",\"provider\":\"openrouter\",\"model\":\"openai/gpt-3.5-turbo\","
		    "\"name\":\"OpenAI: GPT-3.5 Turbo\",\"family\":\"gpt\",\"context_length\":16385,"
		    "\"max_output_tokens\":4096,\"input_price\":0.5,\"output_price\":1.5,\"free\":false,"
		    "\"free_reason\":null,\"modalities\":{\"input\":[\"text\"],\"output\":[\"text\"]},"
		    "\"features\":[],\"limits\":{\"rpm\":20,\"rpd\":50,\"scope\":\"provider\"},"
		    "\"base_url\":\"https://openrouter.ai/api/v1\",\"key_env\":\"OPENROUTER_API_KEY\","
		    AT "}",
		"{" AT ",\"provider\":\"groq\",\"model\":\"m\",\"free\":true,\"type\":\"model\"}",
		HEAD "\"name\":\"\xc3\xa9t\xc3\xa9 \xe2\x9c\x93\",\"modalities\":{},\"limits\":{}," AT "}",
		HEAD "\"input_price\":0.0001,\"output_price\":123456.789," AT "}",
		HEAD "\"input_price\":0.000123456789012,\"output_price\":999999," AT "}",
		HEAD "\"context_length\":0,\"max_output_tokens\":null,\"key_env\":null," AT "}",
		HEAD "\"modalities\":{\"output\":[\"text\",\"image\"]},\"features\":null," AT "}",
		HEAD "\"limits\":{\"tpm\":6000,\"x\":true,\"y\":null,\"z\":0.5}," AT "}",
	};
	static const char *const declined[] = {
		"",
		"{}",
		"{\"type\":\"usage\",\"provider\":\"groq\"}",
		"{\"provider\":\"groq\",\"model\":\"m\",\"free\":true," AT "}",	/* no type */
		HEAD "\"observed_at\":\"yesterday\"}",
		HEAD "\"input_price\":1}",					/* no time */
		HEAD " " AT "}",							/* white space */
		HEAD AT "}\n",
		HEAD "\"name\":\"a\\u0041\"," AT "}",				/* escape */
		HEAD "\"name\":\"a\x7f\"," AT "}",
		HEAD "\"name\":\"\xff\"," AT "}",
		HEAD "\"extra\":1," AT "}",						/* not ours */
		HEAD "\"model\":\"n\"," AT "}",					/* repeated */
		HEAD "\"input_price\":-0.5," AT "}",
		HEAD "\"input_price\":-0," AT "}",
		HEAD "\"input_price\":0.50," AT "}",				/* not as written back */
		HEAD "\"input_price\":1.0," AT "}",
		HEAD "\"input_price\":5e-1," AT "}",
		HEAD "\"input_price\":0.00001," AT "}",
		HEAD "\"input_price\":0.1234567890123456," AT "}",
		HEAD "\"context_length\":1234567890123456," AT "}",
		HEAD "\"context_length\":01," AT "}",
		HEAD "\"context_length\":1.5," AT "}",				/* bad value */
		HEAD "\"input_price\":1e308," AT "}",
		HEAD "\"free\":\"yes\"," AT "}",
		HEAD "\"provider\":\"Bad Name\"," AT "}",
		HEAD "\"features\":[1]," AT "}",
		HEAD "\"features\":[\"\"]," AT "}",
		HEAD "\"modalities\":{\"input\":[\"text\"],\"input\":[]}," AT "}",
		HEAD "\"modalities\":{\"other\":[]}," AT "}",
		HEAD "\"modalities\":[]," AT "}",
		HEAD "\"limits\":{\"rpm\":1.5}," AT "}",
		HEAD "\"limits\":{\"rpm\":1,\"rpm\":2}," AT "}",
		HEAD "\"limits\":{\"nested\":{}}," AT "}",
		HEAD "\"key_env\":1," AT "}",
		/* price_tiers, good or bad, is left to libjq and model_check */
		HEAD "\"price_tiers\":[{\"min_prompt_tokens\":200000,\"input_price\":2.5,"
		    "\"output_price\":15}]," AT "}",
		HEAD "\"price_tiers\":[{\"min_prompt_tokens\":0,\"input_price\":1,\"output_price\":1}]," AT "}",
		HEAD "\"price_tiers\":null," AT "}",
		HEAD AT "} x",
		HEAD AT ",}",
		HEAD AT,
	};

	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
		CHECK(agrees(taken[i]) == 1);
	for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++)
		CHECK(agrees(declined[i]) == 0);
}

/* Prices as jsonl_number writes them are read, and read as the same double. */
void
test_model_plain_reader_reads_numbers_as_written(void)
{
	unsigned long x = 12345, taken = 0;

	for (int i = 0; i < 20000; i++) {
		char num[JSONL_NUMBER_MAX], line[256];
		double d;
		int r;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		d = (double)(x >> 11) / (double)(1UL << 53) * 1000.0;	/* [0, 1000) */
		if (i % 2 == 0)
			d = (double)(long)(d * 1000) / 1000;	/* three decimals, as prices are */
		jsonl_number(num, d);
		snprintf(line, sizeof line, HEAD "\"input_price\":%s," AT "}", num);
		r = agrees(line);
		CHECK(r != -1);
		taken += r == 1;
	}
	CHECK(taken >= 10000);	/* every price of three decimals at least */
}
