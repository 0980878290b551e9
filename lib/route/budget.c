/*
 * budget: rate limits against counted use, each in its window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "catalog.h"
#include "utctime.h"

enum {
	S_ROWS_MODEL, S_ROWS_PROVIDER, S_NTH_MODEL, S_NTH_PROVIDER, S_DAYS_MODEL,
	S_DAYS_PROVIDER, S_LEARNED, S_COUNT
};

#define MODEL_ID "mid = (SELECT id FROM usage_models WHERE provider = ?1 AND model = ?2)"
/*
 * The provider's models that share its budget: those whose limits have a
 * shared scope (a paid model whose provider's limits are the free ones'
 * carries none, and its use is not theirs).
 */
#define SHARING "SELECT model FROM models WHERE provider = ?1 AND " \
	"json_extract(limits, '$.scope') IN ('provider', 'key', 'ip')"

static const char *const sql[S_COUNT] = {
	[S_ROWS_MODEL] = "SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), "
	    "min(ts) FROM usage WHERE " MODEL_ID " AND ts > ?3 AND ts <= ?4 AND cached IS NULL",
	[S_ROWS_PROVIDER] = "SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), "
	    "min(ts) FROM usage WHERE ts > ?3 AND ts <= ?4 AND cached IS NULL AND mid IN "
	    "(SELECT id FROM usage_models WHERE provider = ?1 AND model IN (" SHARING "))",
	/* The request whose leaving the window makes room: the (count - limit)th oldest. */
	[S_NTH_MODEL] = "SELECT ts FROM usage WHERE " MODEL_ID " AND ts > ?3 AND ts <= ?4 AND cached IS NULL "
	    "ORDER BY ts LIMIT 1 OFFSET ?5",
	[S_NTH_PROVIDER] = "SELECT ts FROM usage WHERE ts > ?3 AND ts <= ?4 AND cached IS NULL "
	    "AND mid IN (SELECT id FROM usage_models WHERE provider = ?1 AND model IN (" SHARING
	    ")) ORDER BY ts LIMIT 1 OFFSET ?5",
	/* Cache hits reached no provider: they are not its use (migration 013). */
	[S_DAYS_MODEL] = "SELECT coalesce(sum(requests - cached), 0), "
	    "coalesce(sum(prompt_tokens + completion_tokens - cached_tokens), 0), NULL "
	    "FROM usage_daily WHERE provider = ?1 AND model = ?2 AND day BETWEEN ?3 AND ?4",
	[S_DAYS_PROVIDER] = "SELECT coalesce(sum(requests - cached), 0), "
	    "coalesce(sum(prompt_tokens + completion_tokens - cached_tokens), 0), NULL "
	    "FROM usage_daily WHERE day BETWEEN ?3 AND ?4 AND provider = ?1 AND model IN (" SHARING
	    ")",
	/*
	 * Headers' figures lapse a day after they were last sent; the account's
	 * (afmts-track's "account:WINDOW") stay as tracked, and come first, so
	 * that headers tighten them whatever the order of the rows.
	 */
	[S_LEARNED] = "SELECT kind, lim, remaining, reset_at, observed_at FROM ratelimits "
	    "WHERE provider = ?1 AND model IN (?2, '') AND (observed_at >= ?3 OR "
	    "kind LIKE 'account:%') ORDER BY kind LIKE 'account:%' DESC",
};

static const char *const window_names[BW_COUNT] = { "rpm", "tpm", "rpd", "tpd", "rpmo" };
static const char *const scope_names[] = { "model", "provider", "key", "ip" };

const char *
budget_window_name(int w)
{
	return w >= 0 && w < BW_COUNT ? window_names[w] : NULL;
}

int
budget_window_of(const char *name)
{
	for (int w = 0; name != NULL && w < BW_COUNT; w++)
		if (strcmp(name, window_names[w]) == 0)
			return w;
	return -1;
}

const char *
budget_scope_name(int scope)
{
	return scope >= BS_MODEL && scope <= BS_IP ? scope_names[scope] : scope_names[0];
}

int
budget_scope_of(const char *name)
{
	for (int s = BS_MODEL; name != NULL && s <= BS_IP; s++)
		if (strcmp(name, scope_names[s]) == 0)
			return s;
	return BS_MODEL;
}

