/*
 * Fuzz harness: HTML and XML documents into JSON trees (htmltree_parse), as
 * afmts-parse gives pages to the HTML dialects.
 *
 * Input: a first byte, odd for XML and even for HTML, then the document.
 * Checked: a tree is an element object (tag, attrs, children) whose children
 * are strings or elements, nested no deeper than HTMLTREE_MAX_DEPTH; its JSON
 * text parses back to the same value (when libjq's parser can read it: its
 * stack holds 256, an element takes three places, object, key and array, and
 * the tree only ever reaches jq in memory); a failure carries a message.
 */
#include <string.h>

#include <jv.h>

#include "fuzz.h"
#include "htmltree.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	htmltree_init();
	return 0;
}

/* Check element e (borrowed) at depth; the depth of its deepest element. */
static int
check_element(jv e, int depth)
{
	int deepest = depth;

	jv tag, attrs, kids;

	FUZZ_CHECK(depth <= HTMLTREE_MAX_DEPTH);
	FUZZ_CHECK(jv_get_kind(e) == JV_KIND_OBJECT);
	tag = jv_object_get(jv_copy(e), jv_string("tag"));
	attrs = jv_object_get(jv_copy(e), jv_string("attrs"));
	kids = jv_object_get(jv_copy(e), jv_string("children"));
	FUZZ_CHECK(jv_get_kind(tag) == JV_KIND_STRING);
	FUZZ_CHECK(jv_get_kind(attrs) == JV_KIND_OBJECT);
	FUZZ_CHECK(jv_get_kind(kids) == JV_KIND_ARRAY);
	jv_object_foreach(attrs, k, v) {
		FUZZ_CHECK(jv_get_kind(v) == JV_KIND_STRING);
		jv_free(k);
		jv_free(v);
	}
	jv_array_foreach(kids, i, c) {
		if (jv_get_kind(c) != JV_KIND_STRING) {
			int d = check_element(c, depth + 1);

			deepest = d > deepest ? d : deepest;
		}
		jv_free(c);
		(void)i;
	}
	jv_free(tag);
	jv_free(attrs);
	jv_free(kids);
	return deepest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;
	jv tree, text, back;
	int xml;

	if (size == 0)
		return 0;
	xml = data[0] & 1;
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	tree = htmltree_parse(copy, size - 1, xml);
	free(copy);
	if (!jv_is_valid(tree)) {
		FUZZ_CHECK(jv_invalid_has_msg(jv_copy(tree)));
		jv_free(tree);
		return 0;
	}
	if (3 * (check_element(tree, 0) + 1) + 4 >= 256) {
		jv_free(tree);
		return 0;
	}
	text = jv_dump_string(jv_copy(tree), 0);
	back = jv_parse(jv_string_value(text));
	FUZZ_CHECK(jv_equal(back, tree));	/* consumes both */
	jv_free(text);
	return 0;
}
