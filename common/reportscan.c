/*
 * reportscan.c: a BLAST XML report's queries, read through SAX2
 * (reportscan.h).
 */
#include <stdio.h>
#include <string.h>

#include "reportscan.h"
#include "xmlsafe.h"

static void
def_begin(struct report_def *d, int depth)
{
	if (d->depth == 0) {
		d->depth = depth;
		d->len = 0;
	}
}

/* The first word of what was read, into d->text; true at its end. */
static bool
def_end(struct report_def *d, int depth)
{
	char *blank;

	if (d->depth != depth)
		return false;
	d->depth = 0;
	d->text[d->len] = '\0';
	if ((blank = strchr(d->text, ' ')) != NULL)
		*blank = '\0';
	if (!d->seen) {
		d->seen = true;
		memcpy(d->first, d->text, sizeof d->first);
	}
	return true;
}

static void
def_text(struct report_def *d, const xmlChar *ch, int len)
{
	size_t n;

	if (d->depth == 0)
		return;
	n = sizeof d->text - 1 - d->len;
	if ((size_t)len < n)
		n = (size_t)len;
	memcpy(d->text + d->len, ch, n);
	d->len += n;
}

static void
scan_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
    int ndefaulted, const xmlChar **attrs)
{
	struct report_scan *s = ctx;
	const char *name = (const char *)localname;

	(void)prefix, (void)uri, (void)nns, (void)ns, (void)nattrs;
	(void)ndefaulted, (void)attrs;
	if (++s->depth == 1)
		snprintf(s->root, sizeof s->root, "%s", name);
	if (strcmp(name, "Iteration_query-def") == 0)
		def_begin(&s->iteration, s->depth);
	else if (strcmp(name, "BlastOutput_query-def") == 0)
		def_begin(&s->output, s->depth);
	else if (strcmp(name, "BlastOutput_iterations") == 0 &&
	    s->iterations == 0)
		s->iterations = s->depth;
	if (s->iterations > 0 && s->depth == s->iterations + 1)
		s->named = false;
}

static void
scan_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct report_scan *s = ctx;

	(void)localname, (void)prefix, (void)uri;
	(void)def_end(&s->output, s->depth);
	if (def_end(&s->iteration, s->depth)) {
		strvec_push(&s->answered, s->iteration.text);
		if (s->iterations > 0 && s->depth > s->iterations + 1 &&
		    !s->named) {
			strvec_push(&s->in_order, s->iteration.text);
			s->named = true;
		}
	}
	if (s->depth-- == s->iterations)
		s->iterations = -1;
}

static void
scan_text(void *ctx, const xmlChar *ch, int len)
{
	struct report_scan *s = ctx;

	def_text(&s->iteration, ch, len);
	def_text(&s->output, ch, len);
}

/*
 * BLAST's DOCTYPE names its DTD and declares nothing. What a report
 * declares of its own is never taken in (no entity of it is ever
 * expanded), and the report is refused.
 */
static void
scan_entity(void *ctx, const xmlChar *name, int type, const xmlChar *id,
    const xmlChar *system, xmlChar *content)
{
	(void)name, (void)type, (void)id, (void)system, (void)content;
	((struct report_scan *)ctx)->declares = true;
}

static void
scan_element(void *ctx, const xmlChar *name, int type,
    xmlElementContentPtr content)
{
	(void)name, (void)type, (void)content;
	((struct report_scan *)ctx)->declares = true;
}

static void
scan_attribute(void *ctx, const xmlChar *elem, const xmlChar *name,
    int type, int def, const xmlChar *value, xmlEnumerationPtr tree)
{
	(void)elem, (void)name, (void)type, (void)def, (void)value;
	xmlFreeEnumeration(tree);	/* handed over to the callback */
	((struct report_scan *)ctx)->declares = true;
}

static void
scan_notation(void *ctx, const xmlChar *name, const xmlChar *id,
    const xmlChar *system)
{
	(void)name, (void)id, (void)system;
	((struct report_scan *)ctx)->declares = true;
}

static void
scan_unparsed(void *ctx, const xmlChar *name, const xmlChar *id,
    const xmlChar *system, const xmlChar *notation)
{
	(void)name, (void)id, (void)system, (void)notation;
	((struct report_scan *)ctx)->declares = true;
}

int
report_scan(const char *data, size_t len, struct report_scan *s)
{
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = scan_start;
	sax.endElementNs = scan_end;
	sax.characters = sax.cdataBlock = scan_text;
	sax.ignorableWhitespace = scan_text;
	sax.entityDecl = scan_entity;
	sax.elementDecl = scan_element;
	sax.attributeDecl = scan_attribute;
	sax.notationDecl = scan_notation;
	sax.unparsedEntityDecl = scan_unparsed;
	return xmlsafe_sax(data, len, &sax, s);
}


void
report_scan_free(struct report_scan *s)
{
	strvec_free(&s->in_order);
	strvec_free(&s->answered);
}
