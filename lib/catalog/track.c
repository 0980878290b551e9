/*
 * track: change detection against the catalog, in one transaction.
 *
 * Model records are applied as they come; which models each provider showed
 * in this run is kept in a temporary table.  Provider records are kept until
 * the end of input: only then is it known which models a completely observed
 * provider no longer lists.  Nothing is written for a record that changes
 * nothing, so replaying the same input writes no row at all.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "jsonl.h"
#include "model.h"
#include "modelscan.h"
#include "names.h"
#include "prefetch.h"
#include "strset.h"
#include "routesnap.h"
#include "track.h"
#include "usage.h"
#include "usagecheck.h"
#include "utctime.h"

enum stmt {
	S_GET_MODEL, S_INSERT_MODEL, S_UPDATE_MODEL, S_TOUCH_MODEL, S_REMOVE_MODEL,
	S_INSERT_CHANGE, S_INSERT_RUN, S_UPDATE_RUN, S_GONE,
	S_COUNT_PRESENT, S_GET_PROVIDER, S_INSERT_PROVIDER, S_PROVIDER_META, S_PROVIDER_OK, S_PROVIDER_FAIL,
	S_PROVIDER_RUN, S_PROVIDER_RETIRE, S_PROVIDER_BACK, S_INSERT_USAGE, S_FORGET_LEARNED, S_LEARNED_LIMITS,
	S_COUNT
};

/* The record's (?16) evidence columns, as migration 010 fills them. */
#define EVIDENCE_VALUES "json_extract(?16, '$.free_basis'), json_extract(?16, '$.free_checked'), " \
	"CASE json_type(?16, '$.trains_on_prompts') WHEN 'true' THEN 'true' WHEN 'false' THEN " \
	"'false' WHEN 'text' THEN json_extract(?16, '$.trains_on_prompts') END"

static const char *const sql[S_COUNT] = {
	[S_GET_MODEL] = "SELECT present, free, input_price, output_price, context_length, "
	    "record, last_seen, price_tiers FROM models WHERE provider = ?1 AND model = ?2",
	[S_INSERT_MODEL] = "INSERT INTO models (provider, model, name, family, context_length, "
	    "max_output_tokens, input_price, output_price, free, free_reason, modalities, "
	    "features, limits, base_url, key_env, record, present, first_seen, last_seen, "
	    "line_digest, price_tiers, free_basis, free_checked, trains_on_prompts) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16, 1, ?17, ?17, ?18, ?19, " EVIDENCE_VALUES ")",
	[S_UPDATE_MODEL] = "UPDATE models SET name = ?3, family = ?4, context_length = ?5, "
	    "max_output_tokens = ?6, input_price = ?7, output_price = ?8, free = ?9, "
	    "free_reason = ?10, modalities = ?11, features = ?12, limits = ?13, base_url = ?14, "
	    "key_env = ?15, record = ?16, present = 1, removed_at = NULL, "
	    "last_seen = max(last_seen, ?17), line_digest = ?18, price_tiers = ?19, "
	    "(free_basis, free_checked, trains_on_prompts) = (SELECT " EVIDENCE_VALUES ") "
	    "WHERE provider = ?1 AND model = ?2",
	[S_TOUCH_MODEL] = "UPDATE models SET last_seen = ?3, line_digest = ?4 "
	    "WHERE provider = ?1 AND model = ?2",
	[S_REMOVE_MODEL] = "UPDATE models SET present = 0, removed_at = ?3 "
	    "WHERE provider = ?1 AND model = ?2",
	[S_INSERT_CHANGE] = "INSERT INTO changes (run, at, event, provider, model, before, after) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_INSERT_RUN] = "INSERT INTO runs (started_at) VALUES (?1)",
	[S_UPDATE_RUN] = "UPDATE runs SET models_seen = ?2, changes = ?3, usage_added = ?4 "
	    "WHERE id = ?1",
	[S_GONE] = "SELECT model, free, input_price, output_price, context_length FROM models "
	    "WHERE provider = ?1 AND present = 1 ORDER BY model",
	[S_COUNT_PRESENT] = "SELECT count(*) FROM models WHERE provider = ?1 AND present = 1",
	[S_GET_PROVIDER] = "SELECT last_observed_at, last_error_at, failures, key_env, base_url "
	    "FROM providers WHERE name = ?1",
	[S_INSERT_PROVIDER] = "INSERT OR IGNORE INTO providers (name) VALUES (?1)",
	[S_PROVIDER_META] = "UPDATE providers SET key_env = ?2, base_url = ?3 WHERE name = ?1",
	[S_PROVIDER_OK] = "UPDATE providers SET last_observed_at = ?2, last_ok_at = ?2, "
	    "failures = 0 WHERE name = ?1",
	[S_PROVIDER_FAIL] = "UPDATE providers SET last_observed_at = ?2, last_error_at = ?2, "
	    "last_error_kind = ?3, last_error = ?4, failures = failures + 1 WHERE name = ?1",
	[S_PROVIDER_RUN] = "INSERT OR IGNORE INTO provider_runs (provider, observed_at, ok, "
	    "not_modified, models, error_kind, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_PROVIDER_RETIRE] = "UPDATE providers SET retired_at = ?2, retired_reason = ?3 "
	    "WHERE name = ?1 AND (retired_at IS NOT ?2 OR retired_reason IS NOT ?3)",
	[S_PROVIDER_BACK] = "UPDATE providers SET retired_at = NULL, retired_reason = NULL "
	    "WHERE name = ?1 AND retired_at IS NOT NULL",
	[S_INSERT_USAGE] = USAGE_INSERT,
	/*
	 * A limit the provider's answer about the account gave (limits.learned
	 * names its window: OpenRouter's GET /api/v1/key) is stored as learned,
	 * beside what x-ratelimit headers teach, under the kind "account:WINDOW"
	 * (headers' kinds are what follows x-ratelimit-limit-), and replaced by
	 * each complete observation of the provider (model_check lets only a
	 * window's name be learned).
	 */
	[S_FORGET_LEARNED] = "DELETE FROM ratelimits WHERE provider = ?1 AND kind LIKE 'account:%'",
	[S_LEARNED_LIMITS] = "INSERT OR REPLACE INTO ratelimits (provider, model, kind, lim, "
	    "remaining, reset_at, observed_at) SELECT provider, model, "
	    "'account:' || json_extract(limits, '$.learned'), json_extract(limits, '$.' || "
	    "json_extract(limits, '$.learned')), NULL, NULL, ?2 FROM models WHERE provider = ?1 "
	    "AND present = 1 AND last_seen = ?2 AND json_extract(limits, '$.learned') IS NOT NULL",
};

