/*
 * family: a model's family (llama, qwen, gemma...) guessed from its id, for
 * providers whose lists do not say.  The words are data, parsers/families:
 * the first word found in the id's last path part, lower-cased and without
 * a ":tag", wins.
 */
#ifndef AFMTS_FAMILY_H
#define AFMTS_FAMILY_H

struct family;

/* Load the word list (one a line, # comments).  NULL after reporting why. */
struct family *family_load(const char *path);

/* The family word found in id, or NULL.  The string belongs to f. */
const char *family_guess(const struct family *f, const char *id);

void family_free(struct family *f);

#endif
