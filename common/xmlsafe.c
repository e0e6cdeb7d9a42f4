/*
 * xmlsafe.c: the one way cputorrent parses XML (xmlsafe.h).
 */
#include "xmlsafe.h"

/* Nothing outside the document is ever loaded: no file, no URL. */
static xmlParserInputPtr
deny_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
discard_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

xmlDocPtr
xmlsafe_parse(const char *data, size_t len, const char *name,
    xmlStructuredErrorFunc on_error, void *ctx)
{
	xmlParserCtxtPtr pctxt;
	xmlDocPtr doc;

	if (len > (size_t)(int)(~0u >> 1))
		return NULL;
	xmlSetExternalEntityLoader(deny_external);
	xmlSetStructuredErrorFunc(ctx, on_error ? on_error : discard_error);
	pctxt = xmlNewParserCtxt();
	if (pctxt == NULL)
		return NULL;
	doc = xmlCtxtReadMemory(pctxt, data, (int)len, name, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	xmlFreeParserCtxt(pctxt);
	return doc;
}
