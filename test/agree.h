/*
 * agree: what the unit tests and the fuzz harnesses compare when they check
 * that a plain reader (usage_scan, model_scan) reads a line as libjq and the
 * check functions do.  Included by test/unit/test_usage.c,
 * test/unit/test_modelscan.c and test/fuzz/jsonl.c; static inline, so that
 * each takes what it uses.
 */
#ifndef AFMTS_TEST_AGREE_H
#define AFMTS_TEST_AGREE_H

#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "jsonl.h"
#include "model.h"
#include "usagecheck.h"

static inline int
agree_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 when the two readings of a usage line are the same. */
static inline int
agree_usage(const struct usage *a, const struct usage *b)
{
	return agree_text(a->ts, b->ts) && strcmp(a->tsz, b->tsz) == 0 && a->t == b->t &&
	    agree_text(a->provider, b->provider) && agree_text(a->model, b->model) &&
	    agree_text(a->error, b->error) && agree_text(a->client, b->client) &&
	    agree_text(a->request_id, b->request_id) &&
	    a->prompt_tokens == b->prompt_tokens && a->completion_tokens == b->completion_tokens &&
	    a->has_latency == b->has_latency && a->latency_ms == b->latency_ms &&
	    a->has_status == b->has_status && a->status == b->status &&
	    a->has_retry_after == b->has_retry_after && a->retry_after == b->retry_after &&
	    a->has_cost == b->has_cost && (!a->has_cost || a->cost == b->cost) &&
	    a->estimated == b->estimated && a->cached == b->cached && a->dedupe == b->dedupe;
}

/* 1 when value x (borrowed) of the libjq path is what the plain reader saw as v. */
static inline int
agree_value(jv x, const struct model_value *v)
{
	char *text;
	int ok;

	switch (jv_get_kind(x)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		return v->kind == MV_ABSENT;
	case JV_KIND_STRING:
		return v->kind == MV_STRING && jv_string_length_bytes(jv_copy(x)) == v->len &&
		    memcmp(jv_string_value(x), v->s, (size_t)v->len) == 0;
	case JV_KIND_NUMBER:
		return v->kind == MV_NUMBER && jv_number_value(x) == v->d;
	case JV_KIND_TRUE:
		return v->kind == MV_TRUE;
	case JV_KIND_FALSE:
		return v->kind == MV_FALSE;
	default:
		text = jsonl_text(jv_copy(x), NULL);
		ok = v->kind == MV_OTHER && text != NULL && strlen(text) == (size_t)v->len &&
		    memcmp(text, v->s, (size_t)v->len) == 0;
		free(text);
		return ok;
	}
}

#endif
