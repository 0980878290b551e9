/*
 * registry: the provider descriptors, parsers/providers/NAME.json.
 *
 * Descriptors are read from the shipped data dir, then the user's config dir,
 * then an explicit directory (--providers); a later one replaces an earlier
 * one of the same name.  A descriptor is data: its URL, auth header, the NAME
 * of the environment variable with its key, its dialect and its free rule.
 * Only the fields the C code relies on are checked here, and the evidence of
 * every fact: the free rule ("free"), the "limits" and the free tier's
 * "data_use" each name their "source" (a URL) and the day they were
 * "checked" (YYYY-MM-DD); data_use says whether the free tier trains on
 * prompts (true, false or "unknown").  A valid provider or dialect name is
 * names_provider_ok (names.h).
 */
#ifndef AFMTS_REGISTRY_H
#define AFMTS_REGISTRY_H

#include <jv.h>

/* Largest descriptor file read. */
#define REGISTRY_MAX_FILE (256 << 10)

/*
 * Load all descriptors into an object keyed by provider name (caller frees).
 * user_dir may be NULL; if given it must exist.  Bad files are reported and
 * counted in *bad.  Returns an invalid jv (reported) only if user_dir is
 * unreadable or memory runs out.
 */
jv registry_load(const char *user_dir, int *bad);

/*
 * Check one descriptor (consumed is NOT: it is borrowed).  Returns NULL if it
 * is usable, else a string saying what is wrong (static; the next call may
 * overwrite it).
 */
const char *registry_check(jv d);

/*
 * The names of an --only option, "a,b,c", as an array (caller frees); an
 * invalid jv after reporting a bad name.
 */
jv registry_only(const char *only);

/* The same, only checked: 0, or -1 after reporting a bad name. */
int registry_only_check(const char *only);

/* 1 if name is in only (borrowed; an array, or null for "all"). */
int registry_only_has(jv only, const char *name);

#endif
