/*
 * parse: fetch records through provider dialects into model records.
 *
 * Each fetch record is handled alone: its models are buffered (one response,
 * bounded by the line bound), checked, then written, so a failing provider
 * produces no half list.  Provider status is gathered across records (Gemini
 * pages come as several) and written at the end, in order of appearance.
 */
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "err.h"
#include "family.h"
#include "finish.h"
#include "htmltree.h"
#include "jsonl.h"
#include "model.h"
#include "names.h"
#include "paths.h"
#include "prefetch.h"
#include "parse.h"
#include "registry.h"
#include "utctime.h"

#define MAX_DIALECTS 64
#define MAX_PROVIDERS 256

struct parser {
	jv		 registry;	/* name -> descriptor */
	struct family	*families;	/* for models whose dialect names none */
	struct features	*features;	/* feature synonyms */
	struct {
		char		 name[64];
		struct finisher	*f;	/* NULL: descriptor unusable (reported) */
	}		 finishers[MAX_PROVIDERS];
	int		 nfinishers;
	jv		 only;		/* array of names, or null */
	size_t		 max_line;
	struct dialect	*dialects[MAX_DIALECTS];
	int		 ndialects;
	jv		 order;		/* provider names in order of appearance */
	jv		 status;	/* name -> provider record under construction */
	int		 problems;	/* anything reported */
	unsigned long	 records;	/* input records and documents seen */
};

struct parser *
parse_new(const char *providers_dir, const char *only, size_t max_line)
{
	struct parser *p;
	char *data = NULL, *path = NULL;
	int bad;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	p->max_line = max_line;
	p->order = jv_array();
	p->status = jv_object();
	p->only = jv_null();
	if ((data = paths_data_dir()) == NULL ||
	    (path = paths_join(data, "parsers/families")) == NULL ||
	    (p->families = family_load(path)) == NULL ||
	    (free(path), path = paths_join(data, "parsers/features")) == NULL ||
	    (p->features = features_load(path)) == NULL) {
		free(data);
		free(path);
		parse_free(p);
		return NULL;
	}
	free(data);
	free(path);
	p->registry = registry_load(providers_dir, &bad);
	if (!jv_is_valid(p->registry)) {
		parse_free(p);
		return NULL;
	}
	if (bad > 0)
		p->problems = 1;
	if (only != NULL) {
		jv_free(p->only);
		if (!jv_is_valid(p->only = registry_only(only))) {
			parse_free(p);
			return NULL;
		}
	}
	return p;
}

void
parse_free(struct parser *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->ndialects; i++)
		dialect_free(p->dialects[i]);
	for (int i = 0; i < p->nfinishers; i++)
		finish_free(p->finishers[i].f);
	family_free(p->families);
	features_free(p->features);
	jv_free(p->registry);
	jv_free(p->only);
	jv_free(p->order);
	jv_free(p->status);
	free(p);
}

/* The compiled dialect `name`, compiled on first use; NULL if it will not load. */
static struct dialect *
get_dialect(struct parser *p, const char *name)
{
	struct dialect *d;

	for (int i = 0; i < p->ndialects; i++)
		if (strcmp(dialect_name(p->dialects[i]), name) == 0)
			return p->dialects[i];
	if (p->ndialects == MAX_DIALECTS) {
		err_warn("more than %d dialects in one run", MAX_DIALECTS);
		return NULL;
	}
	if ((d = dialect_load(name)) == NULL)
		return NULL;
	p->dialects[p->ndialects++] = d;
	return d;
}

static int
wanted(struct parser *p, const char *provider)
{
	return registry_only_has(p->only, provider);
}

static void observed_time(jv meta, char buf[UTCTIME_LEN]);

/* The status record of provider, created on first sight. */
static jv
status_get(struct parser *p, const char *provider)
{
	jv s = jv_object_get(jv_copy(p->status), jv_string(provider));

	if (jv_is_valid(s))
		return s;
	jv_free(s);
	p->order = jv_array_append(p->order, jv_string(provider));
	s = jv_object();
	s = jv_object_set(s, jv_string("type"), jv_string("provider"));
	s = jv_object_set(s, jv_string("provider"), jv_string(provider));
	s = jv_object_set(s, jv_string("ok"), jv_true());
	s = jv_object_set(s, jv_string("models"), jv_number(0));
	return s;
}