void
budget_limits_words(struct limits *lim, const char *day_reset, const char *scope,
    const char *header_requests, const char *header_tokens)
{
	int w;

	lim->scope = budget_scope_of(scope);
	if (day_reset == NULL || utctime_reset_parse(day_reset, strlen(day_reset),
	    &lim->day_reset, &lim->day_offset) == -1) {
		lim->day_reset = UTCTIME_RESET_UTC;
		lim->day_offset = 0;
	}
	w = budget_window_of(header_requests);
	lim->header_requests = w == BW_RPD || w == BW_RPMO ? w : BW_RPM;
	w = budget_window_of(header_tokens);
	lim->header_tokens = w == BW_TPD ? w : BW_TPM;
}

/* The spans use is counted over: a minute, the descriptor's day, the UTC month. */
enum { SP_MINUTE, SP_DAY, SP_MONTH, SP_COUNT };

/* Use within one span and scope: its requests and tokens. */
struct use {
	long long	 requests, tokens;
	time_t		 oldest;	/* oldest row counted, when counted from rows */
};

struct spans {
	time_t		 now, from[SP_COUNT], end[SP_COUNT];
	int		 rolling[SP_COUNT];	/* counted from rows, each leaving after length */
	int		 rows[SP_COUNT];	/* counted from rows (else usage_daily's days) */
	char		 day_from[SP_COUNT][UTCTIME_LEN], today[UTCTIME_LEN];
};

/* A provider-wide scope's use, counted once per decision. */
struct shared {
	char		 provider[64];
	time_t		 day_from;
	struct use	 use[SP_COUNT];
	int		 has;		/* bit 1 << span */
};

struct budget_db {
	sqlite3		*db;
	sqlite3_stmt	*st[S_COUNT];
	struct shared	 cache[8];
	int		 ncache;
};

void
budget_forget(struct budget_db *bd)
{
	bd->ncache = 0;
}

struct budget_db *
budget_open(sqlite3 *db)
{
	struct budget_db *bd = calloc(1, sizeof *bd);

	if (bd == NULL)
		return NULL;
	bd->db = db;
	return bd;
}

void
budget_close(struct budget_db *bd)
{
	if (bd == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(bd->st[i]);
	free(bd);
}

static void
spans_at(time_t now, const struct limits *lim, struct spans *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->now = now;
	(void)utctime_format(now, sp->today);
	sp->today[10] = '\0';
	sp->from[SP_MINUTE] = now - 60 + 1;
	sp->end[SP_MINUTE] = now + 1;
	sp->rows[SP_MINUTE] = sp->rolling[SP_MINUTE] = 1;
	utctime_day_window(now, lim->day_reset, lim->day_offset, &sp->from[SP_DAY],
	    &sp->end[SP_DAY]);
	sp->rows[SP_DAY] = lim->day_reset != UTCTIME_RESET_UTC;
	sp->rolling[SP_DAY] = lim->day_reset == UTCTIME_RESET_ROLLING;
	memcpy(sp->day_from[SP_DAY], sp->today, sizeof sp->today);
	utctime_month_window(now, &sp->from[SP_MONTH], &sp->end[SP_MONTH]);
	(void)utctime_format(sp->from[SP_MONTH], sp->day_from[SP_MONTH]);
	sp->day_from[SP_MONTH][10] = '\0';
}

/* Step st (bound: ?1 provider, ?2 model) after binding span k of sp.  The row's columns in u. */
static int
run(struct budget_db *bd, int which, const char *provider, const char *model,
    const struct spans *sp, int k, long long nth, struct use *u)
{
	sqlite3_stmt *st = catalog_prepare_once(bd->db, &bd->st[which], sql[which]);
	int rc;

	memset(u, 0, sizeof *u);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	if (sp->rows[k]) {
		sqlite3_bind_int64(st, 3, (sqlite3_int64)sp->from[k] - 1);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)sp->now);
	} else {
		sqlite3_bind_text(st, 3, sp->day_from[k], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, sp->today, -1, SQLITE_STATIC);
	}
	if (which == S_NTH_MODEL || which == S_NTH_PROVIDER)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)nth);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int last = sqlite3_column_count(st) - 1;

		u->requests = sqlite3_column_int64(st, 0);
		u->tokens = last > 0 ? sqlite3_column_int64(st, 1) : 0;
		if (sqlite3_column_type(st, last) == SQLITE_INTEGER)
			u->oldest = (time_t)sqlite3_column_int64(st, last);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(bd->db, rc, "count usage");
		return -1;
	}
	return 0;
}