struct tracker {
	sqlite3		*db;
	FILE		*out;
	sqlite3_stmt	*st[S_COUNT];
	sqlite3_int64	 run;		/* 0 until the run first writes */
	struct usage_sum *sum;		/* per-day totals of the usage rows added */
	struct usage_keys *keys;	/* usage_models ids */
	char		 started[UTCTIME_LEN];
	jv		 providers;	/* name -> provider record of this run */
	jv		 incomplete;	/* name -> why its models cannot be judged complete */
	jv		 seen;		/* name -> model records read for it */
	jv		 stale;		/* name -> model records older than the catalog */
	jv		 latest;	/* name -> the catalog's latest observation of it, or null */
	struct strset	*seen_models;	/* "provider\nmodel" of every model record applied */
	char		 meta_provider[64];	/* the provider whose key_env, base_url ... */
	char		*meta_key_env, *meta_base;	/* ... are known to be in the catalog */
	/* Lines byte-identical to what the catalog holds: digest -> "provider\nmodel". */
	struct known {
		uint64_t	 digest;
		char		*key;
	}		*known;
	size_t		 nknown;
	struct prefetch_hooks hooks;
	long		 models, changes, usage, problems;
	long		 writes;	/* rows written to the catalog (not the temp table) */
};

/* The tracked state of a model, as compared between runs. */
struct state {
	int	 present, free;
	int	 has_in, has_out, has_ctx;
	double	 in, out;
	long long ctx;
	char	 tiers[MODEL_TIERS_TEXT];	/* price_tiers as JSON text; "" when none */
};

static int
step_done(struct tracker *t, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(t->db, rc, what);
		return -1;
	}
	t->writes += sqlite3_changes(t->db);
	return 0;
}

/* Create this run's row, on its first write. */
static int
ensure_run(struct tracker *t)
{
	sqlite3_stmt *st = t->st[S_INSERT_RUN];

	if (t->run != 0)
		return 0;
	sqlite3_bind_text(st, 1, t->started, -1, SQLITE_STATIC);
	if (step_done(t, st, "record the run") == -1)
		return -1;
	t->run = sqlite3_last_insert_rowid(t->db);
	return 0;
}

/* A model record's columns, copied out of its value by the reader thread. */
struct fields {
	const char	*provider, *model, *at, *name, *family, *free_reason, *base_url, *key_env;
	double		 ctx, out_tokens, in, out;
	int		 has_ctx, has_out_tokens, has_in, has_out, free;
};

/* What the reader thread prepares for each record: checks and serialising. */
struct prep {
	int		 kind;		/* 'm' model, 'u' usage, 0 other */
	const char	*why;		/* why it is refused, or NULL */
	char		*text;		/* a model record without observed_at, as stored */
	char		*json[3];	/* its modalities, features, limits as JSON, or NULL */
	char		*tiers;		/* its price_tiers as JSON, or NULL */
	struct fields	 f;		/* a model record's columns (provider only when refused) */
	char		*strings;	/* where f's strings are kept */
	struct usage	 usage;
	char		 line[];	/* a usage line usage_scan read: usage points into it */
};

/* The model record's members stored as JSON text columns, in prep.json order. */
static const char *const json_columns[3] = { "modalities", "features", "limits" };

/* Member k of m as a string, or NULL (the pointer lives as long as m). */
static const char *
str(jv m, const char *k)
{
	jv v = jv_object_get(jv_copy(m), jv_string(k));
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;

	jv_free(v);	/* m still holds a reference, so s stays valid */
	return s;
}

/* Member k of m as a number, 0 when absent; *has (when not NULL) says which. */
static double
number_field(jv m, const char *k, int *has)
{
	jv v = jv_object_get(jv_copy(m), jv_string(k));
	int is = jv_get_kind(v) == JV_KIND_NUMBER;
	double d = is ? jv_number_value(v) : 0;

	jv_free(v);
	if (has != NULL)
		*has = is;
	return d;
}

/* The string columns, in the order of struct fields. */
#define NSTRINGS 8

/*
 * Keep the strings src[i] (len[i] bytes, NULL when absent) in one block,
 * p->strings, as f's string columns; -1 when out of memory.
 */
static int
keep_strings(struct prep *p, const char *const *src, const int *len)
{
	const char **dst[NSTRINGS] = {
		&p->f.provider, &p->f.model, &p->f.at, &p->f.name, &p->f.family,
		&p->f.free_reason, &p->f.base_url, &p->f.key_env,
	};
	size_t total = 1;
	char *q;

	for (size_t i = 0; i < NSTRINGS; i++)
		total += src[i] != NULL ? (size_t)len[i] + 1 : 0;
	if ((q = p->strings = malloc(total)) == NULL)
		return -1;
	for (size_t i = 0; i < NSTRINGS; i++) {
		if (src[i] == NULL)
			continue;
		memcpy(q, src[i], (size_t)len[i]);
		q[len[i]] = '\0';
		*dst[i] = q;
		q += len[i] + 1;
	}
	return 0;
}

/* The string members of m (all, or only the provider); -1 when out of memory. */
static int
copy_strings(struct prep *p, jv m, int all)
{
	static const char *const names[NSTRINGS] = {
		"provider", "model", "observed_at", "name", "family", "free_reason", "base_url",
		"key_env",
	};
	const char *src[NSTRINGS] = { NULL };
	int len[NSTRINGS] = { 0 };

	for (size_t i = 0; i < (all ? NSTRINGS : 1); i++)
		if ((src[i] = str(m, names[i])) != NULL)
			len[i] = (int)strlen(src[i]);
	return keep_strings(p, src, len);
}

/* The columns of a checked model record. */
static void
copy_numbers(struct fields *f, jv m)
{
	jv v = jv_object_get(jv_copy(m), jv_string("free"));

	f->ctx = number_field(m, "context_length", &f->has_ctx);
	f->out_tokens = number_field(m, "max_output_tokens", &f->has_out_tokens);
	f->in = number_field(m, "input_price", &f->has_in);
	f->out = number_field(m, "output_price", &f->has_out);
	f->free = jv_get_kind(v) == JV_KIND_TRUE;
	jv_free(v);
}