static void
status_put(struct parser *p, const char *provider, jv s)
{
	p->status = jv_object_set(p->status, jv_string(provider), s);
}

/* Mark provider failed with error {kind, message}; the first error is kept. */
static void
status_fail(struct parser *p, const char *provider, const char *kind, const char *msg)
{
	jv s = status_get(p, provider), e;

	p->problems = 1;
	s = jv_object_set(s, jv_string("ok"), jv_false());
	e = jv_object_get(jv_copy(s), jv_string("error"));
	if (!jv_is_valid(e) || jv_get_kind(e) == JV_KIND_NULL) {
		jv err = jv_object();

		err = jv_object_set(err, jv_string("kind"), jv_string(kind));
		err = jv_object_set(err, jv_string("message"), jv_string(msg));
		s = jv_object_set(s, jv_string("error"), err);
	}
	jv_free(e);
	status_put(p, provider, s);
}

/* Add n written and skipped models, and the not_modified flag, to provider's status. */
static void
status_count(struct parser *p, const char *provider, int n, int skipped, int not_modified)
{
	jv s = status_get(p, provider);
	jv m = jv_object_get(jv_copy(s), jv_string("models"));
	jv nm = jv_object_get(jv_copy(s), jv_string("not_modified"));
	double total = jv_number_value(m) + n;

	s = jv_object_set(s, jv_string("models"), jv_number(total));
	/* Unchanged only if every response for it was: then nothing may be removed. */
	if (not_modified && jv_get_kind(nm) == JV_KIND_INVALID && total == 0)
		s = jv_object_set(s, jv_string("not_modified"), jv_true());
	else if (!not_modified && jv_get_kind(nm) != JV_KIND_INVALID)
		s = jv_object_delete(s, jv_string("not_modified"));
	if (skipped > 0) {
		jv k = jv_object_get(jv_copy(s), jv_string("skipped"));
		double was = jv_get_kind(k) == JV_KIND_NUMBER ? jv_number_value(k) : 0;

		jv_free(k);
		s = jv_object_set(s, jv_string("skipped"), jv_number(was + skipped));
		s = jv_object_set(s, jv_string("ok"), jv_false());
	}
	jv_free(m);
	jv_free(nm);
	status_put(p, provider, s);
}

/*
 * The finisher of descriptor d, made on first use.  NULL if the descriptor's
 * free rule or price unit is unusable: reported once, and its provider fails.
 */
static struct finisher *
get_finisher(struct parser *p, jv d, const char *provider)
{
	struct finisher *f;
	const char *why;
	char buf[256];

	for (int i = 0; i < p->nfinishers; i++)
		if (strcmp(p->finishers[i].name, provider) == 0)
			return p->finishers[i].f;
	f = finish_new(d, p->features, p->families, buf, sizeof buf, &why);
	if (f == NULL)
		err_warn("provider %s: bad descriptor: %s", provider, why);
	if (p->nfinishers < MAX_PROVIDERS) {
		snprintf(p->finishers[p->nfinishers].name, sizeof p->finishers[0].name, "%s", provider);
		p->finishers[p->nfinishers++].f = f;
	} else {
		finish_free(f);
		err_warn("more than %d providers in one run", MAX_PROVIDERS);
		f = NULL;
	}
	return f;
}

/*
 * Finish, check and write the models a dialect produced (consumed).
 * -1 on write error.
 */
static int
emit_models(struct parser *p, const char *where, const char *provider,
    const struct finisher *f, const char *observed_at, jv models, FILE *out)
{
	int n = jv_array_length(jv_copy(models)), written = 0, skipped = 0;

	for (int i = 0; i < n; i++) {
		jv m = finish_model(f, jv_array_get(jv_copy(models), i), observed_at);
		const char *why;

		if (!jv_is_valid(m)) {
			jv msg = jv_invalid_get_msg(m);

			err_warn("%s: provider %s: model %d skipped: %s", where, provider, i + 1,
			    jv_string_value(msg));
			jv_free(msg);
			p->problems = 1;
			skipped++;
			continue;
		}
		if ((why = model_check(m)) != NULL) {
			err_warn("%s: provider %s: model %d skipped: %s", where, provider, i + 1, why);
			p->problems = 1;
			skipped++;
			jv_free(m);
			continue;
		}
		if (jsonl_put(out, m) == -1) {
			jv_free(models);
			return -1;
		}
		written++;
	}
	jv_free(models);
	/* The response's records were made together: out they go, together. */
	if (fflush(out) == EOF)
		return -1;
	status_count(p, provider, written, skipped, 0);
	return 0;
}

