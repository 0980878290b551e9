/*
 * trackinput: one input of records, read and checked ahead on a thread
 * (prefetch.h), applied in order.
 */
#include <stdio.h>

#include "err.h"
#include "jsonl.h"
#include "prefetch.h"
#include "trackinput.h"

int
track_input(struct tracker *t, FILE *fp, const char *name, size_t max_line)
{
	struct jsonl_reader *r = jsonl_open(fp, name, max_line);
	struct prefetch *pf = r ? prefetch_start(r, track_hooks(t)) : NULL;
	struct prefetch_item it;
	char where[300];
	int rc = 0, got = 0;

	if (pf == NULL) {
		err_warn("out of memory");
		jsonl_close(r);
		return -1;
	}
	for (;;) {
		/* Changes so far go out before we wait for more input. */
		if (prefetch_would_wait(pf) && fflush(stdout) == EOF) {
			err_warn("stdout: write error");
			rc = -1;
			break;
		}
		if ((got = prefetch_next(pf, &it)) == 0 || got == -2)
			break;
		if (got == -1) {
			track_bad_line(t);
			continue;
		}
		snprintf(where, sizeof where, "%s:%lu", jsonl_name(r), it.line);
		if ((rc = track_item(t, &it, where)) == -1)
			break;
	}
	if (got == -2)
		track_bad_line(t);
	prefetch_stop(pf);
	jsonl_close(r);
	return rc;
}
