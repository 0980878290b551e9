/*
 * usage: validation of usage records in one pass over their fields.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "registry.h"
#include "usage.h"
#include "utctime.h"

/* A clean string of 1..max bytes, or NULL. */
static const char *
text(jv v, int max)
{
	int n;

	if (jv_get_kind(v) != JV_KIND_STRING)
		return NULL;
	n = jv_string_length_bytes(jv_copy(v));
	if (n < 1 || n > max || !model_clean_text(jv_string_value(v), n))
		return NULL;
	return jv_string_value(v);
}

/* A whole number in [0, max] into *out; -1 if not one. */
static int
whole(jv v, double max, int64_t *out)
{
	double d;

	if (jv_get_kind(v) != JV_KIND_NUMBER)
		return -1;
	d = jv_number_value(v);
	if (!isfinite(d) || d < 0 || d > max || d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

const char *
usage_check(jv u, struct usage *out)
{
	time_t t;

	memset(out, 0, sizeof *out);
	if (jv_get_kind(u) != JV_KIND_OBJECT)
		return "a usage record must be a JSON object";
	jv_object_foreach(u, key, val) {
		const char *k = jv_string_value(key), *why = NULL;

		if (strcmp(k, "ts") == 0) {
			if ((out->ts = text(val, 64)) == NULL || utctime_parse(out->ts, &t) == -1)
				why = "\"ts\" must be an RFC 3339 time";
			else if (utctime_format(t, out->tsz) == -1)
				why = "\"ts\" is out of range";
		} else if (strcmp(k, "provider") == 0) {
			if ((out->provider = text(val, 63)) == NULL || !registry_valid_name(out->provider))
				why = "\"provider\" must be a provider name";
		} else if (strcmp(k, "model") == 0) {
			if ((out->model = text(val, MODEL_MAX_ID)) == NULL)
				why = "\"model\" must be a string of 1 to 512 bytes without control characters";
		} else if (strcmp(k, "prompt_tokens") == 0) {
			if (whole(val, USAGE_MAX_TOKENS, &out->prompt_tokens) == -1)
				why = "\"prompt_tokens\" must be a whole number from 0 to 1e9";
		} else if (strcmp(k, "completion_tokens") == 0) {
			if (whole(val, USAGE_MAX_TOKENS, &out->completion_tokens) == -1)
				why = "\"completion_tokens\" must be a whole number from 0 to 1e9";
		} else if (strcmp(k, "latency_ms") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			out->has_latency = 1;
			if (whole(val, USAGE_MAX_LATENCY, &out->latency_ms) == -1)
				why = "\"latency_ms\" must be a whole number from 0 to 1e7";
		} else if (strcmp(k, "status") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			out->has_status = 1;
			if (whole(val, 599, &out->status) == -1)
				why = "\"status\" must be an HTTP status (0 when there was no response)";
		} else if (strcmp(k, "retry_after") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			out->has_retry_after = 1;
			if (whole(val, USAGE_MAX_RETRY_AFTER, &out->retry_after) == -1)
				why = "\"retry_after\" must be a whole number of seconds up to a week";
		} else if (strcmp(k, "cost") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			out->has_cost = 1;
			out->cost = jv_get_kind(val) == JV_KIND_NUMBER ? jv_number_value(val) : -1;
			if (!isfinite(out->cost) || out->cost < 0 || out->cost > 1e6)
				why = "\"cost\" must be a number of USD from 0 to 1e6";
		} else if (strcmp(k, "error") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			if ((out->error = text(val, USAGE_MAX_TEXT)) == NULL)
				why = "\"error\" must be a short string";
		} else if (strcmp(k, "client") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			if ((out->client = text(val, 128)) == NULL)
				why = "\"client\" must be a short string";
		} else if (strcmp(k, "request_id") == 0 && jv_get_kind(val) != JV_KIND_NULL) {
			if ((out->request_id = text(val, 128)) == NULL)
				why = "\"request_id\" must be a string of 1 to 128 bytes";
		}
		jv_free(key);
		jv_free(val);
		if (why != NULL)
			return why;
	}
	if (out->ts == NULL)
		return "\"ts\" must be an RFC 3339 time";
	if (out->provider == NULL)
		return "\"provider\" must be a provider name";
	if (out->model == NULL)
		return "\"model\" must be a string of 1 to 512 bytes without control characters";
	usagerow_digest(out);
	return NULL;
}
