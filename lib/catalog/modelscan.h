/*
 * modelscan: a plain `model` line read without libjq.
 *
 * It takes what afmts-parse writes: one compact object (no white space) of
 * known members, strings without escapes, numbers in the form jsonl_put
 * gives them, so that the line less its observed_at member is, byte for
 * byte, the text the libjq path stores.  For anything else it declines and
 * the line goes through libjq and model_check as before, which also words
 * every error: this reader never refuses a line, so the two cannot disagree.
 */
#ifndef AFMTS_MODELSCAN_H
#define AFMTS_MODELSCAN_H

#include <stddef.h>

#include "model.h"

/* A model line as model_scan read it; everything points into the line. */
struct model_scan {
	/*
	 * The members model.h knows.  Scalars as model_value; modalities,
	 * features and limits as MV_OTHER with s/len their JSON text (MV_ABSENT
	 * when null or missing).
	 */
	struct model_value	 member[MODEL_NMEMBERS];
	struct model_value	 key_env;	/* MV_STRING or MV_ABSENT */
	size_t			 cut, cut_len;	/* the observed_at member and one comma */
};

/*
 * Read line (len bytes, unchanged).  1 when it is a valid model record and
 * out says what model_check and the libjq path would make of it; 0 when it
 * declines.
 */
int model_scan(const char *line, size_t len, struct model_scan *out);

#endif
