/*
 * route: constraints to SQL, the breaker and budgets as filters, strategies
 * as orders.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "catalog.h"
#include "err.h"
#include "route.h"
#include "routeitem.h"
#include "routesnap.h"
#include "utctime.h"

#define MAX_CONDS (7 + 4 * ROUTE_MAX_TERMS)

struct route_ctx *
route_open(sqlite3 *db)
{
	struct route_ctx *rc = calloc(1, sizeof *rc);

	if (rc == NULL)
		return NULL;
	rc->db = db;
	if ((rc->hd = health_open(db)) == NULL || (rc->bd = budget_open(db)) == NULL) {
		route_close(rc);
		return NULL;
	}
	return rc;
}

void
route_close(struct route_ctx *rc)
{
	if (rc == NULL)
		return;
	health_close(rc->hd);
	budget_close(rc->bd);
	sqlite3_finalize(rc->latency);
	free(rc);
}

/* --- constraints: as SQL, and as a test of a route snapshot entry --------- */

/* The kinds of constraint, each one row of cond_rules below. */
enum cond_kind {
	C_FREE, C_MAX_PRICE, C_MAX_PRICE_AT, C_PROVIDER_IN, C_PROVIDER_NOT_IN, C_MODEL,
	C_FAMILY, C_MODALITY_IN, C_MODALITY_OUT, C_TEXT_OUT, C_MIN_CONTEXT, C_NEED, C_NO_TRAIN,
	C_NKINDS
};

/* A bound parameter: text, or the number d when s is NULL. */
struct param {
	const char *s;
	double	 d;
};

/* One constraint of a request: its kind's rule applied to its arguments. */
struct cond {
	char	 sql[400];
	char	 label[128];
	enum cond_kind kind;
	struct param arg[2];		/* ?1 and ?2 of its rule */
	const char *const *list;	/* ?* of its rule: providers */
	int	 nlist;
};

/*
 * Worst case: max_price and its prompt, model, family, min_context, and four
 * lists of ROUTE_MAX_TERMS.
 */
#define MAX_PARAMS (5 + 4 * ROUTE_MAX_TERMS)

struct sqlq {
	struct cond	 c[MAX_CONDS];
	int		 nc;
	struct param	 p[MAX_PARAMS];
	int		 np;
	char		 quoted[ROUTE_MAX_TERMS * 2][40];	/* "word" with its quotes */
	int		 nquoted;
};

/*
 * The prices of the highest of tiers (price_tiers JSON text, as stored) whose
 * min_prompt_tokens a prompt of n tokens reaches, into *in and *out: 1; 0
 * when it reaches none (or there are none).
 */
static int
tier_reached(const char *tiers, double n, double *in, double *out)
{
	static const char *const keys[3] = {
		"\"min_prompt_tokens\":", "\"input_price\":", "\"output_price\":"
	};
	double best = -1;
	const char *p = tiers;

	while (p != NULL && (p = strchr(p, '{')) != NULL) {
		const char *close = strchr(p, '}');
		char obj[256];
		double v[3];
		int ok = 1;

		if (close == NULL || (size_t)(close - p) >= sizeof obj)
			break;
		memcpy(obj, p, (size_t)(close - p));
		obj[close - p] = '\0';
		for (int k = 0; k < 3 && ok; k++) {
			const char *at = strstr(obj, keys[k]);
			char *end;

			ok = at != NULL;
			if (ok) {
				v[k] = strtod(at + strlen(keys[k]), &end);
				ok = end != at + strlen(keys[k]);
			}
		}
		if (ok && v[0] <= n && v[0] > best) {
			best = v[0];
			*in = v[1];
			*out = v[2];
		}
		p = close + 1;
	}
	return best >= 0;
}

/*
 * Each fits_KIND: the constraint c holds for snapshot entry i, as the SQL of
 * its rule does for the row the entry was made from (NULL is false).
 */
static int
fits_free(const struct routesnap *s, size_t i, const struct cond *c)
{
	(void)c;
	return s->e[i].free_value == 1;
}

static int
fits_max_price(const struct routesnap *s, size_t i, const struct cond *c)
{
	const struct routesnap_entry *e = &s->e[i];

	return e->free_value == 1 || ((e->flags & RSF_IN_PRICE) && (e->flags & RSF_OUT_PRICE) &&
	    e->input_price <= c->arg[0].d && e->output_price <= c->arg[0].d);
}

static int
fits_max_price_at(const struct routesnap *s, size_t i, const struct cond *c)
{
	const char *t = routesnap_str(s, i, RS_PRICE_TIERS);
	double in, out;

	if (s->e[i].free_value != 1 && t != NULL && tier_reached(t, c->arg[1].d, &in, &out))
		return in <= c->arg[0].d && out <= c->arg[0].d;
	return fits_max_price(s, i, c);
}

static int
provider_listed(const struct routesnap *s, size_t i, const struct cond *c)
{
	const char *t = routesnap_str(s, i, RS_PROVIDER);

	for (int k = 0; t != NULL && k < c->nlist; k++)
		if (strcmp(t, c->list[k]) == 0)
			return 1;
	return 0;
}

static int
fits_provider_in(const struct routesnap *s, size_t i, const struct cond *c)
{
	return provider_listed(s, i, c);
}

static int
fits_provider_not_in(const struct routesnap *s, size_t i, const struct cond *c)
{
	return routesnap_str(s, i, RS_PROVIDER) != NULL && !provider_listed(s, i, c);
}

