/*
 * Unit tests of lib/route/route.c's constraint table.  The file is included: the
 * table and constraints() are its own.  test/route-filters.bats asks each
 * row's request of generated catalogs, from the snapshot and from SQLite.
 */
#include "../../lib/route/route.c"

#include "form.h"
#include "unit.h"

static const char *
take(const char *name, const char *value, void *arg)
{
	return route_param(arg, name, value);
}

/* The constraints of request (a query string) into b: 0, or -1 if it is refused. */
static int
constrain(const char *request, struct route_query *q, struct sqlq *b)
{
	char text[2048], bad[64];

	snprintf(text, sizeof text, "%s", request);
	route_query_init(q, 0);
	memset(b, 0, sizeof *b);
	if (form_parse(text, take, q, bad, sizeof bad) != NULL)
		return -1;
	constraints(b, q);
	return 0;
}

/* Every ?N of b's SQL is a bound parameter, every bound parameter used, no ?1/?2/?* left. */
static int
numbered(const struct sqlq *b)
{
	int top = 0;

	for (int i = 0; i < b->nc; i++)
		for (const char *t = strchr(b->c[i].sql, '?'); t != NULL; t = strchr(t + 1, '?')) {
			char *end;
			long n = strtol(t + 1, &end, 10);

			if (end == t + 1 || n < 1 || n > b->np)
				return 0;
			top = n > top ? (int)n : top;
		}
	return top == b->np;
}

void
test_route_rules_make_each_kind_from_its_request(void)
{
	struct route_query q;
	struct sqlq b;

	for (int k = 0; k < C_NKINDS; k++) {
		const struct cond_rule *r = &cond_rules[k];
		int made = 0;

		CHECK(r->request != NULL && r->sql != NULL && r->fits != NULL);
		if (r->request == NULL || constrain(r->request, &q, &b) == -1) {
			CHECK(!"a rule's request is a good request");
			continue;
		}
		for (int i = 0; i < b.nc; i++)
			made |= b.c[i].kind == (enum cond_kind)k;
		CHECK(made);
		CHECK(numbered(&b));
	}
}

void
test_route_the_longest_request_keeps_to_its_bounds(void)
{
	char request[1024] = "model=x&family=llama&min_context=5&max_price=1&prompt_tokens=7";
	static const char *const lists[4] = { "need", "modality", "provider", "exclude_provider" };
	struct route_query q;
	struct sqlq b;

	for (int l = 0; l < 4; l++)
		for (int i = 0; i < ROUTE_MAX_TERMS; i++)
			snprintf(request + strlen(request), sizeof request - strlen(request),
			    "&%s=w%d", lists[l], i);
	CHECK(constrain(request, &q, &b) == 0);
	CHECK(b.nc <= MAX_CONDS && b.np == MAX_PARAMS);
	CHECK(numbered(&b));
	CHECK(b.c[0].kind == C_MAX_PRICE_AT && b.c[0].arg[1].d == 7);
}
