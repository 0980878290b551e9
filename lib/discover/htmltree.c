/*
 * htmltree: libxml2's recovering HTML parser (or its XML parser, safely
 * configured) turned into jv values.
 */
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "htmltree.h"

static void
ignore_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

void
htmltree_init(void)
{
	xmlInitParser();
	xmlSetStructuredErrorFunc(NULL, ignore_error);
}

static int
blank(const xmlChar *s)
{
	for (; *s; s++)
		if (!strchr(" \t\r\n\f\v", *s))
			return 0;
	return 1;
}

static jv
convert(xmlNodePtr node, int depth, int *too_deep)
{
	jv el = jv_object(), attrs = jv_object(), kids = jv_array();

	for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) {
		xmlChar *v = xmlNodeListGetString(node->doc, a->children, 0);

		attrs = jv_object_set(attrs, jv_string((const char *)a->name),
		    jv_string(v ? (const char *)v : ""));
		xmlFree(v);
	}
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL && !blank(c->content))
				kids = jv_array_append(kids, jv_string((const char *)c->content));
		} else if (c->type == XML_ELEMENT_NODE) {
			if (depth >= HTMLTREE_MAX_DEPTH)
				*too_deep = 1;
			else
				kids = jv_array_append(kids, convert(c, depth + 1, too_deep));
		}
	}
	el = jv_object_set(el, jv_string("tag"), jv_string((const char *)node->name));
	el = jv_object_set(el, jv_string("attrs"), attrs);
	el = jv_object_set(el, jv_string("children"), kids);
	return el;
}

jv
htmltree_parse(const char *text, size_t len, int xml)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	int too_deep = 0;
	jv tree;

	if (len > HTMLTREE_MAX_BYTES)
		return jv_invalid_with_msg(jv_string("document too large"));
	if (xml)
		/* Never XML_PARSE_NOENT or XML_PARSE_DTDLOAD: no entity expansion. */
		doc = xmlReadMemory(text, (int)len, NULL, NULL,
		    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		    XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	else
		doc = htmlReadMemory(text, (int)len, NULL, "UTF-8",
		    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		    HTML_PARSE_NONET | HTML_PARSE_COMPACT);
	if (doc == NULL)
		return jv_invalid_with_msg(jv_string(xml ? "not well-formed XML" :
		    "unparsable HTML"));
	if ((root = xmlDocGetRootElement(doc)) == NULL) {
		xmlFreeDoc(doc);
		return jv_invalid_with_msg(jv_string("document has no root element"));
	}
	tree = convert(root, 0, &too_deep);
	xmlFreeDoc(doc);
	if (too_deep) {
		jv_free(tree);
		return jv_invalid_with_msg(jv_string("elements nested too deeply"));
	}
	return tree;
}