static void *
prepare(void *arg, jv *vp)
{
	struct prep *p = calloc(1, sizeof *p);
	jv v = *vp, type;

	(void)arg;
	if (p == NULL || jv_get_kind(v) != JV_KIND_OBJECT)
		return p;
	type = jv_object_get(jv_copy(v), jv_string("type"));
	if (jv_get_kind(type) == JV_KIND_STRING && strcmp(jv_string_value(type), "model") == 0) {
		p->kind = 'm';
		if ((p->why = model_check(v)) == NULL) {
			p->text = jsonl_text_without(jv_copy(v), "observed_at", NULL);
			for (int i = 0; i < 3; i++) {
				jv x = jv_object_get(jv_copy(v), jv_string(json_columns[i]));

				if (jv_is_valid(x) && jv_get_kind(x) != JV_KIND_NULL)
					p->json[i] = jsonl_text(x, NULL);
				else
					jv_free(x);
			}
			{
				jv x = jv_object_get(jv_copy(v), jv_string("price_tiers"));

				if (jv_get_kind(x) == JV_KIND_ARRAY)
					p->tiers = jsonl_text(x, NULL);
				else
					jv_free(x);
			}
			copy_numbers(&p->f, v);
		}
		/* Everything the consumer needs is in p now: the value goes here. */
		if (copy_strings(p, v, p->why == NULL) == 0) {
			jv_free(v);
			*vp = jv_invalid();
		}
	} else if (jv_get_kind(type) == JV_KIND_STRING && strcmp(jv_string_value(type), "usage") == 0) {
		p->kind = 'u';
		p->why = usage_check(v, &p->usage);	/* points into v, which goes along */
	}
	jv_free(type);
	return p;
}

static void
discard(void *prepared)
{
	struct prep *p = prepared;

	if (p != NULL) {
		free(p->text);
		for (int i = 0; i < 3; i++)
			free(p->json[i]);
		free(p->tiers);
		free(p->strings);
	}
	free(p);
}

/* A number column of a plain model line. */
static double
scanned_number(const struct model_value *v, int *has)
{
	*has = v->kind == MV_NUMBER;
	return *has ? v->d : 0;
}

/* What prepare makes of a model line, from what model_scan read of it. */
static void *
scanned_model(const char *line, size_t len, const struct model_scan *ms)
{
	static const int strings[NSTRINGS - 1] = {
		MODEL_PROVIDER, MODEL_ID, MODEL_OBSERVED_AT, MODEL_NAME, MODEL_FAMILY,
		MODEL_FREE_REASON, MODEL_BASE_URL,
	};
	static const int json[3] = { MODEL_MODALITIES, MODEL_FEATURES, MODEL_LIMITS };
	const struct model_value *v = ms->member;
	struct prep *p = calloc(1, sizeof *p);
	const char *src[NSTRINGS];
	int lens[NSTRINGS], failed;

	if (p == NULL)
		return NULL;
	p->kind = 'm';
	/* As stored: the line less its observed_at member, as jsonl_text_without makes it. */
	p->text = malloc(len - ms->cut_len + 1);
	failed = p->text == NULL;
	if (!failed) {
		memcpy(p->text, line, ms->cut);
		memcpy(p->text + ms->cut, line + ms->cut + ms->cut_len, len - ms->cut - ms->cut_len);
		p->text[len - ms->cut_len] = '\0';
	}
	for (int i = 0; i < 3; i++) {
		const struct model_value *col = &v[json[i]];

		if (col->kind == MV_OTHER && (p->json[i] = strndup(col->s, (size_t)col->len)) == NULL)
			failed = 1;
	}
	for (int i = 0; i < NSTRINGS; i++) {
		const struct model_value *sv = i < NSTRINGS - 1 ? &v[strings[i]] : &ms->key_env;

		src[i] = sv->kind == MV_STRING ? sv->s : NULL;
		lens[i] = sv->len;
	}
	if (failed || keep_strings(p, src, lens) == -1) {
		discard(p);
		return NULL;
	}
	p->f.ctx = scanned_number(&v[MODEL_CONTEXT], &p->f.has_ctx);
	p->f.out_tokens = scanned_number(&v[MODEL_MAX_OUTPUT], &p->f.has_out_tokens);
	p->f.in = scanned_number(&v[MODEL_INPUT_PRICE], &p->f.has_in);
	p->f.out = scanned_number(&v[MODEL_OUTPUT_PRICE], &p->f.has_out);
	p->f.free = v[MODEL_FREE].kind == MV_TRUE;
	return p;
}

/* A plain model or usage line, read without libjq; NULL leaves it to prepare. */
static void *
scan(void *arg, const char *line, size_t len)
{
	struct model_scan ms;
	struct prep *p;

	(void)arg;
	if (model_scan(line, len, &ms))
		return scanned_model(line, len, &ms);
	if ((p = malloc(sizeof *p + len + 1)) == NULL)
		return NULL;
	memset(p, 0, sizeof *p);
	memcpy(p->line, line, len);
	p->line[len] = '\0';
	if (!usage_scan(p->line, len, &p->usage)) {
		free(p);
		return NULL;
	}
	p->kind = 'u';
	return p;
}

static int
by_digest(const void *a, const void *b)
{
	uint64_t x = ((const struct known *)a)->digest, y = ((const struct known *)b)->digest;

	return x < y ? -1 : x > y;
}

/* In the reader thread: is this line the very one the catalog last took for a model? */
static int
known_line(void *arg, uint64_t digest, long *token)
{
	const struct tracker *t = arg;
	struct known key = { digest, NULL }, *k;

	if (t->nknown == 0)
		return 0;
	k = bsearch(&key, t->known, t->nknown, sizeof key, by_digest);
	if (k == NULL)
		return 0;
	*token = (long)(k - t->known);
	return 1;
}

/*
 * The digests of the lines that wrote the present models.  Loaded once, read
 * only while the run goes (by the reader thread): a byte-identical line
 * changes nothing, so it need not even be parsed.  A digest shared by two
 * different lines (one chance in 2^64 per pair) is dropped, never guessed.
 */
static int
load_known(struct tracker *t)
{
	sqlite3_stmt *st = catalog_prepare(t->db, "SELECT count(*) FROM models "
	    "WHERE present = 1 AND line_digest IS NOT NULL");
	size_t cap, n = 0, w = 0;
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	cap = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (cap == 0)
		return 0;
	if ((t->known = calloc(cap, sizeof t->known[0])) == NULL)
		return -1;
	st = catalog_prepare(t->db, "SELECT provider || char(10) || model, line_digest "
	    "FROM models WHERE present = 1 AND line_digest IS NOT NULL");
	if (st == NULL)
		return -1;
	while (n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		t->known[n].key = strdup((const char *)sqlite3_column_text(st, 0));
		t->known[n].digest = (uint64_t)sqlite3_column_int64(st, 1);
		if (t->known[n].key == NULL)
			break;
		n++;
	}
	sqlite3_finalize(st);
	qsort(t->known, n, sizeof t->known[0], by_digest);
	for (size_t i = 0; i < n; i++) {
		if ((i > 0 && t->known[i].digest == t->known[i - 1].digest) ||
		    (i + 1 < n && t->known[i].digest == t->known[i + 1].digest)) {
			free(t->known[i].key);
			continue;
		}
		t->known[w++] = t->known[i];
	}
	t->nknown = w;
	return 0;
}

