/*
 * pages: one provider's model list over several pages, made one observation.
 *
 * A descriptor's "pages" member says how the provider pages:
 *
 *   "items": "data"                        the member of each page holding its models
 *   "next_url": "links.next"               a member naming the next page's URL, or
 *   "token": "nextPageToken",              a member holding a token sent back in
 *     "param": "pageToken"                 this query parameter, or
 *   "more": "has_more", "cursor":          a flag saying there is more, and the
 *     "last_id", "param": "after_id"       member whose value goes in param
 *   "total": "total_count"                 (optional) the number of models announced
 *   "max_pages": 50, "max_bytes": N        bounds (defaults 50 and 16 MiB)
 *
 * Members are named by dotted paths.  The pages' fetch records go in one at a
 * time, live or replayed alike; out comes one fetch record whose body is the
 * first page's with every page's models in its items member, or, when a later
 * page fails, loops, leaves the provider's origin, exceeds a bound, or the
 * models fall short of the announced total, a record whose error (kind
 * "incomplete") names the page: afmts-track then removes nothing.
 */
#ifndef AFMTS_PAGES_H
#define AFMTS_PAGES_H

#include <stddef.h>

#include <jv.h>

struct pages;

/*
 * The pages of one provider under rule (consumed; null: a single page), then
 * the requests of its follow rule (consumed; null: none; see follow.h).
 * NULL when out of memory.
 */
struct pages *pages_new(jv rule, jv follow);

/*
 * The body of the next page as the archive keeps it, when it differs from the
 * bytes that came (follow_archived: an answer about the account): 1 with
 * *out; 0 (keep the bytes), or -1 when out of memory.
 */
int pages_archived(struct pages *p, const char *body, size_t len, char **out, size_t *n);

/*
 * Take the next page: its fetch record's meta (consumed: fetchline_meta's
 * output, "url" the URL asked) and raw body.  Returns 1 when another page is
 * wanted (*next: its URL, and *post: a JSON body to POST there or NULL;
 * caller frees both), or 0 when the provider's record is ready (*record,
 * caller frees).
 */
int pages_add(struct pages *p, jv meta, const char *body, size_t len, char **next, char **post,
    jv *record);

/* The record when no further page comes although one was wanted (why: which, and why not). */
jv pages_cut(struct pages *p, const char *why);

/* How many pages were taken. */
long pages_count(const struct pages *p);

void pages_free(struct pages *p);

#endif
