/*
 * result.c: result validation (result.h). BLAST XML is parsed as hostile
 * input, like the registry: from memory, no network, no external entity
 * or DTD loaded (the DOCTYPE line every BLAST XML report carries is read
 * but never fetched), and a report that declares entities of its own is
 * refused before any is expanded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "result.h"
#include "strvec.h"
#include "xmlsafe.h"

const char *
result_fasta_id(const char *p, const char *end, char *out, size_t n)
{
	size_t k = 0;

	while (p < end && *p != '>')
		p++;
	if (p < end)
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && k + 1 < n && *p != ' ' && *p != '\t' && *p != '\n' &&
	    *p != '\r')
		out[k++] = *p++;
	out[k] = '\0';
	/* The next line that begins with '>'. */
	while (p < end && !(*p == '>' && p[-1] == '\n'))
		p++;
	return p;
}

void
result_query_id(const struct job *j, char *out, size_t n)
{
	(void)result_fasta_id(j->input, j->input + j->input_len, out, n);
}

/* The text of the first element called name, depth first; NULL if none. */
static xmlNodePtr
find(xmlNodePtr n, const char *name)
{
	for (; n != NULL; n = n->next) {
		xmlNodePtr hit;

		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
		if ((hit = find(n->children, name)) != NULL)
			return hit;
	}
	return NULL;
}

/* The first word of node n's text, into out (n bytes). */
static void
first_word(xmlNodePtr node, char *out, size_t n)
{
	xmlChar *text = xmlNodeGetContent(node);
	size_t k;

	for (k = 0; text != NULL && text[k] != '\0' && text[k] != ' ' &&
	    k + 1 < n; k++)
		out[k] = (char)text[k];
	out[k] = '\0';
	xmlFree(text);
}

/* The queries every Iteration_query-def under n names, into v. */
static void
answered(xmlNodePtr n, struct strvec *v)
{
	char def[256];

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "Iteration_query-def") == 0) {
			first_word(n, def, sizeof def);
			strvec_push(v, def);
		} else
			answered(n->children, v);
	}
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Does the report under root answer every query of j, each record's
 * identifier the name of one of its iterations? If not, why says the
 * first one missing. A report is read once and sorted, so a job of many
 * records costs n log n, not n times the report.
 */
static bool
answers_every_query(xmlNodePtr root, const struct job *j, char *why,
    size_t whylen)
{
	const char *p = j->input, *end = j->input + j->input_len;
	struct strvec v = STRVEC_INIT;
	size_t queries = 0, missing = 0;
	char id[256], first[256] = "";
	const char *key = id;

	answered(root, &v);
	qsort(v.v, v.n, sizeof *v.v, by_string);
	while (p < end) {
		p = result_fasta_id(p, end, id, sizeof id);
		queries++;
		if (bsearch(&key, v.v, v.n, sizeof *v.v, by_string) == NULL &&
		    missing++ == 0)
			snprintf(first, sizeof first, "%s", id);
	}
	strvec_free(&v);
	if (missing > 0 && queries > 1)
		snprintf(why, whylen, "a report that answers %zu of the job's "
		    "%zu queries: none for '%.80s'", queries - missing, queries,
		    first);
	/* One query: the first is checked already, by the name it has. */
	return missing == 0 || queries <= 1;
}

/* The start of a text, up to its first line's end, printable. */
static const char *
begin_of(const char *p, size_t n)
{
	static char out[41];
	size_t k;

	for (k = 0; k < n && k + 1 < sizeof out && p[k] != '\n' &&
	    p[k] != '\r'; k++)
		out[k] = (unsigned char)p[k] < 0x20 ||
		    (unsigned char)p[k] >= 0x7f ? '?' : p[k];
	out[k] = '\0';
	return out;
}

/*
 * Every query the report has an Iteration for must be one of the job's,
 * in the job's order (a query's iterations, as psiblast's rounds, come
 * together): so that a report of several jobs' queries, such as a whole
 * batch's (batchcall.h), is never kept as one job's result, nor another's
 * part of it. Returns 0, or -1 with why.
 */