const struct prefetch_hooks *
track_hooks(struct tracker *t)
{
	return &t->hooks;
}

struct tracker *
track_begin(sqlite3 *db, FILE *out, int *code)
{
	struct tracker *t = calloc(1, sizeof *t);

	if (t == NULL) {
		*code = CATALOG_ERROR;
		return NULL;
	}
	t->db = db;
	t->out = out;
	t->providers = jv_object();
	t->incomplete = jv_object();
	t->seen = jv_object();
	t->stale = jv_object();
	t->latest = jv_object();
	if ((t->seen_models = strset_new()) == NULL) {
		*code = CATALOG_ERROR;
		track_abort(t);
		return NULL;
	}
	(void)utctime_format(utctime_now(), t->started);
	/* A run touches indexes all over: a bounded 32 MiB page cache instead of 2. */
	if ((*code = catalog_exec(db, "PRAGMA cache_size = -32768")) != CATALOG_OK ||
	    (*code = catalog_exec(db, "BEGIN IMMEDIATE")) != CATALOG_OK) {
		track_abort(t);
		return NULL;
	}
	if ((t->sum = usage_sum_new()) == NULL || (t->keys = usage_keys_new(db)) == NULL) {
		*code = CATALOG_ERROR;
		track_abort(t);
		return NULL;
	}
	for (int i = 0; i < S_COUNT; i++) {
		if ((t->st[i] = catalog_prepare(db, sql[i])) == NULL) {
			*code = CATALOG_ERROR;
			track_abort(t);
			return NULL;
		}
	}
	if (load_known(t) == -1) {
		*code = CATALOG_ERROR;
		track_abort(t);
		return NULL;
	}
	t->hooks.scan = scan;
	t->hooks.known = known_line;
	t->hooks.prepare = prepare;
	t->hooks.discard = discard;
	t->hooks.arg = t;
	return t;
}

static void
free_known(struct tracker *t)
{
	for (size_t i = 0; i < t->nknown; i++)
		free(t->known[i].key);
	free(t->known);
	t->known = NULL;
	t->nknown = 0;
}

/* Free the tracker and its statements (the transaction is the caller's business). */
static void
tracker_free(struct tracker *t)
{
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(t->st[i]);
	jv_free(t->providers);
	jv_free(t->incomplete);
	jv_free(t->seen);
	jv_free(t->stale);
	jv_free(t->latest);
	strset_free(t->seen_models);
	usage_sum_free(t->sum);
	usage_keys_free(t->keys);
	free(t->meta_key_env);
	free(t->meta_base);
	free_known(t);
	free(t);
}

void
track_abort(struct tracker *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(t->st[i]);
		t->st[i] = NULL;
	}
	sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
	tracker_free(t);
}

void
track_bad_line(struct tracker *t)
{
	t->problems++;
}

/* Add one to counter name of object *o. */
static void
bump(jv *o, const char *name)
{
	*o = jv_object_set(*o, jv_string(name), jv_number(number_field(*o, name, NULL) + 1));
}

static void
mark_incomplete(struct tracker *t, const char *provider, const char *why)
{
	jv had = jv_object_get(jv_copy(t->incomplete), jv_string(provider));

	if (!jv_is_valid(had))
		t->incomplete = jv_object_set(t->incomplete, jv_string(provider), jv_string(why));
	jv_free(had);
}

/* What a change record shows of a state: all of it, its prices, or its context. */
enum shown { ALL, PRICES, CONTEXT };

/* Bytes a shown state takes as JSON text, with its NUL. */
#define STATE_TEXT (100 + 3 * JSONL_NUMBER_MAX + MODEL_TIERS_TEXT)

/* "name":number (or null), after a comma unless first. */
static char *
member(char *p, const char *name, int first, int has, double d)
{
	p += sprintf(p, "%s\"%s\":", first ? "" : ",", name);
	if (!has)
		return p + sprintf(p, "null");
	return p + jsonl_number(p, d);
}

/*
 * A state as the JSON object a change record shows, in buf (STATE_TEXT
 * bytes).  Its price_tiers are shown when it has some, or (tiers set) when
 * the other side of a change has.
 */
static const char *
state_text_tiers(char *buf, const struct state *s, enum shown what, int tiers)
{
	char *p = buf;

	*p++ = '{';
	if (what == ALL)
		p += sprintf(p, "\"free\":%s", s->free ? "true" : "false");
	if (what != CONTEXT) {
		p = member(p, "input_price", what == PRICES, s->has_in, s->in);
		p = member(p, "output_price", 0, s->has_out, s->out);
		if (s->tiers[0] != '\0')
			p += sprintf(p, ",\"price_tiers\":%s", s->tiers);
		else if (tiers)
			p += sprintf(p, ",\"price_tiers\":null");
	}
	if (what != PRICES)
		p = member(p, "context_length", what == CONTEXT, s->has_ctx, (double)s->ctx);
	strcpy(p, "}");
	return buf;
}

static const char *
state_text(char *buf, const struct state *s, enum shown what)
{
	return state_text_tiers(buf, s, what, 0);
}

/* Print and store one change; before and after are JSON text, or NULL for null. */
static int
change(struct tracker *t, const char *event, const char *provider, const char *model,
    const char *at, const char *before, const char *after)
{
	sqlite3_stmt *st = t->st[S_INSERT_CHANGE];
	FILE *f = t->out;

	if (ensure_run(t) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, t->run);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, model, -1, SQLITE_TRANSIENT);
	catalog_bind_text(st, 6, before);
	catalog_bind_text(st, 7, after);
	if (step_done(t, st, "record a change") == -1)
		return -1;
	t->changes++;
	/* Flushed by the caller whenever input would wait, and at the end. */
	fprintf(f, "{\"type\":\"change\",\"event\":\"%s\",\"provider\":", event);
	jsonl_put_string(f, provider);
	fputs(",\"model\":", f);
	jsonl_put_string(f, model);
	fprintf(f, ",\"before\":%s,\"after\":%s,\"at\":", before ? before : "null",
	    after ? after : "null");
	jsonl_put_string(f, at);
	if (fputs("}\n", f) == EOF || ferror(f)) {
		err_warn("stdout: write error");
		return -1;
	}
	return 0;
}

