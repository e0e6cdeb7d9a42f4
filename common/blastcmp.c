/*
 * blastcmp.c: two BLAST XML reports compared (blastcmp.h): each read
 * through SAX2 into a list of its HSPs, the lists sorted and compared.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blastcmp.h"
#include "util.h"
#include "xmlsafe.h"

/* One HSP of a report; a query with no hit is one with hit "". */
struct hsp {
	char query[128];
	char hit[128];
	int num;		/* its place among its hit's HSPs */
	long long score;
	double bits, evalue;
};

/* The leaf elements read. */
enum leaf { L_NONE, L_QUERY, L_ACCESSION, L_ID, L_SCORE, L_BITS,
	L_EVALUE, L_DBLEN };

struct scan {
	struct hsp *h;
	size_t n, cap;
	struct hsp cur;		/* the HSP being read */
	char id[128];		/* Hit_id, for a hit with no accession */
	size_t hits_of_query, hsps_of_hit;
	enum leaf leaf;
	char text[128];
	size_t len;
	int bad;		/* a number that is not one */
	double dblen;		/* the first Statistics_db-len; -1: none */
};

static void
push(struct scan *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->h = xrealloc(s->h, s->cap * sizeof *s->h);
	}
	s->h[s->n++] = s->cur;
}

static enum leaf
leaf_of(const char *name)
{
	static const struct {
		const char *name;
		enum leaf l;
	} leaves[] = {
		{ "Iteration_query-def", L_QUERY },
		{ "Hit_accession", L_ACCESSION },
		{ "Hit_id", L_ID },
		{ "Hsp_score", L_SCORE },
		{ "Hsp_bit-score", L_BITS },
		{ "Hsp_evalue", L_EVALUE },
		{ "Statistics_db-len", L_DBLEN },
	};
	size_t i;

	for (i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
		if (strcmp(name, leaves[i].name) == 0)
			return leaves[i].l;
	return L_NONE;
}

static void
cmp_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
    int ndefaulted, const xmlChar **attrs)
{
	struct scan *s = ctx;
	const char *name = (const char *)localname;

	(void)prefix, (void)uri, (void)nns, (void)ns, (void)nattrs;
	(void)ndefaulted, (void)attrs;
	if (strcmp(name, "Iteration") == 0) {
		memset(&s->cur, 0, sizeof s->cur);
		s->hits_of_query = 0;
	} else if (strcmp(name, "Hit") == 0) {
		s->cur.hit[0] = s->id[0] = '\0';
		s->hsps_of_hit = 0;
		s->hits_of_query++;
	} else if (strcmp(name, "Hsp") == 0) {
		s->cur.score = 0;
		s->cur.bits = s->cur.evalue = 0;
	}
	s->leaf = leaf_of(name);
	s->len = 0;
}

/* The number in text, into *d; false if it is none. */
static bool
number(const char *text, double *d)
{
	char *end;

	*d = strtod(text, &end);
	return end != text && *end == '\0' && !isnan(*d);
}

static void
leaf_end(struct scan *s)
{
	char *t = s->text;
	double d;

	t[s->len] = '\0';
	t += strspn(t, " \t\r\n");
	t[strcspn(t, " \t\r\n")] = '\0';
	switch (s->leaf) {
	case L_QUERY:
		snprintf(s->cur.query, sizeof s->cur.query, "%s", t);
		break;
	case L_ACCESSION:
		snprintf(s->cur.hit, sizeof s->cur.hit, "%s", t);
		break;
	case L_ID:
		snprintf(s->id, sizeof s->id, "%s", t);
		break;
	case L_SCORE:
		if (!number(t, &d) || d != floor(d))
			s->bad = 1;
		s->cur.score = (long long)d;
		break;
	case L_BITS:
		if (!number(t, &s->cur.bits))
			s->bad = 1;
		break;
	case L_EVALUE:
		if (!number(t, &s->cur.evalue))
			s->bad = 1;
		break;
	case L_DBLEN:
		if (s->dblen < 0 && !number(t, &s->dblen))
			s->bad = 1;
		break;
	default:
		break;
	}
}

static void
cmp_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct scan *s = ctx;
	const char *name = (const char *)localname;

	(void)prefix, (void)uri;
	if (s->leaf != L_NONE)
		leaf_end(s);
	s->leaf = L_NONE;
	if (strcmp(name, "Hsp") == 0) {
		if (s->cur.hit[0] == '\0')
			snprintf(s->cur.hit, sizeof s->cur.hit, "%s", s->id);
		s->cur.num = (int)++s->hsps_of_hit;
		push(s);
	} else if (strcmp(name, "Iteration") == 0 && s->hits_of_query == 0) {
		s->cur.hit[0] = '\0';
		s->cur.num = 0;
		push(s);
	}
}

