/*
 * budget: rate limits against counted use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "catalog.h"
#include "utctime.h"

enum {
	S_MINUTE_MODEL, S_MINUTE_PROVIDER, S_DAY_MODEL, S_DAY_PROVIDER, S_LEARNED, S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_MINUTE_MODEL] = "SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), "
	    "min(ts) FROM usage WHERE mid = (SELECT id FROM usage_models "
	    "WHERE provider = ?1 AND model = ?2) AND ts > ?3 AND ts <= ?4",
	[S_MINUTE_PROVIDER] = "SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), "
	    "min(ts) FROM usage WHERE ts > ?3 AND ts <= ?4 AND provider = ?1",
	[S_DAY_MODEL] = "SELECT requests, prompt_tokens + completion_tokens FROM usage_daily "
	    "WHERE provider = ?1 AND model = ?2 AND day = ?3",
	[S_DAY_PROVIDER] = "SELECT coalesce(sum(requests), 0), "
	    "coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily "
	    "WHERE day = ?3 AND provider = ?1",
	[S_LEARNED] = "SELECT remaining, reset_at, observed_at FROM ratelimits "
	    "WHERE provider = ?1 AND model IN (?2, '') AND remaining <= 0",
};

/* Use within one scope: a window's requests and tokens. */
struct use {
	long long	 requests, tokens;
	time_t		 oldest;	/* oldest row in a minute window */
};

/* A provider-wide scope's use, counted once per process. */
struct shared {
	char		 provider[64];
	struct use	 minute, day;
	int		 has_minute;
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

/*
 * Run one of the counting statements for provider/model into *u: a day's
 * (day, from usage_daily) or a window's (from, to], from the usage rows.
 * 0 or -1.
 */
static int
count(struct budget_db *bd, int which, const char *provider, const char *model,
    const char *day, time_t from, time_t to, struct use *u)
{
	sqlite3_stmt *st = catalog_prepare_once(bd->db, &bd->st[which], sql[which]);
	int rc;

	memset(u, 0, sizeof *u);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	if (day != NULL) {
		sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 3, (sqlite3_int64)from);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)to);
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		u->requests = sqlite3_column_int64(st, 0);
		u->tokens = sqlite3_column_int64(st, 1);
		if (day == NULL && sqlite3_column_type(st, 2) == SQLITE_INTEGER)
			u->oldest = (time_t)sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		catalog_fail(bd->db, rc, "count usage");
		return -1;
	}
	return 0;
}

/* Minute and day windows at now. */
struct windows {
	time_t	 minute_from, now;
	char	 day[UTCTIME_LEN];	/* YYYY-MM-DD, UTC */
	time_t	 midnight;	/* the next one */
};

static void
windows_at(time_t now, struct windows *w)
{
	w->minute_from = now - 60;
	w->now = now;
	(void)utctime_format(now, w->day);
	w->day[10] = '\0';
	w->midnight = now - now % 86400 + 86400;
}

static struct shared *
shared_of(struct budget_db *bd, const char *provider, const struct windows *w, int minute)
{
	struct shared *s = NULL;

	for (int i = 0; i < bd->ncache && s == NULL; i++)
		if (strcmp(bd->cache[i].provider, provider) == 0)
			s = &bd->cache[i];
	if (s == NULL) {
		s = &bd->cache[bd->ncache < 8 ? bd->ncache++ : 7];
		memset(s, 0, sizeof *s);
		snprintf(s->provider, sizeof s->provider, "%s", provider);
		if (count(bd, S_DAY_PROVIDER, provider, "", w->day, 0, 0, &s->day) == -1)
			return NULL;
	}
	if (minute && !s->has_minute) {
		if (count(bd, S_MINUTE_PROVIDER, provider, "", NULL, w->minute_from, w->now,
		    &s->minute) == -1)
			return NULL;
		s->has_minute = 1;
	}
	return s;
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

/* What reported x-ratelimit headers say. 0 or -1. */
static int
learned(struct budget_db *bd, const char *provider, const char *model, time_t now,
    struct budget *b)
{
	sqlite3_stmt *st = catalog_prepare_once(bd->db, &bd->st[S_LEARNED], sql[S_LEARNED]);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *reset = (const char *)sqlite3_column_text(st, 1);
		const char *seen = (const char *)sqlite3_column_text(st, 2);
		time_t until = 0, at = 0;

		/* No reset time given: assume a minute's window. */
		if (reset == NULL || utctime_parse(reset, &until) == -1)
			until = seen != NULL && utctime_parse(seen, &at) == 0 ? at + 60 : 0;
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

int
budget_of(struct budget_db *bd, const char *provider, const char *model,
    const struct limits *lim, time_t now, struct budget *b)
{
	struct windows w;
	struct use mine, minute = { 0, 0, 0 }, day;
	struct shared *s = NULL;
	int need_minute = lim->rpm >= 0 || lim->tpm >= 0;

	memset(b, 0, sizeof *b);
	b->day_left = 1;
	windows_at(now, &w);
	b->stable_until = w.midnight;	/* the day's counts start again */
	if (count(bd, S_DAY_MODEL, provider, model, w.day, 0, 0, &mine) == -1)
		return -1;
	b->requests_today = mine.requests;
	b->tokens_today = mine.tokens;
	day = mine;
	if (lim->provider_scope) {
		if ((s = shared_of(bd, provider, &w, need_minute)) == NULL)
			return -1;
		day = s->day;
		minute = s->minute;
	} else if (need_minute && count(bd, S_MINUTE_MODEL, provider, model, NULL,
	    w.minute_from, w.now, &minute) == -1) {
		return -1;
	}
	b->requests_minute = minute.requests;
	if (lim->rpm >= 0 && minute.requests >= lim->rpm)
		exhaust(b, "rpm", minute.oldest + 60);
	if (lim->tpm >= 0 && minute.tokens >= lim->tpm)
		exhaust(b, "tpm", minute.oldest + 60);
	if (lim->rpd >= 0) {
		b->day_left = lim->rpd > 0 ? 1.0 - (double)day.requests / (double)lim->rpd : 0;
		if (b->day_left < 0)
			b->day_left = 0;
		if (day.requests >= lim->rpd)
			exhaust(b, "rpd", w.midnight);
	}
	if (lim->tpd >= 0 && day.tokens >= lim->tpd)
		exhaust(b, "tpd", w.midnight);
	return learned(bd, provider, model, now, b);
}
