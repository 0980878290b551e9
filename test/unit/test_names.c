/*
 * Unit tests of lib/core/names.c: the rules both halves share, and the writers of
 * usage (a usage line's check, an outcome) taking exactly the names the rule
 * takes.
 */
#include <stdio.h>
#include <string.h>

#include <jv.h>

#include "names.h"
#include "unit.h"
#include "usage.h"
#include "usagecheck.h"

#define LONGEST "a23456789012345678901234567890123456789012345678901234567890123"

static const struct {
	const char	*name;
	int		 ok;
} providers[] = {
	{ "openrouter", 1 }, { "github-models", 1 }, { "a.b_c-9", 1 }, { "foo.bar", 1 },
	{ "0x", 1 }, { LONGEST, 1 }, { LONGEST "4", 0 }, { "", 0 }, { "-x", 0 },
	{ ".x", 0 }, { "_x", 0 }, { "Groq", 0 }, { "../etc", 0 }, { "a/b", 0 },
	{ "a:b", 0 }, { "a b", 0 }, { "a,b", 0 },
};

#define NPROVIDERS (sizeof providers / sizeof providers[0])

void
test_names_provider_rule(void)
{
	for (size_t i = 0; i < NPROVIDERS; i++)
		CHECK(names_provider_ok(providers[i].name) == providers[i].ok);
}

/* 1 if a usage line naming provider passes usage_check. */
static int
line_takes(const char *provider)
{
	char line[256];
	struct usage u;
	jv v;
	int ok;

	snprintf(line, sizeof line, "{\"type\":\"usage\",\"ts\":\"2025-05-23T10:00:00Z\","
	    "\"provider\":\"%s\",\"model\":\"m\",\"prompt_tokens\":1,\"completion_tokens\":2}",
	    provider);
	v = jv_parse(line);
	ok = usage_check(v, &u) == NULL;
	jv_free(v);
	return ok;
}

void
test_names_usage_lines_and_outcomes_take_the_same_providers(void)
{
	for (size_t i = 0; i < NPROVIDERS; i++) {
		struct outcome o;
		const char *why;

		outcome_init(&o, 0);
		why = outcome_param(&o, "provider", providers[i].name);
		CHECK((why == NULL) == providers[i].ok);
		CHECK(line_takes(providers[i].name) == providers[i].ok);
	}
}

void
test_names_clean_text_has_no_control_characters(void)
{
	static const char name[] = "llama-3.3-70b (free) \xc3\xa9";

	CHECK(names_clean_text(name, sizeof name - 1));
	CHECK(names_clean_text("", 0));
	CHECK(!names_clean_text("a\tb", 3));
	CHECK(!names_clean_text("a\nb", 3));
	CHECK(!names_clean_text("a\x7f", 2));
	CHECK(!names_clean_text("a\0b", 3));
	CHECK(names_clean_text("a\0b", 1));
}