/* Read a state from columns first.. of st (present, free, in, out, ctx). */
static void
read_state(sqlite3_stmt *st, int first, int has_present, struct state *s)
{
	int c = first;

	s->present = has_present ? sqlite3_column_int(st, c++) : 1;
	s->free = sqlite3_column_int(st, c++);
	s->has_in = sqlite3_column_type(st, c) != SQLITE_NULL;
	s->in = sqlite3_column_double(st, c++);
	s->has_out = sqlite3_column_type(st, c) != SQLITE_NULL;
	s->out = sqlite3_column_double(st, c++);
	s->has_ctx = sqlite3_column_type(st, c) != SQLITE_NULL;
	s->ctx = sqlite3_column_int64(st, c);
	s->tiers[0] = '\0';
}

/* A state's tiers from a price_tiers column (NULL: none); too long for a record: dropped. */
static void
read_tiers(struct state *s, const char *text)
{
	if (text == NULL || strlen(text) >= sizeof s->tiers)
		s->tiers[0] = '\0';
	else
		strcpy(s->tiers, text);
}

static int
same_number(int ha, double a, int hb, double b)
{
	return ha == hb && (!ha || a == b);
}

static int
same_opt(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/*
 * Keep the provider's key_env and base_url current: read once per provider
 * and run, written only when they change.
 */
static int
provider_meta(struct tracker *t, const char *provider, const char *key_env, const char *base)
{
	sqlite3_stmt *st;
	int rc = 0, same = 0;

	if (strcmp(t->meta_provider, provider) == 0 && same_opt(t->meta_key_env, key_env) &&
	    same_opt(t->meta_base, base))
		return 0;
	st = t->st[S_GET_PROVIDER];
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		same = same_opt((const char *)sqlite3_column_text(st, 3), key_env) &&
		    same_opt((const char *)sqlite3_column_text(st, 4), base);
		sqlite3_reset(st);
	} else {
		sqlite3_reset(st);
		st = t->st[S_INSERT_PROVIDER];
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
		if (ensure_run(t) == -1 || step_done(t, st, "record a provider") == -1)
			return -1;
	}
	if (!same) {
		st = t->st[S_PROVIDER_META];
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
		catalog_bind_text(st, 2, key_env);
		catalog_bind_text(st, 3, base);
		rc = ensure_run(t) == -1 ? -1 : step_done(t, st, "update a provider");
	}
	snprintf(t->meta_provider, sizeof t->meta_provider, "%s", provider);
	free(t->meta_key_env);
	free(t->meta_base);
	t->meta_key_env = key_env ? strdup(key_env) : NULL;
	t->meta_base = base ? strdup(base) : NULL;
	return rc;
}

/*
 * Is `at` older than the catalog's latest observation of provider (as it was
 * when this run began)?  Such a record would write history backwards.
 */
static int
older_than_provider(struct tracker *t, const char *provider, const char *at)
{
	jv latest = jv_object_get(jv_copy(t->latest), jv_string(provider));
	int older;

	if (!jv_is_valid(latest)) {
		sqlite3_stmt *st = t->st[S_GET_PROVIDER];

		jv_free(latest);
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
		latest = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ?
		    jv_string((const char *)sqlite3_column_text(st, 0)) : jv_null();
		sqlite3_reset(st);
		t->latest = jv_object_set(t->latest, jv_string(provider), jv_copy(latest));
	}
	older = jv_get_kind(latest) == JV_KIND_STRING && strcmp(at, jv_string_value(latest)) < 0;
	jv_free(latest);
	return older;
}

/* Bind the columns of a model record for INSERT_MODEL / UPDATE_MODEL; its state into s. */
static void
bind_model(sqlite3_stmt *st, struct prep *p, const char *record, uint64_t digest,
    struct state *s)
{
	const struct fields *f = &p->f;

	s->present = 1;
	s->free = f->free;
	s->has_ctx = f->has_ctx;
	s->ctx = (long long)f->ctx;
	s->has_in = f->has_in;
	s->in = f->in;
	s->has_out = f->has_out;
	s->out = f->out;
	read_tiers(s, p->tiers);
	sqlite3_bind_text(st, 1, f->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->model, -1, SQLITE_STATIC);
	catalog_bind_text(st, 3, f->name);
	catalog_bind_text(st, 4, f->family);
	catalog_bind_int64(st, 5, s->has_ctx, s->ctx);
	catalog_bind_int64(st, 6, f->has_out_tokens, (int64_t)f->out_tokens);
	catalog_bind_double(st, 7, s->has_in, s->in);
	catalog_bind_double(st, 8, s->has_out, s->out);
	sqlite3_bind_int(st, 9, s->free);
	catalog_bind_text(st, 10, f->free_reason);
	for (int i = 0; i < 3; i++) {
		/* Serialised by the reader thread; the statement takes them over. */
		if (p->json[i] != NULL)
			sqlite3_bind_text(st, 11 + i, p->json[i], -1, free);
		else
			sqlite3_bind_null(st, 11 + i);
		p->json[i] = NULL;
	}
	catalog_bind_text(st, 14, f->base_url);
	catalog_bind_text(st, 15, f->key_env);
	sqlite3_bind_text(st, 16, record, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 17, f->at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 18, (sqlite3_int64)digest);
	catalog_bind_text(st, 19, p->tiers);
}

/* The events between two states of a model, printed and stored (none if they agree). */
static int
diff(struct tracker *t, const char *provider, const char *model, const char *at,
    const struct state *was, const struct state *now)
{
	char b[STATE_TEXT], a[STATE_TEXT];
	int rc = 0;

	if (!was->present)
		rc |= change(t, "returned", provider, model, at, NULL, state_text(a, now, ALL));
	if (was->free != now->free)
		rc |= change(t, now->free ? "became_free" : "became_paid", provider, model, at,
		    state_text(b, was, ALL), state_text(a, now, ALL));
	if (!same_number(was->has_in, was->in, now->has_in, now->in) ||
	    !same_number(was->has_out, was->out, now->has_out, now->out) ||
	    strcmp(was->tiers, now->tiers) != 0) {
		int tiers = was->tiers[0] != '\0' || now->tiers[0] != '\0';

		rc |= change(t, "price_changed", provider, model, at,
		    state_text_tiers(b, was, PRICES, tiers), state_text_tiers(a, now, PRICES, tiers));
	}
	if (!same_number(was->has_ctx, (double)was->ctx, now->has_ctx, (double)now->ctx))
		rc |= change(t, "context_changed", provider, model, at, state_text(b, was, CONTEXT),
		    state_text(a, now, CONTEXT));
	return rc ? -1 : 0;
}

/* "provider\nmodel": neither may hold a newline (checked). */
static int
seen_key(char *buf, size_t n, const char *provider, const char *model)
{
	return snprintf(buf, n, "%s\n%s", provider, model);
}

