/*
 * budget: whether a model's rate limits leave room for one more request.
 *
 * Limits come from the catalog (the provider's descriptor or the listing):
 * requests and tokens a minute (rpm, tpm: the last 60 seconds), a day (rpd,
 * tpd: the day of "day_reset", UTC midnight by default, a local midnight, or
 * a rolling 24 hours) and a calendar month, UTC (rpmo).  "scope": "provider",
 * "key" or "ip" makes them one budget shared by all the provider's models
 * (an account's, a key's, or a keyless provider's limit on this machine's
 * address); "model", the default, one budget a model.  Use is counted from
 * the usage rows (usage_daily's totals for a UTC day or month).
 *
 * x-ratelimit-* headers reported to afmts-route add their word: nothing
 * remaining before a reset time means no request until then, and a
 * x-ratelimit-limit-* figure stricter than the descriptor's becomes the
 * budget of its window ("header_requests", default rpm; "header_tokens",
 * default tpm) for a day after it was last seen.
 */
#ifndef AFMTS_BUDGET_H
#define AFMTS_BUDGET_H

#include <time.h>

#include <sqlite3.h>

/* The windows, in the order of struct limits' figures. */
enum budget_window { BW_RPM, BW_TPM, BW_RPD, BW_TPD, BW_RPMO, BW_COUNT };

/* Scopes as descriptors name them; all but BS_MODEL share one budget across the provider. */
enum budget_scope { BS_MODEL, BS_PROVIDER, BS_KEY, BS_IP };

struct limits {
	long long	 max[BW_COUNT];		/* -1: not known */
	int		 scope;			/* enum budget_scope */
	int		 day_reset, day_offset;	/* utctime_reset_parse's */
	int		 header_requests, header_tokens;	/* windows of the headers' figures */
};

#define budget_shared(lim) ((lim)->scope != BS_MODEL)

struct budget {
	int		 exhausted;
	const char	*which;		/* a window's name or "x-ratelimit", if exhausted */
	time_t		 until;		/* when it has room again, if exhausted */
	long long	 requests_today, tokens_today;	/* the model's own, in its day */
	long long	 requests_minute;		/* within the limit's scope */
	double		 day_left;	/* fraction of rpd left in scope, 1 if no rpd */
	time_t		 day_reset_at;	/* when the day's use next falls (reset or rolling) */
	time_t		 stable_until;	/* all but requests_minute hold until then unless
					 * usage is added (a minute's count only falls) */
	/* Per window: the limit in force, the use in scope, when it next resets. */
	long long	 max[BW_COUNT], used[BW_COUNT];
	time_t		 reset[BW_COUNT];
	int		 learned;	/* bit 1 << window: the limit is a header's */
	time_t		 learned_at[BW_COUNT];
};

struct budget_db;

struct budget_db *budget_open(sqlite3 *db);

/* The budget of provider/model under lim at time now.  0, or -1 after reporting. */
int budget_of(struct budget_db *bd, const char *provider, const char *model,
    const struct limits *lim, time_t now, struct budget *b);

void budget_close(struct budget_db *bd);

/* Forget what one decision learnt of shared budgets (a kept bd serves many). */
void budget_forget(struct budget_db *bd);

/* A window's name ("rpm" ...) and its index (-1: none). */
const char *budget_window_name(int w);
int budget_window_of(const char *name);

/* Scope names, and the index of one (BS_MODEL for NULL or unknown). */
const char *budget_scope_name(int scope);
int budget_scope_of(const char *name);

/*
 * Fill lim from descriptor text: day_reset, scope, header_requests and
 * header_tokens (each NULL: the default); figures left as they are.
 */
void budget_limits_words(struct limits *lim, const char *day_reset, const char *scope,
    const char *header_requests, const char *header_tokens);

#endif
