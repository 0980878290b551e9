/*
 * htmltree: an HTML or XML document as a JSON tree, so jq can read it.
 *
 * An element becomes {"tag": "td", "attrs": {"class": "x"}, "children": [...]}
 * and text becomes a string (white-space-only text is dropped).  Comments,
 * processing instructions and DTDs are dropped.  No network access, no entity
 * expansion, no DTD loading.
 */
#ifndef AFMTS_HTMLTREE_H
#define AFMTS_HTMLTREE_H

#include <stddef.h>

#include <jv.h>

/* Largest document parsed, and deepest element nesting kept. */
#define HTMLTREE_MAX_BYTES ((size_t)32 << 20)
#define HTMLTREE_MAX_DEPTH 200

/*
 * Parse text (len bytes) as HTML (xml == 0) or XML (xml != 0).  Returns the
 * root element's tree, or an invalid jv with a message saying what failed.
 */
jv htmltree_parse(const char *text, size_t len, int xml);

/* Call once at start: silences libxml2's own error printing. */
void htmltree_init(void);

#endif