/* Note that this run read a record of model; duplicates count once. */
static int
note_seen(struct tracker *t, const char *provider, const char *model)
{
	char key[64 + MODEL_MAX_ID + 2];
	int n = seen_key(key, sizeof key, provider, model), added;

	if ((added = strset_add(t->seen_models, key, (size_t)n)) == -1) {
		err_warn("out of memory");
		return -1;
	}
	if (added)
		bump(&t->seen, provider);
	return 0;
}

/* History is not rewritten backwards: a stale record is refused and counted. */
static int
refuse_stale(struct tracker *t, const char *provider)
{
	bump(&t->stale, provider);
	mark_incomplete(t, provider, "model records older than the catalog");
	t->problems++;
	return 0;
}

/* An unchanged model seen again, later: only when it was seen moves.  0, or -1. */
static int
touch_model(struct tracker *t, const char *provider, const char *model, const char *at,
    uint64_t digest)
{
	sqlite3_stmt *st = t->st[S_TOUCH_MODEL];

	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)digest);
	return ensure_run(t) == -1 ? -1 : step_done(t, st, "update a model");
}

static int
track_model(struct tracker *t, struct prep *p, uint64_t digest, const char *where)
{
	const char *why = p->why, *provider = p->f.provider, *model = p->f.model, *at = p->f.at;
	sqlite3_stmt *st;
	struct state was, now;
	char *record;
	int found;

	if (p->strings == NULL) {
		err_warn("%s: out of memory", where);
		return -1;
	}
	if (why != NULL) {
		err_warn("%s: %s", where, why);
		t->problems++;
		if (provider != NULL && names_provider_ok(provider))
			mark_incomplete(t, provider, "a model record was refused");
		return 0;
	}
	if (older_than_provider(t, provider, at))
		return refuse_stale(t, provider);
	t->models++;
	if (note_seen(t, provider, model) == -1)
		return -1;
	if (provider_meta(t, provider, p->f.key_env, p->f.base_url) == -1)
		return -1;
	/* The record as stored: everything but when it was seen (made by the reader thread). */
	if ((record = p->text) == NULL)
		return -1;
	p->text = NULL;
	st = t->st[S_GET_MODEL];
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		const char *stored = (const char *)sqlite3_column_text(st, 5);
		const char *last = (const char *)sqlite3_column_text(st, 6);
		int older = strcmp(at, last) < 0;
		int same = stored != NULL && strcmp(stored, record) == 0;
		int newer = strcmp(at, last) > 0;

		read_state(st, 0, 1, &was);
		read_tiers(&was, (const char *)sqlite3_column_text(st, 7));
		sqlite3_reset(st);
		if (older || (same && was.present)) {
			free(record);
			return older ? refuse_stale(t, provider) :
			    newer ? touch_model(t, provider, model, at, digest) : 0;
		}
		st = t->st[S_UPDATE_MODEL];
	} else {
		sqlite3_reset(st);
		st = t->st[S_INSERT_MODEL];
	}
	bind_model(st, p, record, digest, &now);
	free(record);
	if (ensure_run(t) == -1 || step_done(t, st, found ? "update a model" : "add a model") == -1)
		return -1;
	if (!found) {
		char a[STATE_TEXT];

		if (change(t, "added", provider, model, at, NULL, state_text(a, &now, ALL)) == -1)
			return -1;
	} else if (diff(t, provider, model, at, &was, &now) == -1) {
		return -1;
	}
	return 0;
}

static int
track_usage(struct tracker *t, struct prep *p, const char *where)
{
	sqlite3_stmt *st = t->st[S_INSERT_USAGE];
	const char *why = p->why;

	if (why != NULL) {
		err_warn("%s: %s", where, why);
		t->problems++;
		return 0;
	}
	if ((p->usage.mid = usage_keys_of(t->keys, p->usage.provider, p->usage.model)) == -1)
		return -1;
	usage_bind(st, &p->usage);
	if (step_done(t, st, "add usage") == -1)
		return -1;
	/* A record already stored is ignored: no row, and no run row for it. */
	if (sqlite3_changes(t->db) == 0)
		return 0;
	t->usage++;
	if (usage_sum_add(t->sum, &p->usage) == -1 ||
	    (usage_sum_keys(t->sum) >= USAGE_SUM_MAX_KEYS &&
	    usage_sum_flush(t->sum, t->db) != CATALOG_OK))
		return -1;
	return ensure_run(t);
}

/* A provider record is kept for the end of the run, once it is checked. */
static int
keep_provider(struct tracker *t, jv p, const char *where)
{
	const char *name = str(p, "provider"), *at = str(p, "observed_at");
	jv ok = jv_object_get(jv_copy(p), jv_string("ok"));
	time_t when;
	int good = jv_get_kind(ok) == JV_KIND_TRUE || jv_get_kind(ok) == JV_KIND_FALSE;

	jv_free(ok);
	if (name == NULL || !names_provider_ok(name) || !good ||
	    (at != NULL && utctime_parse(at, &when) == -1)) {
		err_warn("%s: a provider record needs \"provider\", \"ok\" (true or false) "
		    "and an RFC 3339 \"observed_at\"", where);
		t->problems++;
		return 0;
	}
	t->providers = jv_object_set(t->providers, jv_string(name), jv_copy(p));
	return 0;
}

int
track_item(struct tracker *t, struct prefetch_item *it, const char *where)
{
	struct prep *p = it->prepared, none = { 0 };
	const char *type;
	int rc = 0;

	if (it->rc == PREFETCH_KNOWN) {
		/* The line that last wrote this model, again: seen, nothing to change. */
		const char *key = t->known[it->token].key, *nl = strchr(key, '\n');
		char provider[64];

		snprintf(provider, sizeof provider, "%.*s", (int)(nl - key), key);
		t->models++;
		if (note_seen(t, provider, nl + 1) == -1)
			return -1;
		return 0;
	}
	if (p == NULL)
		p = &none;
	type = jv_get_kind(it->v) == JV_KIND_OBJECT ? str(it->v, "type") : NULL;
	if (p->kind == 'm')
		rc = track_model(t, p, it->digest, where);
	else if (p->kind == 'u')
		rc = track_usage(t, p, where);
	else if (type != NULL && strcmp(type, "provider") == 0)
		rc = keep_provider(t, it->v, where);
	else {
		err_warn("%s: not a model, provider or usage record", where);
		t->problems++;
	}
	if (p != &none)
		discard(p);
	jv_free(it->v);
	return rc;
}

/*
 * Mark removed every model a completely observed provider no longer lists;
 * or, when retired is its reason (the change's "after"), every model it has.
 */