/* String which of entry i equals c's text (SQL's =, NULL false). */
static int
equals(const struct routesnap *s, size_t i, enum routesnap_string which, const struct cond *c)
{
	const char *t = routesnap_str(s, i, which);

	return t != NULL && strcmp(t, c->arg[0].s) == 0;
}

/* String which of entry i holds c's text (SQL's instr() > 0, NULL false). */
static int
holds(const struct routesnap *s, size_t i, enum routesnap_string which, const struct cond *c)
{
	const char *t = routesnap_str(s, i, which);

	return t != NULL && strstr(t, c->arg[0].s) != NULL;
}

static int
fits_model(const struct routesnap *s, size_t i, const struct cond *c)
{
	return equals(s, i, RS_MODEL, c);
}

static int
fits_family(const struct routesnap *s, size_t i, const struct cond *c)
{
	return equals(s, i, RS_FAMILY, c);
}

static int
fits_modality_in(const struct routesnap *s, size_t i, const struct cond *c)
{
	return holds(s, i, RS_MOD_IN, c);
}

static int
fits_modality_out(const struct routesnap *s, size_t i, const struct cond *c)
{
	return holds(s, i, RS_MOD_OUT, c);
}

static int
fits_text_out(const struct routesnap *s, size_t i, const struct cond *c)
{
	const char *t = routesnap_str(s, i, RS_MOD_OUT);

	(void)c;
	return !(s->e[i].flags & RSF_MODALITIES) || (t != NULL && strstr(t, "\"text\"") != NULL);
}

static int
fits_min_context(const struct routesnap *s, size_t i, const struct cond *c)
{
	const struct routesnap_entry *e = &s->e[i];

	return (e->flags & RSF_CONTEXT) && (double)e->context_length >= c->arg[0].d;
}

static int
fits_need(const struct routesnap *s, size_t i, const struct cond *c)
{
	return holds(s, i, RS_FEATURES, c);
}

static int
fits_no_train(const struct routesnap *s, size_t i, const struct cond *c)
{
	(void)c;
	return !(s->e[i].flags & RSF_TRAINS);
}

/*
 * Every kind of constraint, once: the smallest request that makes it (the
 * tests ask it: test/unit/test_route.c, test/route-filters.bats), its SQL
 * over the models table, and beside it the same test of a route snapshot
 * entry, which must hold exactly when the SQL does for the row the entry was
 * made from.  In the SQL, ?1 and ?2 stand for the cond's arguments, ?* for
 * its list.
 */
static const struct cond_rule {
	const char	*request;
	const char	*sql;
	int		(*fits)(const struct routesnap *, size_t, const struct cond *);
} cond_rules[C_NKINDS] = {
	[C_FREE] = { "",
	    "free = 1", fits_free },
	[C_MAX_PRICE] = { "max_price=1",
	    "(free = 1 OR (input_price <= ?1 AND output_price <= ?1))", fits_max_price },
	/* The prices of the highest tier the prompt (?2) reaches, else the base prices. */
	[C_MAX_PRICE_AT] = { "max_price=1&prompt_tokens=32000",
	    "(free = 1 OR coalesce((SELECT max(json_extract(value, '$.input_price'), "
	    "json_extract(value, '$.output_price')) FROM json_each(price_tiers) "
	    "WHERE json_extract(value, '$.min_prompt_tokens') <= ?2 "
	    "ORDER BY json_extract(value, '$.min_prompt_tokens') DESC LIMIT 1), "
	    "max(input_price, output_price)) <= ?1)", fits_max_price_at },
	[C_PROVIDER_IN] = { "provider=groq,nvidia",
	    "provider IN (?*)", fits_provider_in },
	[C_PROVIDER_NOT_IN] = { "exclude_provider=groq",
	    "provider NOT IN (?*)", fits_provider_not_in },
	[C_MODEL] = { "model=llama-3.1-8b-instant",
	    "model = ?1", fits_model },
	[C_FAMILY] = { "family=llama",
	    "family = ?1", fits_family },
	[C_MODALITY_IN] = { "modality=image",
	    "instr(json_extract(modalities, '$.input'), ?1) > 0", fits_modality_in },
	[C_MODALITY_OUT] = { "modality=out:audio",
	    "instr(json_extract(modalities, '$.output'), ?1) > 0", fits_modality_out },
	/* A request wants text back unless it says otherwise. */
	[C_TEXT_OUT] = { "",
	    "(modalities IS NULL OR instr(json_extract(modalities, '$.output'), '\"text\"') > 0)",
	    fits_text_out },
	[C_MIN_CONTEXT] = { "min_context=32000",
	    "context_length >= ?1", fits_min_context },
	[C_NEED] = { "need=tools",
	    "instr(features, ?1) > 0", fits_need },
	/* Only true is left out: "unknown" is not known to train (afmts-route(1)). */
	[C_NO_TRAIN] = { "no_train=1",
	    "trains_on_prompts IS NOT 'true'", fits_no_train },
};

/* c holds for entry i, as its SQL would for the row the entry was made from. */
static int
fits(const struct routesnap *s, size_t i, const struct cond *c)
{
	return cond_rules[c->kind].fits(s, i, c);
}

/* Bind p as the next parameter: its number. */
static int
param(struct sqlq *b, const struct param *p)
{
	b->p[b->np] = *p;
	return ++b->np;
}