static void
cmp_text(void *ctx, const xmlChar *ch, int len)
{
	struct scan *s = ctx;
	size_t n;

	if (s->leaf == L_NONE)
		return;
	n = sizeof s->text - 1 - s->len;
	if ((size_t)len < n)
		n = (size_t)len;
	memcpy(s->text + s->len, ch, n);
	s->len += n;
}

static int
hsp_order(const void *x, const void *y)
{
	const struct hsp *a = x, *b = y;
	int c;

	if ((c = strcmp(a->query, b->query)) != 0 ||
	    (c = strcmp(a->hit, b->hit)) != 0)
		return c;
	return (a->num > b->num) - (a->num < b->num);
}

/* Read report data[0..len) into s, sorted: 0, or -1 if it is not one. */
static int
scan_report(const char *data, size_t len, struct scan *s)
{
	xmlSAXHandler sax;

	memset(s, 0, sizeof *s);
	s->dblen = -1;
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = cmp_start;
	sax.endElementNs = cmp_end;
	sax.characters = sax.cdataBlock = cmp_text;
	if (xmlsafe_sax(data, len, &sax, s) != 0 || s->bad)
		return -1;
	if (s->n > 1)
		qsort(s->h, s->n, sizeof *s->h, hsp_order);
	return 0;
}

static bool
evalue_agrees(double a, double b)
{
	if (a < BLASTCMP_EVALUE_TINY && b < BLASTCMP_EVALUE_TINY)
		return true;
	return fabs(a - b) <= BLASTCMP_EVALUE_REL * fmax(fabs(a), fabs(b));
}

/* The first difference of two HSP lists, into why: 0 if none. */
static int
differ(const struct scan *a, const struct scan *b, char *why, size_t whylen)
{
	size_t i;

	if (a->dblen != b->dblen) {
		snprintf(why, whylen, "a database of %.0f letters in one, %.0f "
		    "in the other", a->dblen, b->dblen);
		return 1;
	}
	for (i = 0; i < a->n && i < b->n; i++) {
		const struct hsp *x = &a->h[i], *y = &b->h[i];

		if (hsp_order(x, y) != 0) {
			snprintf(why, whylen, "query %.60s: hit %.60s in one, "
			    "%.60s in the other", x->query, x->hit[0] ? x->hit :
			    "none", y->hit[0] ? y->hit : "none");
			return 1;
		}
		if (x->score != y->score || fabs(x->bits - y->bits) >
		    BLASTCMP_BITS_TOL || !evalue_agrees(x->evalue, y->evalue)) {
			snprintf(why, whylen, "query %.60s, hit %.60s, HSP %d: "
			    "score %lld, bits %g, e-value %g in one; %lld, %g, "
			    "%g in the other", x->query, x->hit, x->num,
			    x->score, x->bits, x->evalue, y->score, y->bits,
			    y->evalue);
			return 1;
		}
	}
	if (a->n != b->n) {
		const struct hsp *x = i < a->n ? &a->h[i] : &b->h[i];

		snprintf(why, whylen, "query %.60s: hit %.60s in one report "
		    "only (%zu HSPs against %zu)", x->query, x->hit[0] ?
		    x->hit : "none", a->n, b->n);
		return 1;
	}
	return 0;
}

int64_t
blastcmp_cells(const char *report, size_t len, size_t query_letters)
{
	struct scan s;
	int64_t cells = -1;

	if (scan_report(report, len, &s) == 0 && s.dblen >= 0 &&
	    s.dblen < 1e15 && query_letters < 1000000000)
		cells = (int64_t)s.dblen * (int64_t)query_letters;
	free(s.h);
	return cells;
}

int
blastcmp(const char *a, size_t alen, const char *b, size_t blen, char *why,
    size_t whylen)
{
	struct scan sa, sb;
	int rc = 1;

	memset(&sb, 0, sizeof sb);
	if (scan_report(a, alen, &sa) != 0 || scan_report(b, blen, &sb) != 0)
		snprintf(why, whylen, "a report that is not BLAST XML");
	else
		rc = differ(&sa, &sb, why, whylen);
	free(sa.h);
	free(sb.h);
	return rc;
}
