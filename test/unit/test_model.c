/* Unit tests of lib/discover/model.c: what a model record may hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "unit.h"

static const char good[] =
    "{\"type\":\"model\",\"provider\":\"groq\",\"model\":\"llama-3.1-8b-instant\","
    "\"name\":\"Llama\",\"family\":\"llama\",\"context_length\":131072,"
    "\"max_output_tokens\":8192,\"input_price\":0.05,\"output_price\":null,"
    "\"free\":true,\"free_reason\":\"tier\",\"modalities\":{\"input\":[\"text\"],"
    "\"output\":[\"text\"]},\"features\":[\"tools\"],\"limits\":{\"rpm\":30},"
    "\"base_url\":\"https://api.groq.com/openai/v1\",\"observed_at\":\"2026-11-23T00:00:00Z\"}";

/* The good record with field set to the JSON text value. */
static const char *
check_with(const char *field, const char *value)
{
	jv m = jv_parse(good);
	const char *why;

	m = jv_object_set(m, jv_string(field), jv_parse(value));
	why = model_check(m);
	jv_free(m);
	return why;
}

void
test_model_accepts_a_good_record(void)
{
	jv m = jv_parse(good);

	CHECK(model_check(m) == NULL);
	jv_free(m);
	CHECK(check_with("name", "null") == NULL);
	CHECK(check_with("context_length", "null") == NULL);
	CHECK(check_with("free", "false") == NULL);
	CHECK(check_with("extra_field", "{\"anything\":[1]}") == NULL);
	CHECK(check_with("price_tiers", "null") == NULL);
	CHECK(check_with("price_tiers", "[{\"min_prompt_tokens\":32000,\"input_price\":2,"
	    "\"output_price\":4},{\"min_prompt_tokens\":128000,\"input_price\":0,\"output_price\":8}]") == NULL);
}

/* Tiers are bounded, whole, ascending, and hold nothing but their three numbers. */
void
test_model_checks_price_tiers(void)
{
	static const char *const bad[] = {
		"[]", "{}", "[null]", "[1]",
		"[{\"min_prompt_tokens\":0,\"input_price\":1,\"output_price\":1}]",
		"[{\"min_prompt_tokens\":1.5,\"input_price\":1,\"output_price\":1}]",
		"[{\"min_prompt_tokens\":1e9,\"input_price\":1,\"output_price\":1}]",
		"[{\"min_prompt_tokens\":\"32000\",\"input_price\":1,\"output_price\":1}]",
		"[{\"min_prompt_tokens\":100,\"input_price\":-1,\"output_price\":1}]",
		"[{\"min_prompt_tokens\":100,\"input_price\":null,\"output_price\":1}]",
		"[{\"min_prompt_tokens\":100,\"input_price\":1}]",
		"[{\"min_prompt_tokens\":100,\"input_price\":1,\"output_price\":1,\"x\":1}]",
		"[{\"min_prompt_tokens\":100,\"input_price\":1,\"output_price\":1},"
		    "{\"min_prompt_tokens\":100,\"input_price\":2,\"output_price\":2}]",
		"[{\"min_prompt_tokens\":200,\"input_price\":1,\"output_price\":1},"
		    "{\"min_prompt_tokens\":100,\"input_price\":2,\"output_price\":2}]",
	};
	char many[1024];
	size_t len = 0;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(check_with("price_tiers", bad[i]) != NULL);
	len += (size_t)snprintf(many, sizeof many, "[");
	for (int i = 1; i <= MODEL_MAX_TIERS + 1; i++)
		len += (size_t)snprintf(many + len, sizeof many - len, "%s{\"min_prompt_tokens\":%d,"
		    "\"input_price\":1,\"output_price\":1}", i > 1 ? "," : "", i);
	snprintf(many + len, sizeof many - len, "]");
	CHECK(check_with("price_tiers", many) != NULL);
}

void
test_model_rejects_each_bad_field(void)
{
	char *big = malloc(MODEL_MAX_ID + 8);

	CHECK(check_with("provider", "\"Bad Name\"") != NULL);
	CHECK(check_with("model", "\"\"") != NULL);
	CHECK(check_with("model", "42") != NULL);
	CHECK(check_with("model", "\"a\\nb\"") != NULL);
	snprintf(big, MODEL_MAX_ID + 8, "\"%0*d\"", MODEL_MAX_ID + 1, 0);
	CHECK(check_with("model", big) != NULL);
	CHECK(check_with("context_length", "-1") != NULL);
	CHECK(check_with("context_length", "1.5") != NULL);
	CHECK(check_with("context_length", "\"131072\"") != NULL);
	CHECK(check_with("input_price", "1e308") != NULL);
	CHECK(check_with("input_price", "-0.5") != NULL);
	CHECK(check_with("free", "\"yes\"") != NULL);
	CHECK(check_with("features", "[1]") != NULL);
	CHECK(check_with("modalities", "{\"input\":\"text\"}") != NULL);
	CHECK(check_with("limits", "{\"rpm\":-3}") != NULL);
	/* limits.learned names one window the account's answer gave. */
	CHECK(check_with("limits", "{\"rpd\":1000,\"learned\":\"rpd\"}") == NULL);
	CHECK(check_with("limits", "{\"rpd\":1000,\"learned\":\"day\"}") != NULL);
	CHECK(check_with("limits", "{\"rpd\":1000,\"learned\":[\"rpd\"]}") != NULL);
	CHECK(check_with("limits", "{\"rpd\":1000,\"learned\":\"rpdx\"}") != NULL);
	CHECK(check_with("observed_at", "\"yesterday\"") != NULL);
	free(big);
}
