/* Unit tests of lib/discover/registry.c: descriptor checks. */
#include <string.h>

#include "registry.h"
#include "unit.h"

static const char *
check(const char *text)
{
	jv d = jv_parse(text);
	const char *why = registry_check(d);

	jv_free(d);
	return why;
}

void
test_registry_checks_names_and_descriptors(void)
{
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/v1/models\"}")
	    == NULL);
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/\","
	    "\"auth\":{\"header\":\"Authorization\",\"key_env\":\"X_KEY\"}}") == NULL);
	CHECK(check("[]") != NULL);
	CHECK(check("{\"dialect\":\"openai\",\"models_url\":\"https://x/\"}") != NULL);
	CHECK(check("{\"name\":\"x\",\"dialect\":\"../../bin/sh\",\"models_url\":\"https://x/\"}")
	    != NULL);
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"file:///etc/passwd\"}")
	    != NULL);
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/\","
	    "\"auth\":{\"header\":\"Authorization\",\"key_env\":\"$(rm -rf)\"}}") != NULL);
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/\","
	    "\"auth\":{\"header\":\"Bad Header:\",\"key_env\":\"K\"}}") != NULL);
}
