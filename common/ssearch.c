/*
 * ssearch.c: the search (ssearch.h): options, then each query's profile
 * scanned against every database sequence, the hits that pass ranked,
 * cut and traced back into the report.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssearch-int.h"

/* How many database sequences between two calls of progress. */
#define PROGRESS_EVERY 32

void
ss_opts_default(struct ss_opts *o)
{
	o->gapopen = 11;
	o->gapextend = 1;
	o->evalue = 10;
	o->max_target_seqs = 500;
}

int
ss_opts_set(struct ss_opts *o, const char *key, const char *value,
    char *why, size_t whylen)
{
	int64_t v;

	if (strcmp(key, "evalue") == 0) {
		char *end;
		double e = strtod(value, &end);

		if (end == value || *end != '\0' || !(e > 0) || isinf(e)) {
			snprintf(why, whylen, "evalue '%.40s' is not a "
			    "positive number", value);
			return -1;
		}
		o->evalue = e;
		return 0;
	}
	if (strcmp(key, "max_target_seqs") == 0) {
		if (parse_int64(value, NULL, 1, 1000000, &v) != 0) {
			snprintf(why, whylen, "max_target_seqs '%.40s' is not "
			    "a number from 1 to 1000000", value);
			return -1;
		}
		o->max_target_seqs = (long)v;
		return 0;
	}
	if (strcmp(key, "gapopen") == 0 || strcmp(key, "gapextend") == 0) {
		if (parse_int64(value, NULL, 0, 100, &v) != 0) {
			snprintf(why, whylen, "%s '%.40s' is not a number "
			    "from 0 to 100", key, value);
			return -1;
		}
		*(key[3] == 'o' ? &o->gapopen : &o->gapextend) = (int)v;
		return 0;
	}
	snprintf(why, whylen, "unknown option '%.40s' (known: evalue, "
	    "max_target_seqs, gapopen, gapextend)", key);
	return -1;
}

int
ss_opts_parse(struct ss_opts *o, const char *text, size_t len, char *why,
    size_t whylen)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *eq;
		char line[128];
		size_t n;

		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= sizeof line || memchr(p, '\0', n) != NULL) {
			snprintf(why, whylen, "an option line too long or "
			    "binary");
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol < end ? eol + 1 : end;
		if (n == 0)
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(why, whylen, "option '%.40s' is not "
			    "key=value", line);
			return -1;
		}
		line[eq - line] = '\0';
		if (ss_opts_set(o, line, eq + 1, why, whylen) != 0)
			return -1;
	}
	return 0;
}

int
ss_opts_check(const struct ss_opts *o, char *why, size_t whylen)
{
	if (ss_stats_find(o->gapopen, o->gapextend) != NULL)
		return 0;
	snprintf(why, whylen, "no BLOSUM62 statistics for gap costs %d/%d "
	    "(there are for 11/2 10/2 9/2 8/2 7/2 6/2 13/1 12/1 11/1 10/1 9/1)",
	    o->gapopen, o->gapextend);
	return -1;
}

/* Best first; of equal scores, the earlier in the database. */
static int
by_score(const void *a, const void *b)
{
	const struct ss_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->subject < y->subject ? -1 : x->subject > y->subject;
}

/* Query qi scored against the whole database: its Iteration into b. */
static int
search_one(struct buf *b, const struct ss_set *qs, size_t qi,
    const struct ss_set *ds, const struct ss_opts *o,
    const struct ss_stats *st, ss_progress_fn *progress, void *arg,
    size_t *done, char *why, size_t whylen)
{
	const struct ss_seq *q = &qs->seq[qi];
	const size_t total = qs->n * ds->n;
	/* The search space: query length times database residues. */
	const double space = (double)q->len * (double)ds->residues;
	struct ss_profile prof;
	struct ss_hit *hits = xmalloc(ds->n * sizeof *hits);
	size_t k, n = 0;
	int rc;

	ss_profile_make(&prof, (const uint8_t *)qs->res.data + q->off,
	    q->len);
	for (k = 0; k < ds->n; k++) {
		const struct ss_seq *s = &ds->seq[k];
		int score = ss_score(&prof, (const uint8_t *)ds->res.data +
		    s->off, s->len, o->gapopen, o->gapextend);

		if (score > 0) {
			double e = ss_evalue(st, score, space);

			if (e <= o->evalue) {
				hits[n].score = score;
				hits[n].subject = k;
				hits[n].evalue = e;
				n++;
			}
		}
		++*done;
		if (progress != NULL && (*done % PROGRESS_EVERY == 0 ||
		    *done == total))
			progress(arg, *done, total);
	}
	ss_profile_free(&prof);
	qsort(hits, n, sizeof *hits, by_score);
	if (n > (size_t)o->max_target_seqs)
		n = (size_t)o->max_target_seqs;
	rc = ss_report_iteration(b, qs, qi, ds, hits, n, o, st, space, why,
	    whylen);
	free(hits);
	return rc;
}

int
ss_search(const char *query, size_t qlen, const char *db, size_t dblen,
    const char *dbname, const struct ss_opts *o, ss_progress_fn *progress,
    void *arg, struct buf *out, char *why, size_t whylen)
{
	const struct ss_stats *st = ss_stats_find(o->gapopen, o->gapextend);
	struct ss_set qs, ds;
	struct buf rep = { 0 };
	size_t qi, done = 0;
	int rc = -1;

	if (ss_opts_check(o, why, whylen) != 0)
		return -1;
	if (ss_set_read(&qs, query, qlen, "query", why, whylen) != 0)
		return -1;
	if (ss_set_read(&ds, db, dblen, "database", why, whylen) != 0) {
		ss_set_free(&qs);
		return -1;
	}
	ss_report_begin(&rep, &qs, dbname, o);
	for (qi = 0; qi < qs.n; qi++)
		if (search_one(&rep, &qs, qi, &ds, o, st, progress, arg, &done,
		    why, whylen) != 0)
			goto out;
	ss_report_end(&rep);
	buf_append(out, rep.data, rep.len);
	rc = 0;
out:
	buf_free(&rep);
	ss_set_free(&qs);
	ss_set_free(&ds);
	return rc;
}