/* Use of span k in scope (shared: the provider's, counted once per decision). */
static int
use_of(struct budget_db *bd, const char *provider, const char *model, int shared,
    const struct spans *sp, int k, struct use *u)
{
	struct shared *s = NULL;
	int which = sp->rows[k] ? S_ROWS_MODEL : S_DAYS_MODEL;

	if (!shared)
		return run(bd, which, provider, model, sp, k, 0, u);
	for (int i = 0; i < bd->ncache && s == NULL; i++)
		if (strcmp(bd->cache[i].provider, provider) == 0 &&
		    bd->cache[i].day_from == sp->from[SP_DAY])
			s = &bd->cache[i];
	if (s == NULL) {
		s = &bd->cache[bd->ncache < 8 ? bd->ncache++ : 7];
		memset(s, 0, sizeof *s);
		snprintf(s->provider, sizeof s->provider, "%s", provider);
		s->day_from = sp->from[SP_DAY];
	}
	if (!(s->has & 1 << k)) {
		if (run(bd, which + 1, provider, "", sp, k, 0, &s->use[k]) == -1)
			return -1;
		s->has |= 1 << k;
	}
	*u = s->use[k];
	return 0;
}

/*
 * Mark b exhausted by which until t, unless an earlier limit already did.
 * Whatever exhausts it may let go at t, so the judgment holds until then.
 */
static void
exhaust(struct budget *b, const char *which, time_t until)
{
	if (until < b->stable_until)
		b->stable_until = until;
	if (b->exhausted && b->until >= until)
		return;
	b->exhausted = 1;
	b->which = which;
	b->until = until;
}

/* What reported x-ratelimit headers say: limits into b->max, nothing left into b. */
static int
learned(struct budget_db *bd, const char *provider, const char *model,
    const struct limits *lim, time_t now, struct budget *b)
{
	sqlite3_stmt *st = catalog_prepare_once(bd->db, &bd->st[S_LEARNED], sql[S_LEARNED]);
	char day_ago[UTCTIME_LEN];
	int rc;

	if (st == NULL || utctime_format(now - 86400, day_ago) == -1)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, day_ago, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *reset = (const char *)sqlite3_column_text(st, 3);
		const char *seen = (const char *)sqlite3_column_text(st, 4);
		time_t until = 0, at = 0;
		/* "account:WINDOW": the account's own figure (afmts-track), not a header's. */
		int account = kind != NULL && strncmp(kind, "account:", 8) == 0;
		int w = kind == NULL ? -1 : account ? budget_window_of(kind + 8) :
		    strcmp(kind, "requests") == 0 ? lim->header_requests :
		    strcmp(kind, "tokens") == 0 ? lim->header_tokens : -1;
		long long max = sqlite3_column_int64(st, 1);

		if (seen == NULL || utctime_parse(seen, &at) == -1)
			continue;
		/* Not seen again for a day: the provider stopped saying it. */
		if (!account && at + 86400 < b->stable_until)
			b->stable_until = at + 86400;
		/*
		 * Headers only tighten a limit; the account's figure (read first)
		 * replaces the descriptor's, which is for any account.
		 */
		if (w >= 0 && sqlite3_column_type(st, 1) == SQLITE_INTEGER &&
		    (b->max[w] < 0 || max < b->max[w] || account)) {
			b->max[w] = max;
			b->learned |= 1 << w;
			b->learned_at[w] = at;
		}
		if (sqlite3_column_type(st, 2) != SQLITE_INTEGER || sqlite3_column_int64(st, 2) > 0)
			continue;
		/* Nothing remaining and no reset time given: assume a minute's window. */
		if (reset == NULL || utctime_parse(reset, &until) == -1)
			until = at + 60;
		if (until > now)
			exhaust(b, "x-ratelimit", until);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(bd->db, rc, "read learned rate limits");
		return -1;
	}
	return 0;
}

