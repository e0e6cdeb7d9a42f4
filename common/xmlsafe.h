/*
 * xmlsafe.h: parsing XML that nobody vouches for (the registry, results).
 *
 * From memory only, with no network and a loader that refuses every
 * external entity, DTD or file: no NOENT, DTDLOAD, DTDATTR, DTDVALID,
 * XINCLUDE or HUGE, ever (cputorrent-spool(5), SECURITY). libxml2's own
 * limits stop entity amplification; callers that must not see a DTD at
 * all check doc->intSubset.
 *
 * Nothing here prints: libxml2's errors go to the caller's handler, or
 * nowhere.
 */
#ifndef CT_XMLSAFE_H
#define CT_XMLSAFE_H

#include <stddef.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

/*
 * Parse data[0..len) as the document name. Every error goes to on_error
 * (with ctx), or nowhere if on_error is NULL. Returns the document, or
 * NULL if it is not well-formed. Free it with xmlFreeDoc().
 */
xmlDocPtr xmlsafe_parse(const char *data, size_t len, const char *name,
    xmlStructuredErrorFunc on_error, void *ctx);

/*
 * Parse data[0..len) through the SAX2 callbacks of
 * sax (its initialized member XML_SAX2_MAGIC), with ctx as their first
 * argument: for documents only read in passing, where building a tree
 * would cost more than the reading (a result checked as it arrives).
 * No document is built. Errors go nowhere, whatever sax's error members
 * say. Returns 0 if the document is well-formed, -1 if not (or out of
 * memory).
 */
int xmlsafe_sax(const char *data, size_t len, xmlSAXHandler *sax,
    void *ctx);

/*
 * A streaming reader of data[0..len) (xmlsafe_reader_memory) or of what
 * descriptor fd holds from where it stands (xmlsafe_reader_fd, which
 * leaves fd open), under the same rules: for documents too large to hold
 * as a tree. Errors go nowhere: xmlTextReaderRead returns -1. Returns
 * NULL if out of memory. Free it with xmlFreeTextReader().
 */
xmlTextReaderPtr xmlsafe_reader_memory(const char *data, size_t len,
    const char *name);
xmlTextReaderPtr xmlsafe_reader_fd(int fd, const char *name);

#endif
