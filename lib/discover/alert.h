/*
 * alert: one JSON summary of a discovery run's changes, POSTed to webhooks.
 *
 * Events: models that became free (became_free), stopped being free
 * (became_paid), appeared (added, returned) or were removed; providers that
 * failed in this run after a good one, or came back after failing.  The body
 * has a Slack-compatible "text" member (a few lines people read) and one
 * array per event of {provider, model} or {provider, error}.  Posting never
 * takes longer than its timeout, retries included.
 */
#ifndef AFMTS_ALERT_H
#define AFMTS_ALERT_H

#include <stdio.h>

enum alert_event { ALERT_BECAME_FREE, ALERT_STOPPED_FREE, ALERT_APPEARED, ALERT_REMOVED,
	ALERT_PROVIDER_FAILED, ALERT_PROVIDER_BACK, ALERT_NEVENTS };

#define ALERT_MAX_ITEMS 500	/* items kept per event; more are counted */

struct alert_item {
	char	*provider, *detail;	/* detail: the model, or the provider's error */
};

struct alert {
	struct alert_item items[ALERT_NEVENTS][ALERT_MAX_ITEMS];
	long	 count[ALERT_NEVENTS];
	unsigned wanted;		/* bit per event: --notify-on */
};

#define ALERT_MAX_HOOKS 16	/* webhooks one program posts to */

/* The webhooks to post to. */
struct alert_hooks {
	char	*url[ALERT_MAX_HOOKS];
	int	 n;
};

/* Add the url of len bytes (http or https).  NULL, or what is wrong. */
const char *alert_hook_add(struct alert_hooks *h, const char *url, size_t len);

/* Add the URLs of the file at path, one a line (# comments).  NULL, or what is wrong. */
const char *alert_hook_file(struct alert_hooks *h, const char *path);

void alert_hooks_free(struct alert_hooks *h);

/* The names --notify-on takes, in enum order. */
extern const char *const alert_names[ALERT_NEVENTS];

/* A comma-separated list of event names into *wanted.  NULL, or what is wrong. */
const char *alert_wanted(const char *list, unsigned *wanted);

void alert_init(struct alert *a, unsigned wanted);
void alert_free(struct alert *a);

/* Count one event.  0, or -1 when out of memory. */
int alert_add(struct alert *a, enum alert_event e, const char *provider, const char *detail);

/* How many wanted events were counted. */
long alert_total(const struct alert *a);

/*
 * Count the events of f's change lines (afmts-track's output), and of the
 * provider lines in the file at path (afmts-parse's): a provider failed now
 * and not failing before (before: afmts-route --state's JSON from before the
 * run, NULL when none), or good now after failing.  Bad lines are skipped.
 */
void alert_read_changes(struct alert *a, FILE *f);
void alert_read_providers(struct alert *a, const char *path, const char *before);

/* The JSON body. */
void alert_write(const struct alert *a, FILE *f);

/*
 * POST body to url as JSON, retrying a failure (no answer, 429, 5xx) while
 * timeout_ms lasts.  0 on a 2xx answer, else -1 (reported).
 */
int alert_post(const char *url, const char *body, long timeout_ms);

#endif