static int
remove_missing(struct tracker *t, const char *provider, const char *at, const char *retired)
{
	sqlite3_stmt *st = t->st[S_COUNT_PRESENT], *rm = t->st[S_REMOVE_MODEL];
	jv gone = jv_array();
	int rc = 0, n;

	if (retired != NULL)
		goto remove;
	/* Every model seen is present: as many present as seen means none is missing. */
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	if (n == (int)number_field(t->seen, provider, NULL)) {
		jv_free(gone);
		return 0;
	}
	/* An empty list from a provider that had models is far likelier a glitch than the truth. */
	if (number_field(t->seen, provider, NULL) == 0) {
		err_warn("provider %s: listed no model at all (the catalog has %d): "
		    "taken as a glitch, nothing removed", provider, n);
		t->problems++;
		jv_free(gone);
		return 0;
	}
remove:
	st = t->st[S_GONE];
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *model = (const char *)sqlite3_column_text(st, 0);
		char key[64 + MODEL_MAX_ID + 2];
		int n = seen_key(key, sizeof key, provider, model);
		struct state s;
		char before[STATE_TEXT];
		jv row;

		if (strset_has(t->seen_models, key, (size_t)n))
			continue;
		read_state(st, 1, 0, &s);
		row = jv_array_append(jv_array(), jv_string((const char *)sqlite3_column_text(st, 0)));
		row = jv_array_append(row, jv_string(state_text(before, &s, ALL)));
		gone = jv_array_append(gone, row);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		jv_free(gone);
		return catalog_fail(t->db, rc, "find removed models"), -1;
	}
	n = jv_array_length(jv_copy(gone));
	for (int i = 0; i < n && rc != -1; i++) {
		jv row = jv_array_get(jv_copy(gone), i);
		jv model = jv_array_get(jv_copy(row), 0), before = jv_array_get(jv_copy(row), 1);
		sqlite3_bind_text(rm, 1, provider, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(rm, 2, jv_string_value(model), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(rm, 3, at, -1, SQLITE_TRANSIENT);
		rc = ensure_run(t) == -1 || step_done(t, rm, "remove a model") == -1 ||
		    change(t, "removed", provider, jv_string_value(model), at,
		    jv_string_value(before), retired) == -1
		    ? -1 : 0;
		jv_free(model);
		jv_free(before);
		jv_free(row);
	}
	jv_free(gone);
	return rc == -1 ? -1 : 0;
}

/*
 * The "after" of the removals a provider record's "retired" asks for, as JSON
 * text {"reason","since"} in buf; NULL when it has none, or a bad one (said).
 */
static const char *
retirement_of(struct tracker *t, const char *name, jv p, char *buf, size_t n)
{
	jv r = jv_object_get(jv_copy(p), jv_string("retired")), since, reason, text;
	const char *s, *w, *out = NULL;

	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		if (jv_get_kind(r) != JV_KIND_INVALID && jv_get_kind(r) != JV_KIND_NULL) {
			err_warn("provider %s: \"retired\" must be an object: nothing removed", name);
			t->problems++;
		}
		jv_free(r);
		return NULL;
	}
	since = jv_object_get(jv_copy(r), jv_string("since"));
	reason = jv_object_get(jv_copy(r), jv_string("reason"));
	s = jv_get_kind(since) == JV_KIND_STRING ? jv_string_value(since) : "";
	w = jv_get_kind(reason) == JV_KIND_STRING ? jv_string_value(reason) : "";
	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || *w == '\0' || strlen(w) > 64 ||
	    strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ()-_.,:") !=
	    strlen(w)) {
		err_warn("provider %s: \"retired\" needs a day \"since\" and a short \"reason\": "
		    "nothing removed", name);
		t->problems++;
	} else {
		text = jv_dump_string(jv_object_set(jv_object_set(jv_object(), jv_string("reason"),
		    jv_string(w)), jv_string("since"), jv_string(s)), 0);
		if ((size_t)jv_string_length_bytes(jv_copy(text)) < n) {
			snprintf(buf, n, "%s", jv_string_value(text));
			out = buf;
		}
		jv_free(text);
	}
	jv_free(since);
	jv_free(reason);
	jv_free(r);
	return out;
}

/* Note in the catalog that provider name is retired, as record p says. */
static int
provider_retire(struct tracker *t, const char *name, jv p)
{
	jv r = jv_object_get(jv_copy(p), jv_string("retired"));
	jv since = jv_object_get(jv_copy(r), jv_string("since"));
	jv reason = jv_object_get(jv_copy(r), jv_string("reason"));
	sqlite3_stmt *st = t->st[S_PROVIDER_RETIRE];
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, jv_string_value(since), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, jv_string_value(reason), -1, SQLITE_TRANSIENT);
	rc = step_done(t, st, "record a retired provider");
	jv_free(r);
	jv_free(since);
	jv_free(reason);
	return rc;
}

/* What the catalog knew of provider name: 1 and its last observations (to free), or 0. */
static int
provider_last(struct tracker *t, const char *name, char **last, char **last_err, int *failures)
{
	sqlite3_stmt *st = t->st[S_GET_PROVIDER];
	int known;

	*last = *last_err = NULL;
	*failures = 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((known = sqlite3_step(st) == SQLITE_ROW)) {
		const char *l = (const char *)sqlite3_column_text(st, 0);
		const char *e = (const char *)sqlite3_column_text(st, 1);

		*failures = sqlite3_column_int(st, 2);
		*last = l ? strdup(l) : NULL;
		*last_err = e ? strdup(e) : NULL;
	}
	sqlite3_reset(st);
	return known;
}

/* The health history: one row per provider per observation.  0, or -1. */
static int
provider_run(struct tracker *t, const char *name, const char *at, int ok, int nm, jv mv, jv err)
{
	sqlite3_stmt *st = t->st[S_PROVIDER_RUN];
	int rc = 0;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, ok);
	sqlite3_bind_int(st, 4, nm);
	catalog_bind_int64(st, 5, jv_get_kind(mv) == JV_KIND_NUMBER,
	    jv_get_kind(mv) == JV_KIND_NUMBER ? (int64_t)jv_number_value(mv) : 0);
	catalog_bind_text(st, 6, jv_get_kind(err) == JV_KIND_OBJECT ? str(err, "kind") : NULL);
	catalog_bind_text(st, 7, jv_get_kind(err) == JV_KIND_OBJECT ? str(err, "message") : NULL);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = -1;
	else if (sqlite3_changes(t->db) > 0) {
		t->writes += sqlite3_changes(t->db);
		rc = ensure_run(t);
	}
	sqlite3_reset(st);
	return rc;
}