/* Does this content type or text call for the XML parser rather than HTML's? */
static int
is_xml(const char *content_type, const char *text)
{
	if (content_type != NULL && strstr(content_type, "html") == NULL &&
	    strstr(content_type, "xml") != NULL)
		return 1;
	while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
		text++;
	return strncmp(text, "<?xml", 5) == 0 && (content_type == NULL ||
	    strstr(content_type, "html") == NULL);
}

/* Turn a markup string into a tree, or an invalid jv with a message. */
static jv
markup_tree(jv text, const char *content_type)
{
	const char *s = jv_string_value(text);
	jv tree = htmltree_parse(s, (size_t)jv_string_length_bytes(jv_copy(text)),
	    is_xml(content_type, s));

	jv_free(text);
	return tree;
}

/*
 * When the models of a response were observed: the fetch record's fetched_at
 * when it is an RFC 3339 time, else now.
 */
static void
observed_time(jv meta, char buf[UTCTIME_LEN])
{
	jv t = jv_object_get(jv_copy(meta), jv_string("fetched_at"));
	time_t when;

	if (jv_get_kind(t) != JV_KIND_STRING || utctime_parse(jv_string_value(t), &when) == -1)
		when = utctime_now();
	if (utctime_format(when, buf) == -1)
		(void)utctime_format(time(NULL), buf);
	jv_free(t);
}

/*
 * Run the dialect of descriptor d over body (consumed) for the fetch record
 * meta (consumed), and write the models.  Failures go to the provider status.
 */
static int
run_dialect(struct parser *p, const char *where, jv d, const char *dialect_override,
    jv meta, jv body, FILE *out)
{
	jv name = jv_object_get(jv_copy(d), jv_string("name"));
	jv dname = jv_object_get(jv_copy(d), jv_string("dialect"));
	const char *provider = jv_string_value(name);
	const char *dn = dialect_override ? dialect_override : jv_string_value(dname);
	struct dialect *dl;
	struct finisher *f;
	char observed[UTCTIME_LEN];
	jv input, models;
	int rc = 0;

	if ((f = get_finisher(p, d, provider)) == NULL) {
		status_fail(p, provider, "descriptor", "the descriptor's free rule or price unit is unusable");
		jv_free(meta);
		jv_free(body);
		goto done;
	}
	if ((dl = get_dialect(p, dn)) == NULL) {
		char msg[128];

		snprintf(msg, sizeof msg, "dialect %s cannot be loaded", dn);
		status_fail(p, provider, "parse", msg);
		jv_free(meta);
		jv_free(body);
		goto done;
	}
	observed_time(meta, observed);
	input = jv_object();
	input = jv_object_set(input, jv_string("provider"), jv_copy(d));
	input = jv_object_set(input, jv_string("fetch"), meta);
	input = jv_object_set(input, jv_string("body"), body);
	models = dialect_run(dl, input);
	if (!jv_is_valid(models)) {
		jv msg = jv_invalid_get_msg(models);
		char text[512];

		snprintf(text, sizeof text, "dialect %s: %s", dn, jv_string_value(msg));
		err_warn("%s: provider %s: %s", where, provider, text);
		status_fail(p, provider, "parse", text);
		jv_free(msg);
		goto done;
	}
	rc = emit_models(p, where, provider, f, observed, models, out);
done:
	jv_free(name);
	jv_free(dname);
	return rc;
}

