/*
 * budget: whether a model's rate limits leave room for one more request.
 *
 * Limits (requests and tokens per minute and per UTC day) come from the
 * catalog (the provider's descriptor or the listing); "scope": "provider"
 * makes them one budget shared by all the provider's models (OpenRouter's
 * account-wide free limit).  Use is counted from the usage rows: the last 60
 * seconds for per-minute limits, the UTC day's totals for per-day ones.
 * x-ratelimit-* headers reported to afmts-route add their own word: nothing
 * remaining before a reset time means no request until then.
 */
#ifndef AFMTS_BUDGET_H
#define AFMTS_BUDGET_H

#include <time.h>

#include <sqlite3.h>

struct limits {
	long long	 rpm, rpd, tpm, tpd;	/* -1: not known */
	int		 provider_scope;
};

struct budget {
	int		 exhausted;
	const char	*which;		/* "rpm", "rpd", "tpm", "tpd" or "x-ratelimit", if exhausted */
	time_t		 until;		/* when it has room again, if exhausted */
	long long	 requests_today, tokens_today;	/* the model's own */
	long long	 requests_minute;		/* within the limit's scope */
	double		 day_left;	/* fraction of rpd left in scope, 1 if no rpd */
	time_t		 stable_until;	/* all but requests_minute hold until then unless
					 * usage is added (a minute's count only falls) */
};

struct budget_db;

struct budget_db *budget_open(sqlite3 *db);

/* The budget of provider/model under lim at time now.  0, or -1 after reporting. */
int budget_of(struct budget_db *bd, const char *provider, const char *model,
    const struct limits *lim, time_t now, struct budget *b);

void budget_close(struct budget_db *bd);

/* Forget what one decision learnt of shared budgets (a kept bd serves many). */
void budget_forget(struct budget_db *bd);

#endif