/* c's SQL, its rule's with ?1, ?2 and ?* numbered as the parameters bound here. */
static void
cond_sql(struct sqlq *b, struct cond *c)
{
	const char *t = cond_rules[c->kind].sql;
	int num[2] = { 0, 0 };
	size_t len = 0, n = sizeof c->sql;

	for (; *t != '\0' && len < n; t++) {
		if (t[0] == '?' && (t[1] == '1' || t[1] == '2')) {
			int a = *++t - '1';

			if (num[a] == 0)
				num[a] = param(b, &c->arg[a]);
			len += (size_t)snprintf(c->sql + len, n - len, "?%d", num[a]);
		} else if (t[0] == '?' && t[1] == '*') {
			t++;
			for (int k = 0; k < c->nlist && len < n; k++)
				len += (size_t)snprintf(c->sql + len, n - len, "%s?%d",
				    k ? ", " : "", param(b, &(struct param){ c->list[k], 0 }));
		} else {
			c->sql[len++] = *t;
		}
	}
	c->sql[len < n ? len : n - 1] = '\0';
}

/* A word as it appears inside a JSON array: with its quotes. */
static const char *
quoted(struct sqlq *b, const char *w)
{
	char *q = b->quoted[b->nquoted++];

	snprintf(q, sizeof b->quoted[0], "\"%s\"", w);
	return q;
}

static struct cond *
cond(struct sqlq *b, enum cond_kind kind)
{
	struct cond *c = &b->c[b->nc++];

	c->kind = kind;
	return c;
}

/* A provider list (opt: its option), for provider IN or NOT IN. */
static void
providers(struct sqlq *b, enum cond_kind kind, const char *const *list, int n, const char *opt)
{
	struct cond *c = cond(b, kind);
	size_t len;

	c->list = list;
	c->nlist = n;
	len = (size_t)snprintf(c->label, sizeof c->label, "%s ", opt);
	for (int i = 0; i < n && len < sizeof c->label; i++)
		len += (size_t)snprintf(c->label + len, sizeof c->label - len, "%s%s",
		    i ? "," : "", list[i]);
}

/* The price constraint: free only, the base prices, or the prices at the prompt's size. */
static void
price(struct sqlq *b, const struct route_query *q)
{
	double prompt = (double)(q->prompt_tokens > 0 ? q->prompt_tokens : q->min_context);
	struct cond *c;

	if (q->max_price < 0) {
		c = cond(b, C_FREE);
		snprintf(c->label, sizeof c->label, "free models only");
	} else if (prompt <= 0) {
		c = cond(b, C_MAX_PRICE);
		snprintf(c->label, sizeof c->label, "--max-price %g", q->max_price);
	} else {
		c = cond(b, C_MAX_PRICE_AT);
		c->arg[1].d = prompt;
		snprintf(c->label, sizeof c->label, "--max-price %g at a %.0f-token prompt",
		    q->max_price, prompt);
	}
	c->arg[0].d = q->max_price;
}

/* The request's constraints, in the order a "no model fits" message weighs them. */
static void
constraints(struct sqlq *b, const struct route_query *q)
{
	struct cond *c;
	int out_given = 0, i;

	price(b, q);
	if (q->nprovider > 0)
		providers(b, C_PROVIDER_IN, q->provider, q->nprovider, "--provider");
	if (q->nexclude > 0)
		providers(b, C_PROVIDER_NOT_IN, q->exclude, q->nexclude, "--exclude-provider");
	if (q->model != NULL) {
		c = cond(b, C_MODEL);
		c->arg[0].s = q->model;
		snprintf(c->label, sizeof c->label, "model %.100s", q->model);
	}
	if (q->family != NULL) {
		c = cond(b, C_FAMILY);
		c->arg[0].s = q->family;
		snprintf(c->label, sizeof c->label, "--family %s", q->family);
	}
	for (i = 0; i < q->nmodality; i++) {
		const char *m = q->modality[i];
		enum cond_kind kind = C_MODALITY_IN;

		if (strncmp(m, "out:", 4) == 0) {
			kind = C_MODALITY_OUT;
			m += 4;
			out_given = 1;
		} else if (strncmp(m, "in:", 3) == 0) {
			m += 3;
		}
		c = cond(b, kind);
		c->arg[0].s = quoted(b, m);
		snprintf(c->label, sizeof c->label, "--modality %s", q->modality[i]);
	}
	if (!out_given) {
		c = cond(b, C_TEXT_OUT);
		snprintf(c->label, sizeof c->label, "text output");
	}
	if (q->min_context > 0) {
		c = cond(b, C_MIN_CONTEXT);
		c->arg[0].d = (double)q->min_context;
		snprintf(c->label, sizeof c->label, "--min-context %lld", q->min_context);
	}
	for (i = 0; i < q->nneed; i++) {
		c = cond(b, C_NEED);
		c->arg[0].s = quoted(b, q->need[i]);
		snprintf(c->label, sizeof c->label, "--need %s", q->need[i]);
	}
	if (q->no_train) {
		c = cond(b, C_NO_TRAIN);
		snprintf(c->label, sizeof c->label, "--no-train");
	}
	for (i = 0; i < b->nc; i++)
		cond_sql(b, &b->c[i]);
}

