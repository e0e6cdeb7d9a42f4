/*
 * reportsplit.c: one BLAST XML report per query (reportsplit.h). The
 * report is parsed as hostile XML (xmlsafe.h), as results are; its
 * Iterations are taken out, and the header is written once per query with
 * that query's alone put back.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "reportsplit.h"
#include "xmlsafe.h"

/* The child element of n called name, or NULL. */
static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* The text of n's child name, up to its first blank if word; or "". */
static void
child_text(xmlNodePtr n, const char *name, bool word, char *out, size_t size)
{
	xmlNodePtr c = child(n, name);
	xmlChar *t = c != NULL ? xmlNodeGetContent(c) : NULL;
	size_t k = 0;

	for (; t != NULL && t[k] != '\0' && (!word || t[k] != ' ') &&
	    k + 1 < size; k++)
		out[k] = (char)t[k];
	out[k] = '\0';
	xmlFree(t);
}

/* Set the text of n's child name, if it has one. */
static void
set_child(xmlNodePtr n, const char *name, const char *text)
{
	xmlNodePtr c = child(n, name);

	if (c != NULL)
		xmlNodeSetContent(c, (const xmlChar *)text);
}

/* The header takes query it's (its first Iteration's) identity. */
static void
take_query(xmlNodePtr root, xmlNodePtr it)
{
	char def[4096], len[32];

	child_text(it, "Iteration_query-def", false, def, sizeof def);
	child_text(it, "Iteration_query-len", false, len, sizeof len);
	/* A search of one query calls it Query_1. */
	set_child(root, "BlastOutput_query-ID", "Query_1");
	set_child(root, "BlastOutput_query-def", def);
	if (len[0] != '\0')
		set_child(root, "BlastOutput_query-len", len);
}

/* Write the document, with its, the iterations [from, to), into out. */
static void
write_part(xmlDocPtr doc, xmlNodePtr its, xmlNodePtr *it, size_t from,
    size_t to, struct buf *out)
{
	xmlChar *mem = NULL;
	xmlNodePtr c;
	char num[32];
	size_t i;
	int size = 0;

	take_query(xmlDocGetRootElement(doc), it[from]);
	/* Each Iteration on lines of its own, as BLAST+ writes them. */
	xmlAddChild(its, xmlNewText((const xmlChar *)"\n"));
	for (i = from; i < to; i++) {
		snprintf(num, sizeof num, "%zu", i - from + 1);
		set_child(it[i], "Iteration_iter-num", num);
		set_child(it[i], "Iteration_query-ID", "Query_1");
		xmlAddChild(its, it[i]);
		xmlAddChild(its, xmlNewText((const xmlChar *)"\n"));
	}
	xmlDocDumpMemory(doc, &mem, &size);
	if (mem != NULL)
		buf_append(out, mem, (size_t)size);
	xmlFree(mem);
	while ((c = its->children) != NULL) {
		xmlUnlinkNode(c);
		if (c->type != XML_ELEMENT_NODE)
			xmlFreeNode(c);
	}
}

int
report_split(const char *data, size_t len, const char *const *ids,
    size_t n, struct buf *parts, char *why, size_t whylen)
{
	xmlDocPtr doc = xmlsafe_parse(data, len, "report.xml", NULL, NULL);
	xmlNodePtr root, its, c, next, *it = NULL;
	size_t nit = 0, i, from, k = 0, m;
	char qid[256], next_qid[256], def[256];

	if (doc == NULL || (doc->intSubset != NULL &&
	    doc->intSubset->children != NULL) ||
	    (root = xmlDocGetRootElement(doc)) == NULL ||
	    strcmp((const char *)root->name, "BlastOutput") != 0 ||
	    (its = child(root, "BlastOutput_iterations")) == NULL) {
		snprintf(why, whylen, "not a BLAST XML report of iterations");
		xmlFreeDoc(doc);
		return -1;
	}
	/* Out of the tree: the Iterations; away: what lies between them. */
	for (c = its->children; c != NULL; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, "Iteration") == 0) {
			it = xrealloc(it, (nit + 1) * sizeof *it);
			it[nit++] = c;
		} else
			xmlFreeNode(c);
	}
	/* A query's iterations are those in a row with its Query_N. */
	for (from = 0; from < nit && k < n; from = i) {
		child_text(it[from], "Iteration_query-ID", true, qid,
		    sizeof qid);
		for (i = from + 1; i < nit; i++) {
			child_text(it[i], "Iteration_query-ID", true, next_qid,
			    sizeof next_qid);
			if (strcmp(qid, next_qid) != 0)
				break;
		}
		child_text(it[from], "Iteration_query-def", true, def,
		    sizeof def);
		/* Queries BLAST left out get nothing; a stranger is dropped. */
		for (m = k; m < n && strcmp(ids[m], def) != 0; m++)
			;
		if (m < n) {
			write_part(doc, its, it, from, i, &parts[m]);
			k = m + 1;
		}
	}
	for (i = 0; i < nit; i++)
		xmlFreeNode(it[i]);
	free(it);
	xmlFreeDoc(doc);
	return 0;
}
