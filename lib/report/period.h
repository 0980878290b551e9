/*
 * period: the days a report covers, as UTC instants.
 *
 * A report covers whole local days: --day D, or --from D1 --to D2
 * (inclusive), in UTC or in the time zone --tz names.  The default is
 * yesterday.  The 30-day trends end on the last UTC day of the period.
 */
#ifndef AFMTS_PERIOD_H
#define AFMTS_PERIOD_H

#include <time.h>

#include "utctime.h"

struct period {
	char	from[UTCTIME_LEN], to[UTCTIME_LEN];	/* [from, to), UTC */
	char	first[11], last[11];			/* the local days asked for */
	char	trend_to[11];				/* UTC day of to - 1 s */
	int	aligned;	/* from and to are UTC midnights: daily roll-ups apply */
};

/*
 * Fill p from the options (each may be NULL; day excludes from and to), tz (a
 * zoneinfo name, NULL for UTC) and now.  Returns 0, or -1 after reporting.
 */
int period_make(struct period *p, const char *day, const char *from, const char *to,
    const char *tz, time_t now);

#endif