static int
check_iterations(xmlNodePtr root, const struct job *j, char *why,
    size_t whylen)
{
	const char *p = j->input, *end = j->input + j->input_len;
	xmlNodePtr its = find(root->children, "BlastOutput_iterations"), it;
	char query[256] = "", def[256];

	if (its == NULL)
		return 0;
	p = result_fasta_id(p, end, query, sizeof query);
	for (it = its->children; it != NULL; it = it->next) {
		xmlNodePtr q;

		if (it->type != XML_ELEMENT_NODE ||
		    (q = find(it->children, "Iteration_query-def")) == NULL)
			continue;
		first_word(q, def, sizeof def);
		while (strcmp(def, query) != 0 && p < end)
			p = result_fasta_id(p, end, query, sizeof query);
		if (strcmp(def, query) != 0) {
			snprintf(why, whylen, "a report that also holds query "
			    "'%.80s', not one of this job's", def);
			return -1;
		}
	}
	return 0;
}

static int
check_blast_xml(const char *data, size_t len, const struct job *j,
    char *why, size_t whylen)
{
	char query[256], def[256];
	xmlDocPtr doc;
	xmlNodePtr root, q;
	int rc = -1;

	doc = xmlsafe_parse(data, len, "result.xml", NULL, NULL);
	if (doc == NULL) {
		snprintf(why, whylen, "malformed or truncated BLAST XML");
		goto out;
	}
	/*
	 * BLAST's DOCTYPE names its DTD and declares nothing; entities of a
	 * report's own would be expanded below, a few kB to gigabytes.
	 */
	if (doc->intSubset != NULL && doc->intSubset->children != NULL) {
		snprintf(why, whylen, "BLAST XML that declares entities of "
		    "its own");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name,
	    "BlastOutput") != 0) {
		snprintf(why, whylen, "XML, but not a BLAST report");
		goto out;
	}
	q = find(root->children, "Iteration_query-def");
	if (q == NULL)
		q = find(root->children, "BlastOutput_query-def");
	if (q == NULL) {
		snprintf(why, whylen, "BLAST XML that names no query");
		goto out;
	}
	first_word(q, def, sizeof def);
	result_query_id(j, query, sizeof query);
	if (strcmp(def, query) != 0) {
		snprintf(why, whylen, "a report for query '%.80s', not for "
		    "this job's '%.80s'", def, query);
		goto out;
	}
	if (check_iterations(root, j, why, whylen) != 0 ||
	    !answers_every_query(root->children, j, why, whylen))
		goto out;
	rc = 0;
out:
	xmlFreeDoc(doc);
	xmlSetStructuredErrorFunc(NULL, NULL);
	return rc;
}

int
result_check(const char *data, size_t len, const struct job *j, char *why,
    size_t whylen)
{
	size_t i = 0;

	if (len == 0) {
		snprintf(why, whylen, "empty result");
		return -1;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;	/* a UTF-8 byte-order mark */
	while (i < len && (data[i] == ' ' || data[i] == '\n' ||
	    data[i] == '\r' || data[i] == '\t'))
		i++;
	/* What libxml2 reads begins at the declaration, as XML wants. */
	if (len - i >= 5 && memcmp(data + i, "<?xml", 5) == 0)
		return check_blast_xml(data + i, len - i, j, why, whylen);
	/*
	 * A result is kept in one form, BLAST XML, whatever its provider,
	 * so that ct-fetch -f can give each user the format they ask for.
	 */
	if ((len - i >= 5 && strncasecmp(data + i, "<html", 5) == 0) ||
	    (len - i >= 9 && strncasecmp(data + i, "<!doctype", 9) == 0))
		snprintf(why, whylen, "not BLAST XML: an HTML page");
	else if (memchr(data, '\0', len) != NULL)
		snprintf(why, whylen, "not BLAST XML: binary data");
	else
		snprintf(why, whylen, "not BLAST XML: text beginning '%s'",
		    begin_of(data + i, len - i));
	return -1;
}
