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

/* What every parse allows: nothing that loads or expands more. */
#define XMLSAFE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | \
	XML_PARSE_BIG_LINES)

static xmlTextReaderPtr
reader_setup(xmlTextReaderPtr r)
{
	if (r != NULL)
		xmlTextReaderSetStructuredErrorHandler(r,
		    discard_error, NULL);
	return r;
}

xmlTextReaderPtr
xmlsafe_reader_memory(const char *data, size_t len, const char *name)
{
	if (len > (size_t)(int)(~0u >> 1))
		return NULL;
	/* Made here, its tables are freed by xmlCleanupParser. */
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_external);
	return reader_setup(xmlReaderForMemory(data, (int)len, name, NULL,
	    XMLSAFE_OPTIONS));
}

xmlTextReaderPtr
xmlsafe_reader_fd(int fd, const char *name)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_external);
	return reader_setup(xmlReaderForFd(fd, name, NULL, XMLSAFE_OPTIONS));
}

int
xmlsafe_sax(const char *data, size_t len, xmlSAXHandler *sax, void *ctx)
{
	xmlParserCtxtPtr pctxt;
	xmlSAXHandlerPtr own;
	int wellformed;

	if (len > (size_t)(int)(~0u >> 1))
		return -1;
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_external);
	pctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (pctxt == NULL)
		return -1;
	xmlCtxtUseOptions(pctxt, XMLSAFE_OPTIONS);
	/* The caller's callbacks, in place of those that build a tree. */
	own = pctxt->sax;
	sax->error = sax->fatalError = sax->warning = NULL;
	sax->serror = discard_error;
	pctxt->sax = sax;
	pctxt->userData = ctx;
	(void)xmlParseDocument(pctxt);
	wellformed = pctxt->wellFormed;
	pctxt->sax = own;
	pctxt->userData = NULL;
	xmlFreeParserCtxt(pctxt);
	return wellformed ? 0 : -1;
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
	    XMLSAFE_OPTIONS);
	xmlFreeParserCtxt(pctxt);
	return doc;
}