static void
bind_params(sqlite3_stmt *st, const struct sqlq *b)
{
	for (int i = 0; i < b->np; i++)
		if (b->p[i].s != NULL)
			sqlite3_bind_text(st, i + 1, b->p[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_double(st, i + 1, b->p[i].d);
}

/* Append to buf (of size n, holding len bytes). */
static size_t
append(char *buf, size_t n, size_t len, const char *s)
{
	size_t k = strlen(s);

	if (len + k >= n)
		return n;
	memcpy(buf + len, s, k + 1);
	return len + k;
}

/* --- what the catalog says of one model ---------------------------------- */

static const char select_sql[] = "SELECT " ITEM_COLUMNS " FROM models WHERE present = 1";

static char *
dup_column(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return strdup(s != NULL ? s : "");
}

static long long
limit_column(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

void
item_free(struct item *it)
{
	if (it->borrowed)
		return;
	free((char *)it->provider);
	free((char *)it->model);
	free((char *)it->base_url);
	free((char *)it->key_env);
	free((char *)it->family);
	free((char *)it->local.slots_url);
	free((char *)it->local.health_url);
}

int
item_load(sqlite3_stmt *st, struct item *it)
{
	const char *seen;

	memset(it, 0, sizeof *it);
	it->provider = dup_column(st, 0);
	it->model = dup_column(st, 1);
	it->base_url = dup_column(st, 2);
	it->key_env = dup_column(st, 3);
	it->family = dup_column(st, 4);
	it->ctx = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
	it->free = sqlite3_column_int(st, 6);
	it->has_prices = sqlite3_column_type(st, 7) != SQLITE_NULL &&
	    sqlite3_column_type(st, 8) != SQLITE_NULL;
	it->in = sqlite3_column_double(st, 7);
	it->out = sqlite3_column_double(st, 8);
	if ((seen = (const char *)sqlite3_column_text(st, 9)) == NULL ||
	    utctime_parse(seen, &it->first_seen) == -1)
		it->first_seen = 0;
	it->lim.max[BW_RPM] = limit_column(st, 10);
	it->lim.max[BW_RPD] = limit_column(st, 11);
	it->lim.max[BW_TPM] = limit_column(st, 12);
	it->lim.max[BW_TPD] = limit_column(st, 13);
	it->lim.max[BW_RPMO] = limit_column(st, 18);
	budget_limits_words(&it->lim, (const char *)sqlite3_column_text(st, 19),
	    (const char *)sqlite3_column_text(st, 14), (const char *)sqlite3_column_text(st, 20),
	    (const char *)sqlite3_column_text(st, 21));
	it->local.slots_url = sqlite3_column_type(st, 15) == SQLITE_TEXT ? dup_column(st, 15) : NULL;
	it->local.health_url = sqlite3_column_type(st, 16) == SQLITE_TEXT ? dup_column(st, 16) : NULL;
	it->local.slots = limit_column(st, 17);
	if (it->provider == NULL || it->model == NULL || it->base_url == NULL ||
	    it->key_env == NULL || it->family == NULL) {
		item_free(it);
		return -1;
	}
	return 0;
}

int
item_judge(struct route_ctx *rc, struct item *it, time_t now)
{
	if (health_of(rc->hd, it->provider, it->model, now, &it->health) == -1 ||
	    budget_of(rc->bd, it->provider, it->model, &it->lim, now, &it->budget) == -1)
		return -1;
	it->usable = health_usable(it->health.state) && !it->budget.exhausted;
	return 0;
}

void
item_judge_local(const char *catalog, struct item *it)
{
	if (!it->usable || (it->local.slots_url == NULL && it->local.health_url == NULL))
		return;
	if (pool_look(catalog, &it->local, &it->server) == -1)
		return;
	if (!it->server.up || (it->server.total > 0 && it->server.busy >= it->server.total))
		it->usable = 0;
}

/* --- strategies ---------------------------------------------------------- */

static double
list_price(const struct item *it)
{
	return it->free ? 0 : it->in + it->out;
}

int
item_latency(struct route_ctx *rc, struct item *it, time_t now)
{
	char week[UTCTIME_LEN];
	sqlite3_stmt *st = catalog_prepare_once(rc->db, &rc->latency, "SELECT "
	    "sum(latency_sum), sum(latency_n) FROM usage_daily "
	    "WHERE provider = ?1 AND model = ?2 AND day >= ?3");
	int rc_step;

	if (st == NULL)
		return -1;
	(void)utctime_format(now - 6 * 86400, week);
	week[10] = '\0';
	sqlite3_bind_text(st, 1, it->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, it->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, week, -1, SQLITE_STATIC);
	it->key = NAN;
	if ((rc_step = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0)
		it->key = sqlite3_column_double(st, 0) / sqlite3_column_double(st, 1);
	sqlite3_reset(st);
	if (rc_step != SQLITE_ROW && rc_step != SQLITE_DONE) {
		catalog_fail(rc->db, rc_step, "read latencies");
		return -1;
	}
	return 0;
}

/* xorshift64*: enough for spreading load, seeded per decision. */
static double
uniform(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/*
 * The next turn of the round-robin counter kept beside the catalog (which
 * this program only reads); 0 if it cannot be kept.
 */
static unsigned long long
next_turn(const char *catalog)
{
	char path[4096], buf[32] = "";
	unsigned long long turn = 0;
	ssize_t n;
	int fd;

	if (catalog == NULL || snprintf(path, sizeof path, "%s.rr", catalog) >= (int)sizeof path ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return 0;
	if (flock(fd, LOCK_EX) == 0) {
		if ((n = read(fd, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			turn = strtoull(buf, NULL, 10);
		}
		n = snprintf(buf, sizeof buf, "%llu\n", turn + 1);
		if (pwrite(fd, buf, (size_t)n, 0) != n)
			err_warn("%s: cannot record the round-robin turn", path);
	}
	close(fd);
	return turn;
}

static int
by_key(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int xn = isnan(x->key), yn = isnan(y->key);

	if (xn != yn)
		return xn - yn;		/* the unmeasured last */
	if (!xn && x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->order - y->order;
}

/* Sort keys (ascending) and scores for the strategies that see every candidate. */
static void
rank_all(const struct route_query *q, struct item *v, size_t n)
{
	uint64_t state = q->seed ? q->seed : ((uint64_t)q->now << 20) ^ (uint64_t)getpid() ^
	    (uint64_t)clock();
	unsigned long long turn;

	if (state == 0)
		state = 1;
	switch (q->strategy) {
	case ROUTE_FASTEST:
		for (size_t i = 0; i < n; i++)
			v[i].score = v[i].key;	/* the mean latency, read with the item */
		break;
	case ROUTE_LEAST_USED:
		for (size_t i = 0; i < n; i++)
			v[i].key = v[i].score = (double)v[i].budget.requests_today;
		break;
	case ROUTE_ROUND_ROBIN:
		turn = n > 0 ? next_turn(q->catalog) % n : 0;
		for (size_t i = 0; i < n; i++)
			v[i].key = v[i].score = (double)((i + n - turn) % n);
		break;
	case ROUTE_RANDOM:
		/* Efraimidis-Spirakis: the largest u^(1/w) first. */
		for (size_t i = 0; i < n; i++) {
			double w = v[i].budget.day_left *
			    (v[i].health.state == HEALTH_HALF_OPEN ? 0.5 : 1);

			v[i].score = w;
			v[i].key = w > 0 ? -pow(uniform(&state), 1 / w) : 0;
		}
		break;
	default:
		break;
	}
	/* Nothing to rank is no array at all (v NULL): qsort must not see it. */
	if (n > 1)
		qsort(v, n, sizeof *v, by_key);
}

/* --- output -------------------------------------------------------------- */

/* Why it cannot take a request now, after prefix. */
static void
unusable(const struct item *it, const char *prefix, char *why, size_t n)
{
	char until[UTCTIME_LEN] = "";

	if (it->usable == 0 && health_usable(it->health.state) && !it->budget.exhausted) {
		(void)utctime_format(it->server.down_since, until);
		if (it->server.up)
			snprintf(why, n, "%slocal server busy (%d of %d slots)", prefix,
			    it->server.busy, it->server.total);
		else
			snprintf(why, n, "%slocal server not answering since %s", prefix, until);
	} else if (it->budget.exhausted) {
		(void)utctime_format(it->budget.until, until);
		snprintf(why, n, "%sout of budget (%s) until %s", prefix, it->budget.which, until);
	} else {
		(void)utctime_format(it->health.until, until);
		snprintf(why, n, "%s%s after HTTP %d%s%s", prefix, health_name(it->health.state),
		    it->health.status, it->health.until ? " until " : "",
		    it->health.until ? until : "");
	}
}

/* The day's budget: what is left of how many, whose limit, and when it resets. */
static size_t
day_words(const struct item *it, char *out, size_t n)
{
	char reset[UTCTIME_LEN];
	int k;

	k = snprintf(out, n, ", %.0f%% of the day's %lld%s requests left", it->budget.day_left * 100,
	    (long long)it->budget.max[BW_RPD], it->budget.learned & 1 << BW_RPD ? " (learned)" : "");
	if (k < 0 || (size_t)k >= n)
		return n;
	if (it->budget.day_reset_at != 0 && utctime_format(it->budget.day_reset_at, reset) == 0)
		k += snprintf(out + k, n - (size_t)k, "%s %s", it->lim.day_reset ==
		    UTCTIME_RESET_ROLLING ? ", the oldest leaves the rolling day at" :
		    ", resets", reset);
	return (size_t)k;
}

static void
explain(const struct route_query *q, const struct item *it, char *why, size_t n)
{
	size_t len = 0;

	switch (q->strategy) {
	case ROUTE_FREE_FIRST:
	case ROUTE_CHEAPEST:
		if (it->free)
			len = (size_t)snprintf(why, n, "free");
		else
			len = (size_t)snprintf(why, n, "%.4g USD/M tokens", list_price(it));
		break;
	case ROUTE_FASTEST:
		if (isnan(it->key))
			len = (size_t)snprintf(why, n, "no latency measured yet");
		else
			len = (size_t)snprintf(why, n, "mean latency %.0f ms (7 days)", it->key);
		break;
	case ROUTE_LEAST_USED:
		len = (size_t)snprintf(why, n, "%lld requests today", it->budget.requests_today);
		break;
	case ROUTE_ROUND_ROBIN:
		len = (size_t)snprintf(why, n, "round-robin turn");
		break;
	case ROUTE_RANDOM:
		len = (size_t)snprintf(why, n, "drawn with weight %.2f", it->score);
		break;
	default:
		break;
	}
	if (len < n && it->ctx >= 0)
		len += (size_t)snprintf(why + len, n - len, ", %lld-token context", it->ctx);
	if (len < n && it->budget.max[BW_RPD] >= 0)
		len += day_words(it, why + len, n - len);
	if (len < n && it->health.state == HEALTH_HALF_OPEN)
		len += (size_t)snprintf(why + len, n - len, ", half-open trial after HTTP %d",
		    it->health.status);
	else if (len < n && it->health.failures > 0 && it->health.state == HEALTH_CLOSED)
		len += (size_t)snprintf(why + len, n - len, ", %d recent failure%s",
		    it->health.failures, it->health.failures > 1 ? "s" : "");
	if (len < n && !it->usable)
		unusable(it, ", ", why + len, n - len);
}

static int
emit_item(const struct route_query *q, struct item *it, int rank, route_emit emit, void *arg)
{
	char why[256];
	struct candidate c = {
		.rank = rank, .provider = it->provider, .model = it->model,
		.base_url = it->base_url, .key_env = it->key_env, .family = it->family,
		.why = why, .context_length = it->ctx, .free = it->free,
		.has_prices = it->has_prices, .input_price = it->in, .output_price = it->out,
		.first_seen = it->first_seen, .usable = it->usable, .health = it->health,
		.budget = it->budget, .local = it->local, .server = it->server,
	};

	switch (q->strategy) {
	case ROUTE_FREE_FIRST:
		c.score = (double)(it->ctx > 0 ? it->ctx : 0);
		break;
	case ROUTE_CHEAPEST:
		c.score = list_price(it);
		break;
	default:
		c.score = it->score;
		break;
	}
	explain(q, it, why, sizeof why);
	return emit(&c, arg);
}

/* --- selection ----------------------------------------------------------- */

/* Remember the first model that fits but cannot take a request now, and why. */
static void
note_blocked(const struct item *it, int before, char *why, size_t n)
{
	int k;

	if (before > 0)
		return;
	k = snprintf(why, n, "%.60s/%.80s", it->provider, it->model);
	unusable(it, ": ", why + k, n - (size_t)k);
}

/* How many models, once every constraint has its say, the "no model fits" message. */
static void
say_empty(const struct sqlq *b, const long long *passed, int blocked, const char *first_blocked,
    char *why, size_t n)
{
	long long prev = passed[0];
	int i;

	if (prev == 0)
		snprintf(why, n, "the catalog holds no present model (run afmts-discover)");
	for (i = 0; prev > 0 && i < b->nc; i++) {
		if (passed[i + 1] == 0) {
			snprintf(why, n, "%s leaves none of the %lld model%s that passed the "
			    "constraints before it", b->c[i].label, prev, prev > 1 ? "s" : "");
			break;
		}
		prev = passed[i + 1];
	}
	if (i == b->nc && prev > 0)
		snprintf(why, n, "all %d model%s that fit cannot take a request now (%s)",
		    blocked, blocked > 1 ? "s" : "", first_blocked);
}

/*
 * Which constraint emptied the list: counts after each one, in one query.
 * k is how many constraints a model passes in turn, so that each constraint's
 * SQL is written once (the longest request's would not fit written n^2/2 times).
 */
static int
diagnose(struct route_ctx *rc, const struct sqlq *b, int blocked, const char *first_blocked,
    char *why, size_t n)
{
	char sql[8192], word[64];
	size_t len = append(sql, sizeof sql, 0, "SELECT count(*)");
	sqlite3_stmt *st;
	long long passed[MAX_CONDS + 1];
	int rc_step, i;

	for (i = 1; i <= b->nc; i++) {
		snprintf(word, sizeof word, ", sum(k >= %d)", i);
		len = append(sql, sizeof sql, len, word);
	}
	len = append(sql, sizeof sql, len, " FROM (SELECT CASE");
	for (i = 0; i < b->nc; i++) {
		len = append(sql, sizeof sql, len, " WHEN NOT coalesce((");
		len = append(sql, sizeof sql, len, b->c[i].sql);
		snprintf(word, sizeof word, "), 0) THEN %d", i);
		len = append(sql, sizeof sql, len, word);
	}
	snprintf(word, sizeof word, " ELSE %d END AS k FROM models WHERE present = 1)", b->nc);
	len = append(sql, sizeof sql, len, word);
	if (len >= sizeof sql || (st = catalog_prepare(rc->db, sql)) == NULL)
		return -1;
	bind_params(st, b);
	if ((rc_step = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		catalog_fail(rc->db, rc_step, "count models");
		return -1;
	}
	for (i = 0; i <= b->nc; i++)
		passed[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	say_empty(b, passed, blocked, first_blocked, why, n);
	return 0;
}

/* The present models that meet b's constraints, in the order strategy starts from; NULL. */
static sqlite3_stmt *
prepare_select(struct route_ctx *rc, const struct sqlq *b, enum route_strategy strategy)
{
	char sql[8192];
	size_t len = append(sql, sizeof sql, 0, select_sql);
	sqlite3_stmt *st;

	for (int i = 0; i < b->nc; i++) {
		len = append(sql, sizeof sql, len, " AND (");
		len = append(sql, sizeof sql, len, b->c[i].sql);
		len = append(sql, sizeof sql, len, ")");
	}
	len = append(sql, sizeof sql, len, strategy == ROUTE_CHEAPEST ?
	    " ORDER BY CASE WHEN free THEN 0 ELSE coalesce(input_price, 0) + "
	    "coalesce(output_price, 0) END, free DESC, context_length DESC, provider, model" :
	    " ORDER BY free DESC, context_length DESC, provider, model");
	if (len >= sizeof sql || (st = catalog_prepare(rc->db, sql)) == NULL)
		return NULL;
	bind_params(st, b);
	return st;
}

/* Append *it (taken) to the growing array *v of *nv items.  0, or -1 (reported; *it freed). */
static int
keep_item(struct item **v, size_t *nv, size_t *cap, struct item *it)
{
	if (*nv == *cap) {
		size_t more = *cap ? 2 * *cap : 64;
		struct item *p = realloc(*v, more * sizeof **v);

		if (p == NULL) {
			err_warn("out of memory");
			item_free(it);
			return -1;
		}
		*v = p;
		*cap = more;
	}
	it->order = (int)*nv;
	(*v)[(*nv)++] = *it;
	return 0;
}

int
route_select(struct route_ctx *rc, const struct route_query *q, route_emit emit, void *arg,
    char *why, size_t n)
{
	struct sqlq b;
	char blocked_why[256] = "";
	size_t cap = 0, nv = 0;
	sqlite3_stmt *st;
	struct item it, *v = NULL;
	int stream = q->strategy == ROUTE_FREE_FIRST || q->strategy == ROUTE_CHEAPEST;
	int emitted = 0, blocked = 0, step, result = -1, stop = 0;

	memset(&b, 0, sizeof b);
	constraints(&b, q);
	/* What an earlier decision learnt of providers is not this one's to use. */
	health_forget(rc->hd);
	budget_forget(rc->bd);
	/* One read transaction: one snapshot, and locks taken once, not per query. */
	if (catalog_exec(rc->db, "SAVEPOINT route") != CATALOG_OK)
		return -1;
	if ((st = prepare_select(rc, &b, q->strategy)) == NULL) {
		catalog_exec(rc->db, "RELEASE route");
		return -1;
	}
	while (!stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (item_load(st, &it) == -1) {
			err_warn("out of memory");
			goto out;
		}
		if (item_judge(rc, &it, q->now) == -1 ||
		    (q->strategy == ROUTE_FASTEST && item_latency(rc, &it, q->now) == -1)) {
			item_free(&it);
			goto out;
		}
		item_judge_local(q->catalog, &it);
		if (!it.usable && !q->all) {
			note_blocked(&it, blocked++, blocked_why, sizeof blocked_why);
			item_free(&it);
			continue;
		}
		if (stream) {
			stop = emit_item(q, &it, ++emitted, emit, arg) != 0 ||
			    (q->count > 0 && emitted == q->count);
			item_free(&it);
			continue;
		}
		if (keep_item(&v, &nv, &cap, &it) == -1)
			goto out;
	}
	if (!stop && step != SQLITE_DONE) {
		catalog_fail(rc->db, step, "select models");
		goto out;
	}
	if (!stream) {
		rank_all(q, v, nv);
		for (size_t i = 0; i < nv && !stop; i++)
			stop = emit_item(q, &v[i], ++emitted, emit, arg) != 0 ||
			    (q->count > 0 && emitted == q->count);
	}
	if (emitted == 0 && diagnose(rc, &b, blocked, blocked_why, why, n) == -1)
		goto out;
	result = emitted;
out:
	for (size_t i = 0; i < nv; i++)
		item_free(&v[i]);
	free(v);
	sqlite3_finalize(st);
	if (catalog_exec(rc->db, "RELEASE route") != CATALOG_OK)
		result = -1;
	return result;
}

/* --- selection from the route snapshot ----------------------------------- */

/* All of b's constraints hold for entry i. */
static int
fits_all(const struct routesnap *s, size_t i, const struct sqlq *b)
{
	for (int k = 0; k < b->nc; k++)
		if (!fits(s, i, &b->c[k]))
			return 0;
	return 1;
}

void
item_of_entry(const struct routesnap *s, size_t i, struct item *it)
{
	const struct routesnap_entry *e = &s->e[i];

	memset(it, 0, sizeof *it);
	it->borrowed = 1;
	it->provider = routesnap_str(s, i, RS_PROVIDER);
	it->model = routesnap_str(s, i, RS_MODEL);
	it->base_url = routesnap_str(s, i, RS_BASE_URL);
	it->key_env = routesnap_str(s, i, RS_KEY_ENV);
	it->family = routesnap_str(s, i, RS_FAMILY);
	it->ctx = e->context_length;
	it->free = e->free_value;
	it->has_prices = (e->flags & RSF_HAS_PRICES) != 0;
	it->in = e->input_price;
	it->out = e->output_price;
	it->first_seen = (time_t)e->first_seen;
	it->lim.max[BW_RPM] = e->rpm;
	it->lim.max[BW_RPD] = e->rpd;
	it->lim.max[BW_TPM] = e->tpm;
	it->lim.max[BW_TPD] = e->tpd;
	it->lim.max[BW_RPMO] = e->rpmo;
	it->lim.scope = e->scope;
	it->lim.day_reset = e->day_reset;
	it->lim.day_offset = e->day_offset;
	it->lim.header_requests = e->header_requests;
	it->lim.header_tokens = e->header_tokens;
	it->local.slots_url = routesnap_str(s, i, RS_SLOTS_URL);
	it->local.health_url = routesnap_str(s, i, RS_HEALTH_URL);
	it->local.slots = e->slots;
}

/* Entry i with its judgment at now; 0, or -1 when the judgment has expired or is not whole. */
static int
judged_item(const struct routesnap *s, size_t i, time_t now, struct item *it)
{
	const struct routesnap_judgment *j = &s->e[i].j;

	item_of_entry(s, i, it);
	if (now < j->judged_at || now >= j->stable_until || it->provider == NULL ||
	    it->model == NULL || it->base_url == NULL || it->key_env == NULL ||
	    it->family == NULL || j->health_state < HEALTH_CLOSED || j->health_state > HEALTH_GONE)
		return -1;
	it->health.state = (enum health_state)j->health_state;
	it->health.since = (time_t)j->health_since;
	it->health.until = (time_t)j->health_until;
	it->health.status = j->health_status;
	it->health.failures = j->health_failures;
	it->budget.exhausted = j->exhausted;
	it->budget.which = routesnap_which(j->which);
	it->budget.until = (time_t)j->budget_until;
	it->budget.requests_today = j->requests_today;
	it->budget.tokens_today = j->tokens_today;
	it->budget.requests_minute = j->requests_minute;
	it->budget.day_left = j->day_left;
	it->budget.day_reset_at = (time_t)j->day_reset_at;
	it->budget.max[BW_RPD] = j->rpd;
	it->budget.learned = j->learned;
	it->key = j->latency;
	it->usable = health_usable(it->health.state) && !it->budget.exhausted;
	return 0;
}

/* Cheapest order: list price, then free-first (the snapshot's own order). */
struct priced {
	double	 price;
	size_t	 i;
};

static int
by_price(const void *a, const void *b)
{
	const struct priced *x = a, *y = b;

	if (x->price != y->price)
		return x->price < y->price ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The entries that fit in cheapest order: into *out (n of them).  0 or -1. */
static int
cheapest_order(const struct routesnap *s, const struct sqlq *b, size_t **out, size_t *n)
{
	struct priced *w = malloc((s->n ? s->n : 1) * sizeof *w);
	size_t *o, k = 0;

	if (w == NULL)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		const struct routesnap_entry *e = &s->e[i];

		if (!fits_all(s, i, b))
			continue;
		w[k].i = i;
		/* As SQL's CASE WHEN free THEN 0 ELSE coalesce(in, 0) + coalesce(out, 0) END. */
		w[k].price = e->free_value ? 0 : ((e->flags & RSF_IN_PRICE) ? e->input_price : 0) +
		    ((e->flags & RSF_OUT_PRICE) ? e->output_price : 0);
		k++;
	}
	qsort(w, k, sizeof *w, by_price);
	if ((o = malloc((k ? k : 1) * sizeof *o)) == NULL) {
		free(w);
		return -1;
	}
	for (size_t i = 0; i < k; i++)
		o[i] = w[i].i;
	free(w);
	*out = o;
	*n = k;
	return 0;
}

/* passed[c]: entries that pass the first c constraints, for say_empty. */
static void
count_passed(const struct routesnap *s, const struct sqlq *b, long long *passed)
{
	memset(passed, 0, (size_t)(b->nc + 1) * sizeof *passed);
	for (size_t i = 0; i < s->n; i++) {
		int c = 0;

		while (c < b->nc && fits(s, i, &b->c[c]))
			c++;
		for (int d = 0; d <= c; d++)
			passed[d]++;
	}
}

int
route_select_snapshot(const char *catalog, const struct route_query *q, route_emit emit,
    void *arg, char *why, size_t n)
{
	struct routesnap s;
	struct sqlq b;
	struct item it, *v = NULL;
	char blocked_why[256] = "";
	size_t *order = NULL, nwalk, cap, nv = 0;
	int stream = q->strategy == ROUTE_FREE_FIRST || q->strategy == ROUTE_CHEAPEST;
	int emitted = 0, blocked = 0, result = -2, stop = 0;

	if (routesnap_open(&s, catalog) == -1)
		return -2;
	memset(&b, 0, sizeof b);
	constraints(&b, q);
	/* Free-first is the snapshot's order: walked as it stands, and only as far as needed. */
	nwalk = s.n;
	if (q->strategy == ROUTE_CHEAPEST && cheapest_order(&s, &b, &order, &nwalk) == -1)
		goto out;
	cap = stream && q->count > 0 && (size_t)q->count < nwalk ? (size_t)q->count : nwalk;
	if ((v = malloc((cap ? cap : 1) * sizeof *v)) == NULL)
		goto out;
	/* Judge first, emit after: an expired judgment leaves the answer to the catalog. */
	for (size_t k = 0; k < nwalk && nv < cap; k++) {
		size_t i = order != NULL ? order[k] : k;

		if (order == NULL && !fits_all(&s, i, &b))
			continue;
		if (judged_item(&s, i, q->now, &it) == -1)
			goto out;
		item_judge_local(q->catalog, &it);
		if (!it.usable && !q->all) {
			note_blocked(&it, blocked++, blocked_why, sizeof blocked_why);
			continue;
		}
		it.order = (int)nv;
		v[nv++] = it;
	}
	if (!stream)
		rank_all(q, v, nv);
	for (size_t i = 0; i < nv && !stop; i++)
		stop = emit_item(q, &v[i], ++emitted, emit, arg) != 0 ||
		    (q->count > 0 && emitted == q->count);
	if (emitted == 0) {
		long long passed[MAX_CONDS + 1];

		count_passed(&s, &b, passed);
		say_empty(&b, passed, blocked, blocked_why, why, n);
	}
	result = emitted;
out:
	free(order);
	free(v);
	routesnap_close(&s);
	return result;
}
