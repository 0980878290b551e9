/*
 * routeout: candidates on a stream, as JSON lines, one JSON document, tab
 * separated values or shell assignments for eval; and the OpenAI model list.
 */
#ifndef AFMTS_ROUTEOUT_H
#define AFMTS_ROUTEOUT_H

#include <stdio.h>

#include "route.h"

/* ROUTEOUT_MODELS: OpenAI's model list; ROUTEOUT_MODEL: one model object of it. */
enum routeout_format {
	ROUTEOUT_JSONL, ROUTEOUT_JSON, ROUTEOUT_TSV, ROUTEOUT_ENV, ROUTEOUT_MODELS, ROUTEOUT_MODEL
};

/* The format called name ("jsonl", "json", "tsv", "env"), or -1. */
int routeout_format_named(const char *name);

struct routeout {
	FILE			*f;
	enum routeout_format	 format;
	int			 n;	/* candidates written */
};

/* Opening text of the format (JSON documents), then route_emit callbacks. */
void routeout_begin(struct routeout *o, FILE *f, enum routeout_format format);
int routeout_candidate(const struct candidate *c, void *arg);
void routeout_end(struct routeout *o);

/* s single-quoted for a POSIX shell. */
void routeout_shell_quote(FILE *f, const char *s);

#endif