static const int span_of[BW_COUNT] = {
	[BW_RPM] = SP_MINUTE, [BW_TPM] = SP_MINUTE, [BW_RPD] = SP_DAY, [BW_TPD] = SP_DAY,
	[BW_RPMO] = SP_MONTH
};

/*
 * When window w (whose span k is rolling) has room again: when enough of its
 * requests have left it (the (used - max)th oldest), or for tokens its oldest.
 */
static int
frees_at(struct budget_db *bd, const char *provider, const char *model, int shared,
    const struct spans *sp, int w, const struct budget *b, const struct use *u, time_t *t)
{
	time_t length = span_of[w] == SP_MINUTE ? 60 : 86400;
	struct use nth;

	*t = u->oldest + length;
	if (w != BW_RPM && w != BW_RPD)
		return 0;
	if (run(bd, shared ? S_NTH_PROVIDER : S_NTH_MODEL, provider, shared ? "" : model, sp,
	    span_of[w], b->used[w] - b->max[w], &nth) == -1)
		return -1;
	if (nth.oldest != 0)
		*t = nth.oldest + length;
	return 0;
}

/* Use of each window with a limit against it; exhausted ones into b. */
static int
weigh(struct budget_db *bd, const char *provider, const char *model, int shared,
    const struct spans *sp, struct budget *b)
{
	struct use u[SP_COUNT];
	int have = 0;

	for (int w = 0; w < BW_COUNT; w++) {
		int k = span_of[w];

		if (b->max[w] < 0)
			continue;
		if (!(have & 1 << k) && use_of(bd, provider, model, shared, sp, k, &u[k]) == -1)
			return -1;
		have |= 1 << k;
		b->used[w] = w == BW_TPM || w == BW_TPD ? u[k].tokens : u[k].requests;
		/* A rolling window with nothing in it has nothing to reset: 0. */
		b->reset[w] = !sp->rolling[k] ? sp->end[k] : u[k].oldest != 0 ?
		    u[k].oldest + (k == SP_MINUTE ? 60 : 86400) : 0;
		if (k == SP_MINUTE)
			b->requests_minute = u[k].requests;
		else if (b->reset[w] > sp->now && b->reset[w] < b->stable_until)
			b->stable_until = b->reset[w];
		if (b->used[w] >= b->max[w]) {
			time_t until = sp->end[k];

			if (sp->rolling[k] && frees_at(bd, provider, model, shared, sp, w, b, &u[k],
			    &until) == -1)
				return -1;
			exhaust(b, window_names[w], until);
		}
	}
	return 0;
}

int
budget_of(struct budget_db *bd, const char *provider, const char *model,
    const struct limits *lim, time_t now, struct budget *b)
{
	struct spans sp;
	struct use mine;

	memset(b, 0, sizeof *b);
	b->day_left = 1;
	spans_at(now, lim, &sp);
	b->stable_until = sp.rolling[SP_DAY] ? now + 86400 : sp.end[SP_DAY];
	b->day_reset_at = sp.rolling[SP_DAY] ? 0 : sp.end[SP_DAY];
	for (int w = 0; w < BW_COUNT; w++)
		b->max[w] = lim->max[w];
	if (learned(bd, provider, model, lim, now, b) == -1 ||
	    run(bd, sp.rows[SP_DAY] ? S_ROWS_MODEL : S_DAYS_MODEL, provider, model, &sp, SP_DAY,
	    0, &mine) == -1)
		return -1;
	b->requests_today = mine.requests;
	b->tokens_today = mine.tokens;
	/* A rolling day's own count falls as its oldest request leaves. */
	if (sp.rolling[SP_DAY] && mine.oldest != 0 && mine.oldest + 86400 < b->stable_until)
		b->stable_until = mine.oldest + 86400;
	if (weigh(bd, provider, model, budget_shared(lim), &sp, b) == -1)
		return -1;
	if (b->max[BW_RPD] >= 0) {
		b->day_left = b->max[BW_RPD] > 0 ?
		    1.0 - (double)b->used[BW_RPD] / (double)b->max[BW_RPD] : 0;
		if (b->day_left < 0)
			b->day_left = 0;
		b->day_reset_at = b->reset[BW_RPD];
	}
	return 0;
}
