/*
 * routeout: the shapes of afmts-route's answers.
 */
#include <math.h>
#include <string.h>

#include "jsonw.h"
#include "routeout.h"

int
routeout_format_named(const char *name)
{
	static const char *const names[] = { "jsonl", "json", "tsv", "env" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void
routeout_begin(struct routeout *o, FILE *f, enum routeout_format format)
{
	o->f = f;
	o->format = format;
	o->n = 0;
	if (format == ROUTEOUT_JSON)
		fputs("{\"candidates\":[", f);
	else if (format == ROUTEOUT_MODELS)
		fputs("{\"object\":\"list\",\"data\":[", f);
}

void
routeout_end(struct routeout *o)
{
	if (o->format == ROUTEOUT_JSON || o->format == ROUTEOUT_MODELS)
		fputs("]}\n", o->f);
}

void
routeout_shell_quote(FILE *f, const char *s)
{
	putc('\'', f);
	for (; *s != '\0'; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			putc(*s, f);
	putc('\'', f);
}

static void
candidate_json(FILE *f, const struct candidate *c)
{
	fputs("{\"type\":\"candidate\",\"rank\":", f);
	jsonw_num(f, c->rank);
	jsonw_key(f, "provider", 0);
	jsonw_str(f, c->provider);
	jsonw_key(f, "model", 0);
	jsonw_str(f, c->model);
	jsonw_key(f, "base_url", 0);
	jsonw_str(f, c->base_url);
	jsonw_key(f, "key_env", 0);
	if (*c->key_env != '\0')
		jsonw_str(f, c->key_env);
	else
		fputs("null", f);
	jsonw_key(f, "score", 0);
	jsonw_num(f, c->score);
	jsonw_key(f, "why", 0);
	jsonw_str(f, c->why);
	jsonw_key(f, "free", 0);
	fputs(c->free ? "true" : "false", f);
	jsonw_key(f, "context_length", 0);
	if (c->context_length >= 0)
		jsonw_num(f, (double)c->context_length);
	else
		fputs("null", f);
	jsonw_key(f, "state", 0);
	jsonw_str(f, c->usable ? health_name(c->health.state) :
	    c->budget.exhausted ? "out-of-budget" : health_name(c->health.state));
	putc('}', f);
}

/* An entry of the OpenAI model list, with our fields under "afmts". */
static void
model_json(FILE *f, const struct candidate *c)
{
	fputs("{\"id\":", f);
	jsonw_str(f, c->model);
	fputs(",\"object\":\"model\",\"created\":", f);
	jsonw_num(f, (double)c->first_seen);
	jsonw_key(f, "owned_by", 0);
	jsonw_str(f, c->provider);
	fputs(",\"afmts\":", f);
	candidate_json(f, c);
	putc('}', f);
}

/* NAME or NAME_k for the candidate of rank k. */
static void
env_var(FILE *f, const char *name, int rank, const char *value)
{
	if (rank == 1)
		fprintf(f, "AFMTS_%s=", name);
	else
		fprintf(f, "AFMTS_%s_%d=", name, rank);
	routeout_shell_quote(f, value);
	putc('\n', f);
}

int
routeout_candidate(const struct candidate *c, void *arg)
{
	struct routeout *o = arg;
	FILE *f = o->f;

	switch (o->format) {
	case ROUTEOUT_JSONL:
		candidate_json(f, c);
		putc('\n', f);
		break;
	case ROUTEOUT_JSON:
		if (o->n > 0)
			putc(',', f);
		candidate_json(f, c);
		break;
	case ROUTEOUT_MODELS:
		if (o->n > 0)
			putc(',', f);
		model_json(f, c);
		break;
	case ROUTEOUT_MODEL:
		if (o->n == 0) {
			model_json(f, c);
			putc('\n', f);
		}
		break;
	case ROUTEOUT_TSV:
		/* Catalog text holds no tab or newline (afmts-parse refuses them). */
		fprintf(f, "%d\t%s\t%s\t%s\t%s\t", c->rank, c->provider, c->model, c->base_url,
		    c->key_env);
		if (!isnan(c->score))
			fprintf(f, "%.15g", c->score);
		fprintf(f, "\t%s\n", c->why);
		break;
	case ROUTEOUT_ENV:
		env_var(f, "PROVIDER", c->rank, c->provider);
		env_var(f, "MODEL", c->rank, c->model);
		env_var(f, "BASE_URL", c->rank, c->base_url);
		env_var(f, "KEY_ENV", c->rank, c->key_env);
		break;
	}
	o->n++;
	return ferror(f) ? -1 : 0;
}