/* A short description of why a fetch record carries no usable body, or NULL. */
static const char *
fetch_failure(jv line, char *buf, size_t n, const char **kind)
{
	jv err = jv_object_get(jv_copy(line), jv_string("error"));
	jv status = jv_object_get(jv_copy(line), jv_string("status"));
	const char *why = NULL;

	if (jv_get_kind(err) == JV_KIND_OBJECT) {
		jv k = jv_object_get(jv_copy(err), jv_string("kind"));
		jv m = jv_object_get(jv_copy(err), jv_string("message"));

		snprintf(buf, n, "%s", jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) :
		    "fetch failed");
		*kind = jv_get_kind(k) == JV_KIND_STRING && strcmp(jv_string_value(k), "http") == 0 ?
		    "http" : "fetch";
		why = buf;
		jv_free(k);
		jv_free(m);
	} else if (jv_get_kind(err) != JV_KIND_INVALID && jv_get_kind(err) != JV_KIND_NULL) {
		snprintf(buf, n, "fetch failed");
		*kind = "fetch";
		why = buf;
	} else if (jv_get_kind(status) == JV_KIND_NUMBER &&
	    (jv_number_value(status) < 200 || jv_number_value(status) > 299) &&
	    jv_number_value(status) != 304) {
		snprintf(buf, n, "HTTP status %d", (int)jv_number_value(status));
		*kind = "http";
		why = buf;
	}
	jv_free(err);
	jv_free(status);
	return why;
}

/* The fetch record's error object, copied into the status when it has one. */
static void
keep_fetch_error(struct parser *p, const char *provider, jv line)
{
	jv err = jv_object_get(jv_copy(line), jv_string("error"));
	jv s;

	if (jv_get_kind(err) == JV_KIND_OBJECT) {
		s = status_get(p, provider);
		s = jv_object_set(s, jv_string("error"), err);
		status_put(p, provider, s);
	} else {
		jv_free(err);
	}
}

/* Stamp provider's status with when it was observed (its first record's time). */
static void
note_observed(struct parser *p, const char *provider, jv line)
{
	jv s = status_get(p, provider);
	jv has = jv_object_get(jv_copy(s), jv_string("observed_at"));
	char when[UTCTIME_LEN];

	if (!jv_is_valid(has)) {
		observed_time(line, when);
		s = jv_object_set(s, jv_string("observed_at"), jv_string(when));
	}
	jv_free(has);
	status_put(p, provider, s);
}

/*
 * The response of fetch record line (borrowed): its JSON "body", or its
 * "body_text" as a tree (HTML, XML); invalid after saying why there is none.
 */
static jv
body_of(struct parser *p, const char *where, const char *provider, jv line)
{
	jv body = jv_object_get(jv_copy(line), jv_string("body"));
	jv text = jv_object_get(jv_copy(line), jv_string("body_text"));
	jv ctype = jv_object_get(jv_copy(line), jv_string("content_type"));

	if (!jv_is_valid(body) && jv_get_kind(text) == JV_KIND_STRING &&
	    jv_string_length_bytes(jv_copy(text)) == 0) {
		err_warn("%s: provider %s: empty response body", where, provider);
		status_fail(p, provider, "bad_body", "empty response body");
	} else if (!jv_is_valid(body) && jv_get_kind(text) == JV_KIND_STRING) {
		jv_free(body);
		body = markup_tree(jv_copy(text), jv_get_kind(ctype) == JV_KIND_STRING ?
		    jv_string_value(ctype) : NULL);
		if (!jv_is_valid(body)) {
			jv msg = jv_invalid_get_msg(body);

			err_warn("%s: provider %s: body_text: %s", where, provider,
			    jv_string_value(msg));
			status_fail(p, provider, "bad_body", jv_string_value(msg));
			jv_free(msg);
			body = jv_invalid();
		}
	} else if (!jv_is_valid(body)) {
		err_warn("%s: provider %s: fetch record has neither \"body\" nor \"body_text\"",
		    where, provider);
		status_fail(p, provider, "bad_body", "no body in the fetch record");
	}
	jv_free(text);
	jv_free(ctype);
	return body;
}

