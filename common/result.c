/*
 * result.c: result validation (result.h). BLAST XML is parsed as hostile
 * input, like the registry: from memory, no network, no external entity
 * or DTD loaded (the DOCTYPE line every BLAST XML report carries is read
 * but never fetched), and a report that declares entities of its own is
 * refused before any is expanded.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fasta.h"
#include "reportscan.h"
#include "result.h"
#include "strvec.h"

void
result_query_id(const struct job *j, char *out, size_t n)
{
	(void)fasta_id(j->input, j->input + j->input_len, out, n);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Does the report answer every query of j, each record's identifier the
 * name of one of its iterations? If not, why says the first one missing.
 * A report's names are sorted once, so a job of many records costs
 * n log n, not n times the report.
 */
static bool
answers_every_query(struct strvec *answered, const struct job *j,
    char *why, size_t whylen)
{
	const char *p = j->input, *end = j->input + j->input_len;
	size_t queries = 0, missing = 0;
	char id[256], first[256] = "";
	const char *key = id;

	qsort(answered->v, answered->n, sizeof *answered->v, by_string);
	while (p < end) {
		p = fasta_id(p, end, id, sizeof id);
		queries++;
		if (bsearch(&key, answered->v, answered->n,
		    sizeof *answered->v, by_string) == NULL && missing++ == 0)
			snprintf(first, sizeof first, "%s", id);
	}
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
 * part of it. in_order holds each Iteration's query. Returns 0, or -1
 * with why.
 */
static int
check_iterations(const struct strvec *in_order, const struct job *j,
    char *why, size_t whylen)
{
	const char *p = j->input, *end = j->input + j->input_len;
	char query[256] = "";
	size_t i;

	p = fasta_id(p, end, query, sizeof query);
	for (i = 0; i < in_order->n; i++) {
		const char *def = in_order->v[i];

		while (strcmp(def, query) != 0 && p < end)
			p = fasta_id(p, end, query, sizeof query);
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
	struct report_scan s = REPORT_SCAN_INIT;
	char query[256];
	const char *def;
	bool wellformed;
	int rc = -1;

	wellformed = report_scan(data, len, &s) == 0;
	/*
	 * First, as the entities it declares were never taken in: their
	 * references alone may make the rest look malformed.
	 */
	if (s.declares) {
		snprintf(why, whylen, "BLAST XML that declares entities of "
		    "its own");
		goto out;
	}
	if (!wellformed) {
		snprintf(why, whylen, "malformed or truncated BLAST XML");
		goto out;
	}
	if (strcmp(s.root, "BlastOutput") != 0) {
		snprintf(why, whylen, "XML, but not a BLAST report");
		goto out;
	}
	if (!s.iteration.seen && !s.output.seen) {
		snprintf(why, whylen, "BLAST XML that names no query");
		goto out;
	}
	def = s.iteration.seen ? s.iteration.first : s.output.first;
	result_query_id(j, query, sizeof query);
	if (strcmp(def, query) != 0) {
		snprintf(why, whylen, "a report for query '%.80s', not for "
		    "this job's '%.80s'", def, query);
		goto out;
	}
	if (check_iterations(&s.in_order, j, why, whylen) != 0 ||
	    !answers_every_query(&s.answered, j, why, whylen))
		goto out;
	rc = 0;
out:
	report_scan_free(&s);
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
