/* Unit tests of lib/discover/finish.c: dialect output to model records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "finish.h"
#include "unit.h"

static struct features *fs;
static struct family *fam;

static void
load_tables(void)
{
	char path[4096];
	const char *root = getenv("AFMTS_DATADIR") ? getenv("AFMTS_DATADIR") : ".";

	snprintf(path, sizeof path, "%s/parsers/features", root);
	if (fs == NULL)
		fs = features_load(path);
	snprintf(path, sizeof path, "%s/parsers/families", root);
	if (fam == NULL)
		fam = family_load(path);
}

/* Finish dialect output `m` (JSON text) under descriptor `d`; field `k` as compact JSON. */
static char *
finished(const char *d, const char *m, const char *k)
{
	static char out[512];
	const char *why = NULL;
	char buf[256];
	jv dj = jv_parse(d), r, v, s;
	struct finisher *f;

	load_tables();
	f = finish_new(dj, fs, fam, buf, sizeof buf, &why);
	jv_free(dj);
	if (f == NULL) {
		snprintf(out, sizeof out, "ERROR %s", why);
		return out;
	}
	r = finish_model(f, jv_parse(m), "2026-01-01T00:00:00Z");
	finish_free(f);
	if (!jv_is_valid(r)) {
		jv msg = jv_invalid_get_msg(r);

		snprintf(out, sizeof out, "INVALID %s", jv_string_value(msg));
		jv_free(msg);
		return out;
	}
	v = jv_object_get(r, jv_string(k));
	s = jv_dump_string(v, 0);
	snprintf(out, sizeof out, "%s", jv_string_value(s));
	jv_free(s);
	return out;
}

/* 1 when finishing dialect output `m` under descriptor `d` leaves member k out. */
static int
left_out(const char *d, const char *m, const char *k)
{
	const char *why = NULL;
	char buf[256];
	jv dj = jv_parse(d), r;
	struct finisher *f;
	int out;

	load_tables();
	f = finish_new(dj, fs, fam, buf, sizeof buf, &why);
	jv_free(dj);
	if (f == NULL)
		return 0;
	r = finish_model(f, jv_parse(m), "2026-01-01T00:00:00Z");
	finish_free(f);
	out = jv_get_kind(r) == JV_KIND_OBJECT && !jv_object_has(jv_copy(r), jv_string(k));
	jv_free(r);
	return out;
}

#define D_ALL "{\"name\":\"p\",\"base_url\":\"https://p/v1\",\"auth\":{\"key_env\":\"P_KEY\",\"header\":\"Authorization\"},\"free\":{\"rule\":\"all\",\"reason\":\"tier\"},\"limits\":{\"rpm\":10,\"tpm\":null},\"model_limits\":{\"m\":{\"rpd\":5}}}"
#define D_ZERO "{\"name\":\"p\",\"price_unit\":\"token\",\"free\":{\"rule\":\"zero_price\",\"variant_suffix\":\":free\"}}"
#define D_MATCH "{\"name\":\"p\",\"free\":{\"rule\":\"match\",\"pattern\":\"^(a|b)-\",\"exclude\":\"tts\"}}"

void
test_finish_scales_prices_and_counts(void)
{
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"m\",\"input_price\":\"0.000003\"}", "input_price"), "3") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"m\",\"input_price\":0.0000001}", "input_price"), "0.1") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"m\",\"input_price\":\"-1\"}", "input_price"), "null") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"m\",\"input_price\":\"abc\"}", "input_price"), "null") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"m\",\"input_price\":225,\"price_unit\":0.004}", "input_price"), "0.9") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"context_length\":\"8192\"}", "context_length"), "8192") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"context_length\":0}", "context_length"), "null") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"context_length\":-5}", "context_length"), "null") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"max_output_tokens\":100.7}", "max_output_tokens"), "100") == 0);
	CHECK(strncmp(finished("{\"name\":\"p\",\"price_unit\":\"cents\"}", "{\"model\":\"m\"}", "x"), "ERROR price_unit", 16) == 0);
}