/* Handle one fetch record (consumed). */
static int
handle_fetch(struct parser *p, const char *where, jv line, FILE *out)
{
	jv type = jv_object_get(jv_copy(line), jv_string("type"));
	jv prov = jv_object_get(jv_copy(line), jv_string("provider"));
	jv d = jv_invalid(), body, nm, meta;
	const char *provider, *why, *kind = "fetch";
	char buf[512];
	int rc = 0;

	if (jv_get_kind(type) != JV_KIND_STRING || strcmp(jv_string_value(type), "fetch") != 0) {
		err_warn("%s: not a fetch record (\"type\" must be \"fetch\")", where);
		p->problems = 1;
		goto done;
	}
	if (jv_get_kind(prov) != JV_KIND_STRING || !names_provider_ok(jv_string_value(prov))) {
		err_warn("%s: fetch record without a valid \"provider\"", where);
		p->problems = 1;
		goto done;
	}
	provider = jv_string_value(prov);
	if (!wanted(p, provider))
		goto done;
	note_observed(p, provider, line);
	d = jv_object_get(jv_copy(p->registry), jv_string(provider));
	if (!jv_is_valid(d)) {
		err_warn("%s: unknown provider '%s' (no descriptor %s.json)", where, provider,
		    provider);
		status_fail(p, provider, "unknown_provider", "no descriptor for this provider");
		goto done;
	}
	if (jv_object_has(jv_copy(line), jv_string("retired"))) {
		/* A retired provider offers nothing: a complete observation of no model. */
		jv s = status_get(p, provider);

		s = jv_object_set(s, jv_string("retired"),
		    jv_object_get(jv_copy(line), jv_string("retired")));
		status_put(p, provider, s);
		goto done;
	}
	if ((why = fetch_failure(line, buf, sizeof buf, &kind)) != NULL) {
		err_warn("%s: provider %s: %s", where, provider, why);
		status_fail(p, provider, kind, why);
		keep_fetch_error(p, provider, line);
		goto done;
	}
	nm = jv_object_get(jv_copy(line), jv_string("not_modified"));
	if (jv_get_kind(nm) == JV_KIND_TRUE) {
		status_count(p, provider, 0, 0, 1);
		jv_free(nm);
		goto done;
	}
	jv_free(nm);
	body = body_of(p, where, provider, line);
	if (!jv_is_valid(body)) {
		jv_free(body);
		goto done;
	}
	meta = jv_object_delete(jv_object_delete(jv_copy(line), jv_string("body")),
	    jv_string("body_text"));
	rc = run_dialect(p, where, d, NULL, meta, body, out);
done:
	jv_free(type);
	jv_free(prov);
	jv_free(d);
	jv_free(line);
	return rc;
}

int
parse_fetch_stream(struct parser *p, FILE *in, const char *name, FILE *out)
{
	struct jsonl_reader *r;
	struct prefetch *pf;
	struct prefetch_item it;
	char where[300];
	jv line;
	int rc;

	if ((r = jsonl_open(in, name, p->max_line)) == NULL ||
	    (pf = prefetch_start(r, NULL)) == NULL) {
		err_warn("out of memory");
		jsonl_close(r);
		return -1;
	}
	/* The next lines are parsed in the reader thread while this one is worked on. */
	while ((rc = prefetch_next(pf, &it)) != 0) {
		if (rc == -2)
			break;
		line = it.v;
		p->records++;
		if (rc == -1) {
			p->problems = 1;
			continue;
		}
		snprintf(where, sizeof where, "%s:%lu", jsonl_name(r), it.line);
		if (jv_get_kind(line) != JV_KIND_OBJECT) {
			err_warn("%s: not a JSON object", where);
			p->problems = 1;
			jv_free(line);
			continue;
		}
		if (handle_fetch(p, where, line, out) == -1) {
			rc = -1;
			break;
		}
	}
	prefetch_stop(pf);
	jsonl_close(r);
	if (rc == -1)
		return -1;
	if (rc == -2)
		p->problems = 1;
	return p->problems ? 1 : 0;
}