/* A failed fetch or parse keeps every model; the failure feeds health.  0, or -1. */
static int
provider_failed(struct tracker *t, const char *name, const char *at, jv err, const char *last_err)
{
	sqlite3_stmt *st = t->st[S_PROVIDER_FAIL];

	if (last_err != NULL && strcmp(last_err, at) == 0)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	catalog_bind_text(st, 3, jv_get_kind(err) == JV_KIND_OBJECT ? str(err, "kind") : "unknown");
	catalog_bind_text(st, 4, jv_get_kind(err) == JV_KIND_OBJECT ? str(err, "message") : NULL);
	if (ensure_run(t) == -1 || step_done(t, st, "record a provider failure") == -1)
		return -1;
	return 0;
}

/*
 * A complete observation of name removes what it no longer lists (or, when
 * retirement is not NULL, all, for that reason); an incomplete one removes
 * nothing.  1 (complete), 0 (incomplete), or -1.
 */
static int
provider_models(struct tracker *t, const char *name, const char *at, jv p, jv mv, jv why,
    const char *retirement)
{
	double listed = jv_get_kind(mv) == JV_KIND_NUMBER ? jv_number_value(mv) : -1;
	sqlite3_stmt *st;

	if (jv_is_valid(why)) {
		err_warn("provider %s: %s in this run: nothing removed", name, jv_string_value(why));
		return 0;
	}
	if (number_field(t->seen, name, NULL) != listed) {
		err_warn("provider %s: its provider record says %.0f models but %.0f model records "
		    "were read: not a complete observation, nothing removed", name, listed,
		    number_field(t->seen, name, NULL));
		t->problems++;
		return 0;
	}
	if (retirement != NULL)
		return remove_missing(t, name, at, retirement) == -1 ||
		    provider_retire(t, name, p) == -1 ? -1 : 1;
	if (remove_missing(t, name, at, NULL) == -1)
		return -1;
	if (listed > 0) {
		/* A provider that lists models again is back. */
		st = t->st[S_PROVIDER_BACK];
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		return step_done(t, st, "record a provider") == -1 ? -1 : 1;
	}
	return 1;
}

/* Apply one provider's outcome of this run. */
/* The limits learned from provider name's answers about the account, as observed at.  0, or -1. */
static int
learned_limits(struct tracker *t, const char *name, const char *at)
{
	sqlite3_stmt *st = t->st[S_FORGET_LEARNED];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (step_done(t, st, "forget learned limits") == -1)
		return -1;
	st = t->st[S_LEARNED_LIMITS];
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	return step_done(t, st, "record a learned limit");
}

static int
apply_provider(struct tracker *t, const char *name, jv p)
{
	const char *at = str(p, "observed_at");
	jv okv = jv_object_get(jv_copy(p), jv_string("ok"));
	jv nmv = jv_object_get(jv_copy(p), jv_string("not_modified"));
	jv err = jv_object_get(jv_copy(p), jv_string("error"));
	jv why = jv_object_get(jv_copy(t->incomplete), jv_string(name));
	jv mv = jv_object_get(jv_copy(p), jv_string("models"));
	int ok = jv_get_kind(okv) == JV_KIND_TRUE, nm = jv_get_kind(nmv) == JV_KIND_TRUE;
	int failures, rc = -1, known, complete;
	char *last = NULL, *last_err = NULL, retired_buf[256];
	const char *retirement = retirement_of(t, name, p, retired_buf, sizeof retired_buf);
	sqlite3_stmt *st;

	if (at == NULL)
		at = t->started;
	known = provider_last(t, name, &last, &last_err, &failures);
	if (last != NULL && strcmp(at, last) < 0) {
		err_warn("provider %s: observed at %s, older than the catalog's latest "
		    "observation (%s): not applied", name, at, last);
		t->problems++;
		rc = 0;
		goto out;
	}
	if (!known) {
		st = t->st[S_INSERT_PROVIDER];
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		if (ensure_run(t) == -1 || step_done(t, st, "record a provider") == -1)
			goto out;
	}
	if (provider_run(t, name, at, ok, nm, mv, err) == -1)
		goto out;
	if (!ok) {
		rc = provider_failed(t, name, at, err, last_err);
		goto out;
	}
	/* The account's figures are replaced only by a complete observation. */
	if (!nm && ((complete = provider_models(t, name, at, p, mv, why, retirement)) == -1 ||
	    (complete == 1 && learned_limits(t, name, at) == -1)))
		goto out;
	if (last == NULL || strcmp(last, at) != 0 || failures != 0) {
		st = t->st[S_PROVIDER_OK];
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
		if (ensure_run(t) == -1 || step_done(t, st, "record a provider") == -1)
			goto out;
	}
	rc = 0;
out:
	free(last);
	free(last_err);
	jv_free(okv);
	jv_free(nmv);
	jv_free(err);
	jv_free(why);
	jv_free(mv);
	return rc;
}

int
track_end(struct tracker *t, int verbose)
{
	sqlite3_stmt *st;
	int code;

	jv_object_foreach(t->stale, name, n) {
		err_warn("provider %s: %.0f model records older than the catalog's latest "
		    "observation: not applied", jv_string_value(name), jv_number_value(n));
		jv_free(name);
		jv_free(n);
	}
	jv_object_foreach(t->providers, name, p) {
		int rc = apply_provider(t, jv_string_value(name), p);

		jv_free(name);
		jv_free(p);
		if (rc == -1) {
			track_abort(t);
			return CATALOG_ERROR;
		}
	}
	if ((code = usage_sum_flush(t->sum, t->db)) != CATALOG_OK) {
		track_abort(t);
		return code;
	}
	if (t->run != 0) {
		st = t->st[S_UPDATE_RUN];
		sqlite3_bind_int64(st, 1, t->run);
		sqlite3_bind_int64(st, 2, t->models);
		sqlite3_bind_int64(st, 3, t->changes);
		sqlite3_bind_int64(st, 4, t->usage);
		if (step_done(t, st, "record the run") == -1) {
			track_abort(t);
			return CATALOG_ERROR;
		}
	}
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(t->st[i]);
		t->st[i] = NULL;
	}
	if ((code = catalog_exec(t->db, "COMMIT")) != CATALOG_OK) {
		track_abort(t);
		return code;
	}
	/* Decisions read the route snapshot: it cannot follow a run, so it goes. */
	if (t->writes > 0)
		routesnap_drop(sqlite3_db_filename(t->db, "main"));
	if (fflush(t->out) == EOF) {
		err_warn("stdout: write error");
		t->problems++;
	}
	if (verbose)
		err_warn("run: %ld model records, %ld changes, %ld usage records added, "
		    "%ld rows written", t->models, t->changes, t->usage, t->writes);
	code = t->problems ? 1 : 0;
	tracker_free(t);
	return code;
}
