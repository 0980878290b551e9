/*
 * chatreq: a chat completion request, its policy and its requirements.
 */
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "chatreq.h"

#define CHARS_A_TOKEN 4
#define TOKENS_A_MESSAGE 8

static int
has_type(jv v, const char *type)
{
	return jv_get_kind(v) == JV_KIND_STRING && strcmp(jv_string_value(v), type) == 0;
}

/* Characters of a message's content, and whether it holds an image part. */
static double
content_size(jv content, int *image)
{
	double n = 0;

	if (jv_get_kind(content) == JV_KIND_STRING)
		return jv_string_length_bytes(jv_copy(content));
	if (jv_get_kind(content) != JV_KIND_ARRAY)
		return 0;
	jv_array_foreach(content, i, part) {
		/* A part that is not an object ("content": ["hi"]) holds nothing we count. */
		int obj = jv_get_kind(part) == JV_KIND_OBJECT;
		jv type = obj ? jv_object_get(jv_copy(part), jv_string("type")) : jv_null();
		jv text = obj ? jv_object_get(jv_copy(part), jv_string("text")) : jv_null();

		if (has_type(type, "image_url") || has_type(type, "input_image"))
			*image = 1;
		if (jv_get_kind(text) == JV_KIND_STRING)
			n += jv_string_length_bytes(jv_copy(text));
		jv_free(type);
		jv_free(text);
		jv_free(part);
		(void)i;
	}
	return n;
}

static double
number_field(jv o, const char *name)
{
	jv v = jv_object_get(jv_copy(o), jv_string(name));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return d > 0 && d < 1e9 ? d : 0;
}

/* The policy named by "model". */
static const char *
policy(struct chatreq *r, jv model)
{
	const char *m, *name;

	/* jq 1.6: a missing key is invalid, not null. */
	if (jv_get_kind(model) == JV_KIND_NULL || jv_get_kind(model) == JV_KIND_INVALID)
		return NULL;
	if (jv_get_kind(model) != JV_KIND_STRING)
		return "model must be a string";
	m = jv_string_value(model);
	if (strlen(m) != (size_t)jv_string_length_bytes(jv_copy(model)))
		return "model must be a string without NUL";
	if (strncmp(m, "afmts/", 6) != 0)
		return route_param(&r->q, "model", m);
	name = m + 6;
	if (strcmp(name, "auto") == 0)
		return NULL;
	if (route_strategy_named(name) != -1)
		return route_param(&r->q, "strategy", name);
	if (strcmp(name, "no-train") == 0)
		return route_param(&r->q, "no_train", "1");
	if (route_param(&r->q, "need", name) != NULL)
		return "model: afmts/auto, afmts/STRATEGY, afmts/FEATURE, afmts/no-train or a catalog id";
	return NULL;
}

/* The characters of a legacy completion's prompt: a string or strings. */
static const char *
prompt_size(jv prompt, double *chars)
{
	if (jv_get_kind(prompt) == JV_KIND_STRING) {
		*chars = jv_string_length_bytes(jv_copy(prompt));
		return NULL;
	}
	if (jv_get_kind(prompt) != JV_KIND_ARRAY || jv_array_length(jv_copy(prompt)) == 0)
		return "prompt must be a string or an array of strings";
	jv_array_foreach(prompt, i, p) {
		if (jv_get_kind(p) == JV_KIND_STRING)
			*chars += jv_string_length_bytes(jv_copy(p));
		jv_free(p);
		(void)i;
	}
	return NULL;
}

static const char *
requirements(struct chatreq *r)
{
	jv messages = jv_object_get(jv_copy(r->body), jv_string(r->completion ? "prompt" :
	    "messages"));
	jv tools = jv_object_get(jv_copy(r->body), jv_string("tools"));
	jv format = jv_object_get(jv_copy(r->body), jv_string("response_format"));
	jv ftype = jv_get_kind(format) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(format), jv_string("type")) : jv_null();
	const char *why = NULL;
	double chars = 0, tokens;
	int image = 0, n = 0;

	if (r->completion)
		why = prompt_size(messages, &chars);
	else if (jv_get_kind(messages) != JV_KIND_ARRAY || jv_array_length(jv_copy(messages)) == 0)
		why = "messages must be a non-empty array";
	else {
		jv_array_foreach(messages, i, msg) {
			jv content = jv_get_kind(msg) == JV_KIND_OBJECT ?
			    jv_object_get(jv_copy(msg), jv_string("content")) : jv_null();

			chars += content_size(content, &image);
			n++;
			jv_free(content);
			jv_free(msg);
			(void)i;
		}
	}
	if (why == NULL && jv_get_kind(tools) == JV_KIND_ARRAY && jv_array_length(jv_copy(tools)) > 0)
		why = route_param(&r->q, "need", "tools");
	if (why == NULL && image)
		why = route_param(&r->q, "need", "vision");
	if (why == NULL && (has_type(ftype, "json_object") || has_type(ftype, "json_schema")))
		why = route_param(&r->q, "need", "json_mode");
	tokens = chars / CHARS_A_TOKEN + n * TOKENS_A_MESSAGE +
	    number_field(r->body, "max_tokens") + number_field(r->body, "max_completion_tokens");
	if (why == NULL && tokens > r->q.min_context)
		r->q.min_context = (long long)tokens;
	/* The prompt alone decides the price tier a request reaches. */
	r->q.prompt_tokens = (long long)(chars / CHARS_A_TOKEN + n * TOKENS_A_MESSAGE);
	jv_free(messages);
	jv_free(tools);
	jv_free(format);
	jv_free(ftype);
	return why;
}