/* Read all of in, up to max bytes, into a NUL-terminated buffer; NULL after reporting. */
static char *
read_all(FILE *in, size_t max, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1), *nb;

	if (buf == NULL)
		return NULL;
	while ((got = fread(buf + n, 1, cap - n, in)) > 0) {
		n += got;
		if (n > max) {
			err_warn("stdin: input larger than %zu bytes", max);
			free(buf);
			return NULL;
		}
		if (n == cap) {
			cap *= 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				err_warn("stdin: out of memory");
				free(buf);
				return NULL;
			}
			buf = nb;
		}
	}
	if (ferror(in)) {
		err_warn("stdin: read error");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The descriptor for raw mode: --provider, else the dialect's namesake, else a bare one. */
static jv
raw_descriptor(struct parser *p, const char *dialect, const char *provider)
{
	jv d = jv_object_get(jv_copy(p->registry), jv_string(provider ? provider : dialect));

	if (jv_is_valid(d) || provider != NULL) {
		if (!jv_is_valid(d))
			err_warn("--provider: unknown provider '%s'", provider);
		return d;
	}
	jv_free(d);
	d = jv_object();
	d = jv_object_set(d, jv_string("name"), jv_string(dialect));
	d = jv_object_set(d, jv_string("dialect"), jv_string(dialect));
	return d;
}

int
parse_raw(struct parser *p, FILE *in, const char *dialect, const char *provider, FILE *out)
{
	char *buf, now[UTCTIME_LEN] = "", where[64];
	const char *s;
	size_t len;
	jv d, meta, name;
	int rc = 0, count = 0;

	if (!names_provider_ok(dialect)) {
		err_warn("--dialect: '%s' is not a dialect name", dialect);
		return 1;
	}
	d = raw_descriptor(p, dialect, provider);
	if (!jv_is_valid(d))
		return 1;
	if ((buf = read_all(in, p->max_line, &len)) == NULL) {
		jv_free(d);
		return 1;
	}
	(void)utctime_format(utctime_now(), now);
	meta = jv_object_set(jv_object(), jv_string("fetched_at"), jv_string(now));
	name = jv_object_get(jv_copy(d), jv_string("name"));
	note_observed(p, jv_string_value(name), meta);
	for (s = buf; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
		continue;
	if (*s == '<') {
		jv tree;

		p->records++;
		tree = htmltree_parse(buf, len, is_xml(NULL, buf));
		if (!jv_is_valid(tree)) {
			jv msg = jv_invalid_get_msg(tree);

			err_warn("stdin: %s", jv_string_value(msg));
			status_fail(p, jv_string_value(name), "bad_body", jv_string_value(msg));
			jv_free(msg);
		} else {
			rc = run_dialect(p, "stdin", d, dialect, jv_copy(meta), tree, out);
		}
	} else {
		/* One or more JSON documents, such as pages of a paginated list. */
		jv_parser *jp = jv_parser_new(0);
		jv v;

		jv_parser_set_buf(jp, buf, (int)len, 0);
		while (jv_is_valid(v = jv_parser_next(jp))) {
			snprintf(where, sizeof where, "stdin: document %d", ++count);
			p->records++;
			if ((rc = run_dialect(p, where, d, dialect, jv_copy(meta), v, out)) == -1) {
				v = jv_invalid();
				break;
			}
		}
		if (jv_invalid_has_msg(jv_copy(v))) {
			jv msg = jv_invalid_get_msg(v);

			err_warn("stdin: malformed JSON: %s", jv_string_value(msg));
			status_fail(p, jv_string_value(name), "bad_json", jv_string_value(msg));
			jv_free(msg);
		} else {
			jv_free(v);
		}
		/* No response is not an empty list: nothing may be taken as removed. */
		if (count == 0)
			status_fail(p, jv_string_value(name), "bad_body", "no response on stdin");
		jv_parser_free(jp);
	}
	free(buf);
	jv_free(meta);
	jv_free(name);
	jv_free(d);
	if (rc == -1)
		return -1;
	return p->problems ? 1 : 0;
}

int
parse_finish(struct parser *p, FILE *out)
{
	int n = jv_array_length(jv_copy(p->order));

	/* No input at all is a failed run upstream, not "nothing changed". */
	if (p->records == 0) {
		err_warn("no input: nothing to parse");
		p->problems = 1;
	}

	for (int i = 0; i < n; i++) {
		jv name = jv_array_get(jv_copy(p->order), i);
		jv s = jv_object_get(jv_copy(p->status), name);

		if (jsonl_write(out, s) == -1)
			return -1;
	}
	return p->problems ? 1 : 0;
}