void
test_finish_scales_sorts_and_drops_price_tiers(void)
{
	/* Per-token strings to per million, ascending, the later of two equal thresholds. */
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"m\",\"price_tiers\":["
	    "{\"min_prompt_tokens\":128000,\"input_price\":\"0.000004\",\"output_price\":\"0.00002\"},"
	    "{\"min_prompt_tokens\":\"32000\",\"input_price\":\"0.000001\",\"output_price\":0.000003},"
	    "{\"min_prompt_tokens\":128000,\"input_price\":\"0.000005\",\"output_price\":\"0.00002\"}]}",
	    "price_tiers"),
	    "[{\"min_prompt_tokens\":32000,\"input_price\":1,\"output_price\":3},"
	    "{\"min_prompt_tokens\":128000,\"input_price\":5,\"output_price\":20}]") == 0);
	/* A tier that cannot be priced (no threshold, a variable price) is left out. */
	CHECK(left_out(D_ZERO, "{\"model\":\"m\",\"price_tiers\":["
	    "{\"input_price\":\"1\",\"output_price\":\"1\"},"
	    "{\"min_prompt_tokens\":0,\"input_price\":\"1\",\"output_price\":\"1\"},"
	    "{\"min_prompt_tokens\":10,\"input_price\":\"-1\",\"output_price\":\"1\"}]}",
	    "price_tiers"));
	CHECK(left_out(D_ZERO, "{\"model\":\"m\",\"price_tiers\":\"none\"}", "price_tiers"));
	CHECK(left_out(D_ZERO, "{\"model\":\"m\"}", "price_tiers"));
}

void
test_finish_applies_each_free_rule(void)
{
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\"}", "free_reason"), "\"tier\"") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"x:free\",\"input_price\":\"0\",\"output_price\":0}", "free_reason"),
	    "\"free variant (:free suffix, price 0)\"") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"x\",\"input_price\":\"0\",\"output_price\":0}", "free_reason"),
	    "\"price 0\"") == 0);
	CHECK(strcmp(finished(D_ZERO, "{\"model\":\"x:free\",\"input_price\":\"0\"}", "free"), "false") == 0);
	CHECK(strcmp(finished(D_MATCH, "{\"model\":\"a-1\"}", "free"), "true") == 0);
	CHECK(strcmp(finished(D_MATCH, "{\"model\":\"a-tts\"}", "free"), "false") == 0);
	CHECK(strcmp(finished(D_MATCH, "{\"model\":\"c-1\"}", "free"), "false") == 0);
	CHECK(strcmp(finished("{\"name\":\"p\",\"free\":{\"rule\":\"dialect\"}}", "{\"model\":\"m\",\"free\":true}", "free"), "true") == 0);
	CHECK(strcmp(finished("{\"name\":\"p\",\"free\":{\"rule\":\"all\",\"require_output\":\"text\"}}",
	    "{\"model\":\"m\",\"modalities\":{\"input\":[\"text\"],\"output\":[\"image\"]}}", "free"), "false") == 0);
	CHECK(strcmp(finished("{\"name\":\"p\"}", "{\"model\":\"m\"}", "free"), "false") == 0);
	CHECK(strncmp(finished("{\"name\":\"p\",\"free\":{\"rule\":\"maybe\"}}", "{\"model\":\"m\"}", "free"), "ERROR free.rule", 15) == 0);
	CHECK(strncmp(finished("{\"name\":\"p\",\"free\":{\"rule\":\"match\",\"pattern\":\"(\"}}", "{\"model\":\"m\"}", "free"), "ERROR free.pattern", 18) == 0);
}

void
test_finish_merges_limits_features_and_fields(void)
{
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"limits\":{\"tpd\":7,\"rpm\":null}}", "limits"),
	    "{\"rpm\":10,\"rpd\":5,\"tpd\":7}") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"features\":[\"tool_choice\",\"tools\",\"top_k\",\"response_format\"],"
	    "\"modalities\":{\"input\":[\"text\",\"image\"],\"output\":[\"text\"]}}", "features"),
	    "[\"json_mode\",\"tools\",\"vision\"]") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"features\":{\"not\":\"a list\"}}", "features"), "[]") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"org/Qwen2.5-7B:free\"}", "family"), "\"qwen\"") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"family\":\"own\"}", "family"), "\"own\"") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\"}", "name"), "\"m\"") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\"}", "key_env"), "\"P_KEY\"") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\"}", "base_url"), "\"https://p/v1\"") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"extra\":{\"x\":1},\"other\":2}", "x"), "1") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\",\"extra\":{\"x\":1},\"other\":2}", "other"), "2") == 0);
	CHECK(strcmp(finished(D_ALL, "{\"model\":\"m\"}", "observed_at"), "\"2026-01-01T00:00:00Z\"") == 0);
	CHECK(strncmp(finished(D_ALL, "{\"name\":\"no id\"}", "x"), "INVALID", 7) == 0);
	CHECK(strncmp(finished(D_ALL, "[1]", "x"), "INVALID", 7) == 0);
}