static const char *
fallback_list(struct chatreq *r)
{
	jv list = jv_object_get(jv_copy(r->body), jv_string("afmts_fallback"));
	const char *why = NULL;

	if (jv_get_kind(list) == JV_KIND_NULL || jv_get_kind(list) == JV_KIND_INVALID) {
		jv_free(list);
		return NULL;
	}
	if (jv_get_kind(list) != JV_KIND_ARRAY || jv_array_length(jv_copy(list)) == 0 ||
	    jv_array_length(jv_copy(list)) > CHATREQ_MAX_FALLBACK) {
		jv_free(list);
		return "afmts_fallback must be an array of 1 to 8 model ids";
	}
	jv_array_foreach(list, i, id) {
		/* A NUL inside ("m\u0000x") would make the id we use shorter than the one checked. */
		if (jv_get_kind(id) != JV_KIND_STRING || jv_string_length_bytes(jv_copy(id)) == 0 ||
		    jv_string_length_bytes(jv_copy(id)) > 512 ||
		    strlen(jv_string_value(id)) != (size_t)jv_string_length_bytes(jv_copy(id)))
			why = "afmts_fallback must be an array of 1 to 8 model ids";
		else
			/* The string lives in body, which outlives r's use of it. */
			r->fallback[r->nfallback++] = jv_string_value(id);
		jv_free(id);
		(void)i;
	}
	jv_free(list);
	return why;
}

/* "afmts_wait_ms": how long the request may wait for a model that is busy now. */
static const char *
wait_ms(struct chatreq *r)
{
	jv w = jv_object_get(jv_copy(r->body), jv_string("afmts_wait_ms"));
	const char *why = NULL;

	r->wait_ms = -1;
	if (jv_get_kind(w) == JV_KIND_NUMBER && jv_number_value(w) >= 0 &&
	    jv_number_value(w) <= CHATREQ_MAX_WAIT_MS)
		r->wait_ms = (long)jv_number_value(w);
	else if (jv_get_kind(w) != JV_KIND_NULL && jv_get_kind(w) != JV_KIND_INVALID)
		why = "afmts_wait_ms must be a number of milliseconds from 0 to 600000";
	jv_free(w);
	return why;
}

/* "afmts_cache": whether the request goes through the answer cache (cache.h). */
static const char *
cache_flag(struct chatreq *r)
{
	jv c = jv_object_get(jv_copy(r->body), jv_string("afmts_cache"));
	jv_kind k = jv_get_kind(c);

	jv_free(c);
	r->cache = k == JV_KIND_TRUE ? 1 : k == JV_KIND_FALSE ? 0 : -1;
	return r->cache >= 0 || k == JV_KIND_NULL || k == JV_KIND_INVALID ? NULL :
	    "afmts_cache must be true or false";
}

/* body (borrowed) asks for stream usage: "stream_options": {"include_usage": true}. */
static int
asks_usage(jv body)
{
	jv so = jv_object_get(jv_copy(body), jv_string("stream_options"));
	jv iu = jv_get_kind(so) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(so), jv_string("include_usage")) : jv_null();
	int yes = jv_get_kind(iu) == JV_KIND_TRUE;

	jv_free(so);
	jv_free(iu);
	return yes;
}

const char *
chatreq_parse(struct chatreq *r, const char *text, size_t len, time_t now, int completion)
{
	const char *why;
	jv stream, model;

	memset(r, 0, sizeof *r);
	r->completion = completion;
	route_query_init(&r->q, now);
	r->body = jv_parse_sized(text, (int)len);
	if (!jv_is_valid(r->body)) {
		jv_free(r->body);
		r->body = jv_invalid();
		return "the body is not JSON";
	}
	if (jv_get_kind(r->body) != JV_KIND_OBJECT) {
		chatreq_free(r);
		return "the body must be a JSON object";
	}
	stream = jv_object_get(jv_copy(r->body), jv_string("stream"));
	r->stream = jv_get_kind(stream) == JV_KIND_TRUE;
	jv_free(stream);
	r->include_usage = asks_usage(r->body);
	model = jv_object_get(jv_copy(r->body), jv_string("model"));
	why = policy(r, model);
	jv_free(model);
	if (why == NULL)
		why = requirements(r);
	if (why == NULL)
		why = fallback_list(r);
	if (why == NULL)
		why = wait_ms(r);
	if (why == NULL)
		why = cache_flag(r);
	if (why != NULL)
		chatreq_free(r);
	return why;
}

char *
chatreq_body_for(const struct chatreq *r, const char *model)
{
	jv b = jv_object_delete(jv_object_delete(jv_object_delete(jv_copy(r->body),
	    jv_string("afmts_fallback")), jv_string("afmts_wait_ms")), jv_string("afmts_cache"));
	jv text;
	char *s;

	b = jv_object_set(b, jv_string("model"), jv_string(model));
	if (r->stream) {
		jv so = jv_object_get(jv_copy(b), jv_string("stream_options"));

		if (jv_get_kind(so) != JV_KIND_OBJECT) {
			jv_free(so);
			so = jv_object();
		}
		so = jv_object_set(so, jv_string("include_usage"), jv_true());
		b = jv_object_set(b, jv_string("stream_options"), so);
	}
	text = jv_dump_string(b, 0);
	s = strdup(jv_string_value(text));
	jv_free(text);
	return s;
}

void
chatreq_free(struct chatreq *r)
{
	jv_free(r->body);
	r->body = jv_invalid();
	r->nfallback = 0;
}
