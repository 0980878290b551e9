/*
 * gwalert: the gateway's alert when an attempt it recorded opened a breaker.
 *
 * With webhooks configured (AFMTS_GATEWAY_WEBHOOK, AFMTS_GATEWAY_WEBHOOK_FILE),
 * an outcome that takes a model's breaker from usable (closed, half-open) to
 * open after repeated failures, or benches its provider's key (health.h), is
 * noted during the request, and posted once the answer has been written: a
 * detached process POSTs one JSON body an event (kind "breaker_open", with a
 * Slack-compatible "text") to every webhook within the timeout, so that no
 * answer waits for a webhook.  At most one post a provider an hour, across
 * every gateway process of the catalog: the last one per provider is kept in
 * CATALOG.alerts, changed under an exclusive lock.
 */
#ifndef AFMTS_GWALERT_H
#define AFMTS_GWALERT_H

#include <stddef.h>
#include <time.h>

#include "alert.h"
#include "decide.h"
#include "health.h"

#define GWALERT_INTERVAL 3600	/* seconds between two posts for one provider */
#define GWALERT_MAX_PENDING 8	/* events one request may note */

struct gwalert_event {
	char		*provider, *model;
	struct health	 h;		/* the breaker after the outcome */
};

struct gwalert {
	struct alert_hooks hooks;
	long		 timeout_ms;	/* one webhook's time, retries included */
	const char	*catalog;	/* its path (not owned) */
	struct gwalert_event pending[GWALERT_MAX_PENDING];
	int		 npending;
};

/* The webhooks and their timeout from the environment (bad ones said and left out). */
void gwalert_init(struct gwalert *a, const char *catalog);

/*
 * decide_record(d, o, msg, n), noting o's model when the outcome opened its
 * breaker and its provider had no post in the last hour.  a may be NULL.
 */
int gwalert_record(struct gwalert *a, struct decider *d, struct outcome *o, char *msg, size_t n);

/* POST what was noted, from a detached process; the notes are cleared. */
void gwalert_send(struct gwalert *a);

void gwalert_free(struct gwalert *a);

#endif
