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

/* The evidence every descriptor carries: its free rule and its free tier's data use. */
#define FACTS "\"free\":{\"rule\":\"all\",\"source\":\"https://x/terms\",\"checked\":\"2026-11-20\"}," \
	"\"data_use\":{\"trains_on_prompts\":false,\"source\":\"https://x/terms\",\"checked\":\"2026-11-20\"}"
#define BASE "\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/v1/models\""

void
test_registry_checks_names_and_descriptors(void)
{
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/v1/models\","
	    FACTS "}") == NULL);
	CHECK(check("{\"name\":\"x\",\"dialect\":\"openai\",\"models_url\":\"https://x/\","
	    "\"auth\":{\"header\":\"Authorization\",\"key_env\":\"X_KEY\"}," FACTS "}") == NULL);
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

/* Every fact names its source and the day it was checked: one missing, the descriptor is refused. */
void
test_registry_wants_evidence(void)
{
	const char *why;

	CHECK(check("{" BASE "," FACTS ",\"limits\":{\"rpm\":2,\"source\":\"https://x/l\","
	    "\"checked\":\"2026-01-31\"}}") == NULL);
	CHECK(check("{" BASE "," FACTS ",\"free\":{\"rule\":\"all\",\"basis\":\"local\","
	    "\"source\":\"http://x/\",\"checked\":\"2026-01-31\"}}") == NULL);
	/* No free rule, or one without its source, or its day. */
	CHECK((why = check("{" BASE ",\"data_use\":{\"trains_on_prompts\":true,"
	    "\"source\":\"https://x/\",\"checked\":\"2026-01-31\"}}")) != NULL &&
	    strstr(why, "\"free\"") != NULL);
	CHECK((why = check("{" BASE "," FACTS ",\"free\":{\"rule\":\"all\",\"checked\":\"2026-01-31\"}}"))
	    != NULL && strstr(why, "\"free\" needs \"source\"") != NULL);
	CHECK((why = check("{" BASE "," FACTS ",\"free\":{\"rule\":\"all\",\"source\":\"https://x/\"}}"))
	    != NULL && strstr(why, "\"free\" needs \"checked\"") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"free\":{\"rule\":\"all\",\"source\":\"https://x/\","
	    "\"checked\":\"2026-13-01\"}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"free\":{\"rule\":\"all\",\"source\":\"ftp://x/\","
	    "\"checked\":\"2026-01-01\"}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"free\":{\"rule\":\"all\",\"basis\":\"hope\","
	    "\"source\":\"https://x/\",\"checked\":\"2026-01-01\"}}") != NULL);
	/* Limits without their evidence; model_limits with no limits to vouch for them. */
	CHECK((why = check("{" BASE "," FACTS ",\"limits\":{\"rpm\":2}}")) != NULL &&
	    strstr(why, "\"limits\" needs \"source\"") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"limits\":{\"rpm\":2,\"source\":\"https://x/\"}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"model_limits\":{\"m\":{\"rpm\":1}}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"tier_limits\":{\"low\":{\"rpm\":1}}}") != NULL);
	/* Data use: missing, without evidence, or not true, false or "unknown". */
	CHECK(check("{" BASE ",\"free\":{\"rule\":\"all\",\"source\":\"https://x/\","
	    "\"checked\":\"2026-01-01\"}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"data_use\":{\"trains_on_prompts\":false}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"data_use\":{\"trains_on_prompts\":\"maybe\","
	    "\"source\":\"https://x/\",\"checked\":\"2026-01-01\"}}") != NULL);
	CHECK(check("{" BASE "," FACTS ",\"data_use\":{\"trains_on_prompts\":\"unknown\","
	    "\"source\":\"https://x/\",\"checked\":\"2026-01-01\"}}") == NULL);
}
