/*
 * blastfmt.c: blastfmt_convert (blastfmt.h). The report is streamed: the
 * top-level fields and each query's are read as the reader passes them,
 * and each <Hit> is expanded, written and freed before the next, so a
 * report of any size is converted in the memory of its largest hit.
 *
 * The tabular format reproduces blastp -outfmt 6's bytes: the columns'
 * names, the identifiers' rules and the number formats are BLAST+'s
 * (CBlastTabularInfo, CAlignFormatUtil::GetScoreString), checked against
 * blastp 2.12's own output in t/0310-formats.bats.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "blastfmt.h"
#include "util.h"

/* A query's fields: Iteration_query-*, else BlastOutput_query-*. */
struct query {
	char *id, *def;
	long len;
	bool have_len;
};

/* A hit's fields, and each of its HSPs' in turn. */
struct hit {
	char *id, *def, *acc;
	long num, len;
};

enum hsp_field {
	H_NUM, H_BITS, H_SCORE, H_EVALUE, H_QFROM, H_QTO, H_HFROM, H_HTO,
	H_QFRAME, H_HFRAME, H_IDENT, H_POS, H_GAPS, H_ALEN, H_QSEQ, H_HSEQ,
	H_MIDLINE, H_COUNT
};

/* An HSP's elements, and how each is read. */
static const struct {
	const char *element;	/* in BLAST XML */
	const char *json;	/* its name in the JSON form */
	char type;		/* 'i' integer, 'r' real, 's' text */
	bool required;		/* by the tabular columns, if absent 0 */
} hsp_fields[H_COUNT] = {
	[H_NUM] = { "Hsp_num", "num", 'i', false },
	[H_BITS] = { "Hsp_bit-score", "bit_score", 'r', true },
	[H_SCORE] = { "Hsp_score", "score", 'i', true },
	[H_EVALUE] = { "Hsp_evalue", "evalue", 'r', true },
	[H_QFROM] = { "Hsp_query-from", "query_from", 'i', true },
	[H_QTO] = { "Hsp_query-to", "query_to", 'i', true },
	[H_HFROM] = { "Hsp_hit-from", "hit_from", 'i', true },
	[H_HTO] = { "Hsp_hit-to", "hit_to", 'i', true },
	[H_QFRAME] = { "Hsp_query-frame", "query_frame", 'i', false },
	[H_HFRAME] = { "Hsp_hit-frame", "hit_frame", 'i', false },
	[H_IDENT] = { "Hsp_identity", "identity", 'i', true },
	[H_POS] = { "Hsp_positive", "positive", 'i', false },
	[H_GAPS] = { "Hsp_gaps", "gaps", 'i', false },
	[H_ALEN] = { "Hsp_align-len", "align_len", 'i', true },
	[H_QSEQ] = { "Hsp_qseq", "qseq", 's', true },
	[H_HSEQ] = { "Hsp_hseq", "hseq", 's', true },
	[H_MIDLINE] = { "Hsp_midline", "midline", 's', false },
};

struct hsp {
	bool have[H_COUNT];
	long i[H_COUNT];
	double r[H_COUNT];
	char *s[H_COUNT];
};

struct conv {
	FILE *out;
	const struct blastfmt *f;
	char *why;
	size_t whylen;
	char *program, *version, *db;
	struct query top, q;	/* BlastOutput_query-*, the Iteration's */
	bool in_query, json_started;
	size_t nqueries;	/* written to the JSON form */
	json_t *hits;		/* the JSON form's current query's */
	struct buf line;	/* one tabular line */
};

/* Values larger than this are refused: no arithmetic on them overflows. */
#define MAX_VALUE 2000000000L

static int fail(struct conv *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct conv *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The text of node n, in memory of ours. */
static char *
text_of(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = xstrdup(t != NULL ? (const char *)t : "");

	xmlFree(t);
	return s;
}

/* s past white space. */
static const char *
blanks(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* A whole decimal number from -MAX_VALUE to MAX_VALUE, blanks around. */
static int
parse_long(const char *s, long *out)
{
	const char *end;
	int64_t v;

	if (parse_int64(blanks(s), &end, -MAX_VALUE, MAX_VALUE, &v) != 0 ||
	    *blanks(end) != '\0')
		return -1;
	*out = (long)v;
	return 0;
}

/* A finite real number, not negative, blanks around. */
static int
parse_real(const char *s, double *out)
{
	char *end;
	double v;

	s = blanks(s);
	v = strtod(s, &end);
	if (end == s || *blanks(end) != '\0' || !(v >= 0 && v <= 1e300))
		return -1;
	*out = v;
	return 0;
}

static void
query_free(struct query *q)
{
	free(q->id);
	free(q->def);
	memset(q, 0, sizeof *q);
}

static void
hit_free(struct hit *h)
{
	free(h->id);
	free(h->def);
	free(h->acc);
}

static void
hsp_free(struct hsp *h)
{
	size_t k;

	for (k = 0; k < H_COUNT; k++)
		free(h->s[k]);
}

/* --- identifiers, as BLAST+'s tabular output names them ------------------ */

/* Append the first word of s (up to a blank) to b. */
static void
first_word(struct buf *b, const char *s)
{
	buf_append(b, s, strcspn(s, " \t"));
}

/* Whether a query's ID is the local one BLAST+ gives an unparsed defline. */
static bool
local_query_id(const char *id)
{
	return strncmp(id, "Query_", 6) == 0 && id[6] >= '0' && id[6] <= '9';
}

/* Whether a hit's ID is the ordinal of a database made without -parse_seqids. */
static bool
ordinal_hit_id(const char *id)
{
	return strncmp(id, "gnl|BL_ORD_ID|", 14) == 0;
}

/*
 * Append the accession of FASTA identifier id ("ref|NP_000509.1|",
 * "sp|P69905.2|HBA_HUMAN", "pdb|1ABC|A", "lcl|x"), with its version if
 * version, to b; a gi followed by another identifier gives way to it.
 */
static void
accession(struct buf *b, const char *id, bool version)
{
	const char *f1, *f2, *end;
	size_t n;

	while (strncmp(id, "gi|", 3) == 0 && strchr(id + 3, '|') != NULL &&
	    strchr(id + 3, '|')[1] != '\0')
		id = strchr(id + 3, '|') + 1;
	if ((f1 = strchr(id, '|')) == NULL) {
		buf_append(b, id, strlen(id));
		return;
	}
	f1++;
	n = strcspn(f1, "|");
	f2 = f1[n] == '|' ? f1 + n + 1 : NULL;
	if (strncmp(id, "pdb|", 4) == 0 && f2 != NULL && *f2 != '\0') {
		buf_append(b, f1, n);
		buf_append(b, "_", 1);
		buf_append(b, f2, strcspn(f2, "|"));
		return;
	}
	if (!version && strncmp(id, "lcl|", 4) != 0) {
		end = memchr(f1, '.', n);
		if (end != NULL)
			n = (size_t)(end - f1);
	}
	buf_append(b, f1, n);
}

/* The query's identifier for column col (qseqid, qacc, qaccver). */
static void
query_label(struct buf *b, const struct query *q, int col)
{
	if (local_query_id(q->id) && q->def[0] != '\0' &&
	    strcmp(q->def, "No definition line") != 0)
		first_word(b, q->def);
	else if (col == COL_QSEQID)
		buf_append(b, q->id, strlen(q->id));
	else
		accession(b, q->id, col == COL_QACCVER);
}

/* The hit's identifier for column col (sseqid, sacc, saccver). */
static void
hit_label(struct buf *b, const struct hit *h, int col)
{
	if (ordinal_hit_id(h->id))
		first_word(b, h->def);
	else if (col == COL_SSEQID)
		buf_append(b, h->id, strlen(h->id));
	else if (col == COL_SACC && h->acc[0] != '\0')
		buf_append(b, h->acc, strlen(h->acc));
	else
		accession(b, h->id, col == COL_SACCVER);
}

/* --- numbers, as BLAST+'s tabular output writes them --------------------- */

static void
put_evalue(struct buf *b, double e)
{
	if (e < 1.0e-180)
		buf_appendf(b, "0.0");
	else if (e < 0.0009)
		buf_appendf(b, "%.2e", e);
	else if (e < 0.1)
		buf_appendf(b, "%4.3f", e);
	else if (e < 1.0)
		buf_appendf(b, "%3.2f", e);
	else if (e < 10.0)
		buf_appendf(b, "%2.1f", e);
	else
		buf_appendf(b, "%2.0f", e);
}

static void
put_bitscore(struct buf *b, double s)
{
	if (s > 99999)
		buf_appendf(b, "%5.3e", s);
	else if (s > 99.9)
		buf_appendf(b, "%3.0ld", (long)s);
	else
		buf_appendf(b, "%4.1f", s);
}

/* Gap openings: the runs of '-' in both aligned sequences. */
static long
gap_openings(const char *q, const char *s)
{
	long n = 0;
	size_t k;

	for (k = 0; q[k] != '\0'; k++)
		if (q[k] == '-' && (k == 0 || q[k - 1] != '-'))
			n++;
	for (k = 0; s[k] != '\0'; k++)
		if (s[k] == '-' && (k == 0 || s[k - 1] != '-'))
			n++;
	return n;
}

/* BLAST trace-back operations: runs of identities, then pairs. */
static void
put_btop(struct buf *b, const char *q, const char *s)
{
	long same = 0;

	for (; *q != '\0' && *s != '\0'; q++, s++) {
		if (*q == *s && *q != '-') {
			same++;
			continue;
		}
		if (same > 0)
			buf_appendf(b, "%ld", same);
		same = 0;
		buf_append(b, q, 1);
		buf_append(b, s, 1);
	}
	if (same > 0)
		buf_appendf(b, "%ld", same);
}

/* The columns that are an HSP's whole number as it stands, and which. */
static const signed char hsp_column[COL_COUNT] = {
	[COL_QSTART] = H_QFROM + 1, [COL_QEND] = H_QTO + 1,
	[COL_SSTART] = H_HFROM + 1, [COL_SEND] = H_HTO + 1,
	[COL_SCORE] = H_SCORE + 1, [COL_LENGTH] = H_ALEN + 1,
	[COL_NIDENT] = H_IDENT + 1, [COL_POSITIVE] = H_POS + 1,
	[COL_GAPS] = H_GAPS + 1,
};

/* A frame, as the tabular format says it: 1 where the XML says 0 (none). */
static long
frame(const struct hsp *p, int field)
{
	return p->i[field] != 0 ? p->i[field] : 1;
}

static void
put_column(struct conv *c, int col, const struct hit *h,
    const struct hsp *p)
{
	struct buf *b = &c->line;
	long alen = p->i[H_ALEN];

	if (hsp_column[col] > 0) {
		buf_appendf(b, "%ld", p->i[hsp_column[col] - 1]);
		return;
	}
	switch (col) {
	case COL_QSEQID: case COL_QACC: case COL_QACCVER:
		query_label(b, &c->q, col);
		break;
	case COL_QLEN:
		buf_appendf(b, "%ld", c->q.len);
		break;
	case COL_SSEQID: case COL_SACC: case COL_SACCVER:
		hit_label(b, h, col);
		break;
	case COL_SLEN:
		buf_appendf(b, "%ld", h->len);
		break;
	case COL_STITLE:
		if (strcmp(h->def, "No definition line") == 0)
			buf_appendf(b, "N/A");
		else
			buf_append(b, h->def, strlen(h->def));
		break;
	case COL_QSEQ:
		buf_append(b, p->s[H_QSEQ], strlen(p->s[H_QSEQ]));
		break;
	case COL_SSEQ:
		buf_append(b, p->s[H_HSEQ], strlen(p->s[H_HSEQ]));
		break;
	case COL_EVALUE:
		put_evalue(b, p->r[H_EVALUE]);
		break;
	case COL_BITSCORE:
		put_bitscore(b, p->r[H_BITS]);
		break;
	case COL_PIDENT:
		buf_appendf(b, "%.3f", 100.0 * (double)p->i[H_IDENT] /
		    (double)alen);
		break;
	case COL_MISMATCH:
		buf_appendf(b, "%ld", alen - p->i[H_IDENT] - p->i[H_GAPS]);
		break;
	case COL_GAPOPEN:
		buf_appendf(b, "%ld", gap_openings(p->s[H_QSEQ],
		    p->s[H_HSEQ]));
		break;
	case COL_PPOS:
		buf_appendf(b, "%.2f", 100.0 * (double)p->i[H_POS] /
		    (double)alen);
		break;
	case COL_FRAMES:
		buf_appendf(b, "%ld/%ld", frame(p, H_QFRAME),
		    frame(p, H_HFRAME));
		break;
	case COL_QFRAME:
		buf_appendf(b, "%ld", frame(p, H_QFRAME));
		break;
	case COL_SFRAME:
		buf_appendf(b, "%ld", frame(p, H_HFRAME));
		break;
	case COL_BTOP:
		put_btop(b, p->s[H_QSEQ], p->s[H_HSEQ]);
		break;
	case COL_QCOVHSP: {
		long from = p->i[H_QFROM], to = p->i[H_QTO];
		long span = (to > from ? to - from : from - to) + 1;

		buf_appendf(b, "%ld", c->q.len > 0 ? (long)(100.0 *
		    (double)span / (double)c->q.len + 0.5) : 0L);
		break;
	}
	default:
		break;
	}
}

static int
write_row(struct conv *c, const struct hit *h, const struct hsp *p)
{
	size_t k;

	c->line.len = 0;
	for (k = 0; k < c->f->ncols; k++) {
		if (k > 0)
			buf_append(&c->line, "\t", 1);
		put_column(c, c->f->cols[k], h, p);
	}
	buf_append(&c->line, "\n", 1);
	fwrite(c->line.data, 1, c->line.len, c->out);
	return 0;
}

/* --- the JSON form --------------------------------------------------------- */

/* Write a JSON string, or null for NULL. */
static void
put_json_string(FILE *out, const char *s)
{
	/* libxml2 hands out UTF-8 only, which json_string takes. */
	json_t *v = s != NULL ? json_string(s) : NULL;
	char *text = v != NULL ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	fputs(text != NULL ? text : "null", out);
	free(text);
	json_decref(v);
}

/* The report's own fields, before its first query. */
static void
json_start(struct conv *c)
{
	if (c->json_started)
		return;
	c->json_started = true;
	fputs("{\"program\":", c->out);
	put_json_string(c->out, c->program);
	fputs(",\"version\":", c->out);
	put_json_string(c->out, c->version);
	fputs(",\"database\":", c->out);
	put_json_string(c->out, c->db);
	fputs(",\"queries\":[", c->out);
}

static void
json_end(struct conv *c)
{
	json_start(c);
	fputs(c->nqueries > 0 ? "\n]}\n" : "]}\n", c->out);
}

static json_t *
json_text(const char *s)
{
	json_t *v = json_string(s);

	return v != NULL ? v : json_null();
}

static void
json_add_hit(struct conv *c, const struct hit *h, json_t *hsps)
{
	json_t *o = json_object();

	json_object_set_new(o, "num", json_integer(h->num));
	json_object_set_new(o, "id", json_text(h->id));
	json_object_set_new(o, "def", json_text(h->def));
	json_object_set_new(o, "accession", json_text(h->acc));
	json_object_set_new(o, "len", json_integer(h->len));
	json_object_set_new(o, "hsps", hsps);
	json_array_append_new(c->hits, o);
}

static json_t *
json_hsp(const struct hsp *p)
{
	json_t *o = json_object();
	size_t k;

	for (k = 0; k < H_COUNT; k++) {
		json_t *v;

		if (!p->have[k])
			continue;
		if (hsp_fields[k].type == 'i')
			v = json_integer(p->i[k]);
		else if (hsp_fields[k].type == 'r')
			v = json_real(p->r[k]);
		else
			v = json_text(p->s[k]);
		json_object_set_new(o, hsp_fields[k].json, v);
	}
	return o;
}

/* --- the report, streamed -------------------------------------------------- */

static int
read_hsp(struct conv *c, xmlNodePtr n, struct hsp *p)
{
	xmlNodePtr e;
	size_t k;

	memset(p, 0, sizeof *p);
	for (e = n->children; e != NULL; e = e->next) {
		if (e->type != XML_ELEMENT_NODE)
			continue;
		for (k = 0; k < H_COUNT; k++)
			if (strcmp((const char *)e->name,
			    hsp_fields[k].element) == 0)
				break;
		if (k == H_COUNT || p->have[k])
			continue;
		p->s[k] = text_of(e);
		p->have[k] = true;
		if ((hsp_fields[k].type == 'i' &&
		    parse_long(p->s[k], &p->i[k]) != 0) ||
		    (hsp_fields[k].type == 'r' &&
		    parse_real(p->s[k], &p->r[k]) != 0))
			return fail(c, "BLAST XML with a malformed %s",
			    hsp_fields[k].element);
	}
	for (k = 0; k < H_COUNT; k++)
		if (hsp_fields[k].required && !p->have[k])
			return fail(c, "BLAST XML with an HSP without %s",
			    hsp_fields[k].element);
	if (p->i[H_ALEN] <= 0)
		return fail(c, "BLAST XML with an HSP of length 0");
	return 0;
}

/* Read the fields of <Hit> node n into h; its <Hit_hsps> into *hsps. */
static int
read_hit(struct conv *c, xmlNodePtr n, struct hit *h, xmlNodePtr *hsps)
{
	xmlNodePtr e;
	char *t;

	*hsps = NULL;
	for (e = n->children; e != NULL; e = e->next) {
		const char *name = (const char *)e->name;
		char **field = NULL;

		if (e->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(name, "Hit_hsps") == 0) {
			*hsps = e;
			continue;
		}
		if (strcmp(name, "Hit_id") == 0)
			field = &h->id;
		else if (strcmp(name, "Hit_def") == 0)
			field = &h->def;
		else if (strcmp(name, "Hit_accession") == 0)
			field = &h->acc;
		else if (strcmp(name, "Hit_len") == 0 ||
		    strcmp(name, "Hit_num") == 0) {
			t = text_of(e);
			if (parse_long(t, name[4] == 'l' ? &h->len :
			    &h->num) != 0) {
				free(t);
				return fail(c, "BLAST XML with a malformed %s",
				    name);
			}
			free(t);
		}
		if (field != NULL && *field == NULL)
			*field = text_of(e);
	}
	if (h->id == NULL)
		return fail(c, "BLAST XML with a hit without Hit_id");
	if (h->def == NULL)
		h->def = xstrdup("");
	if (h->acc == NULL)
		h->acc = xstrdup("");
	return 0;
}

static int
do_hit(struct conv *c, xmlNodePtr n)
{
	struct hit h = { NULL, NULL, NULL, 0, 0 };
	struct hsp p;
	xmlNodePtr hsps, e;
	json_t *jh = NULL;
	int rc = -1;

	if (!c->in_query)
		return fail(c, "BLAST XML with a hit outside an Iteration");
	if (read_hit(c, n, &h, &hsps) != 0)
		goto out;
	if (c->f->kind == BLASTFMT_JSON)
		jh = json_array();
	for (e = hsps != NULL ? hsps->children : NULL; e != NULL;
	    e = e->next) {
		if (e->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)e->name, "Hsp") != 0)
			continue;
		if (read_hsp(c, e, &p) != 0) {
			hsp_free(&p);
			goto out;
		}
		if (jh != NULL)
			json_array_append_new(jh, json_hsp(&p));
		else
			write_row(c, &h, &p);
		hsp_free(&p);
	}
	if (jh != NULL) {
		json_add_hit(c, &h, jh);
		jh = NULL;
	}
	rc = 0;
out:
	json_decref(jh);
	hit_free(&h);
	return rc;
}

static void
begin_query(struct conv *c)
{
	query_free(&c->q);
	c->in_query = true;
	json_decref(c->hits);
	c->hits = c->f->kind == BLASTFMT_JSON ? json_array() : NULL;
}

/* The Iteration's query, completed from the report's where it says none. */
static void
complete_query(struct conv *c)
{
	if (c->q.id == NULL)
		c->q.id = xstrdup(c->top.id != NULL ? c->top.id : "");
	if (c->q.def == NULL)
		c->q.def = xstrdup(c->top.def != NULL ? c->top.def : "");
	if (!c->q.have_len) {
		c->q.len = c->top.len;
		c->q.have_len = c->top.have_len;
	}
}

static void
end_query(struct conv *c)
{
	json_t *o;
	char *text;

	if (!c->in_query)
		return;
	c->in_query = false;
	if (c->f->kind != BLASTFMT_JSON)
		return;
	complete_query(c);
	json_start(c);
	o = json_object();
	json_object_set_new(o, "id", json_text(c->q.id));
	json_object_set_new(o, "def", json_text(c->q.def));
	json_object_set_new(o, "len", c->q.have_len ?
	    json_integer(c->q.len) : json_null());
	json_object_set_new(o, "hits", c->hits);
	c->hits = NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	fputs(c->nqueries++ > 0 ? ",\n" : "\n", c->out);
	fputs(text != NULL ? text : "null", c->out);
	free(text);
	json_decref(o);
}

/* Read the current element's text into *field (if not read already). */
static int
read_field(xmlTextReaderPtr r, char **field)
{
	xmlChar *t;

	if (*field != NULL)
		return 0;
	t = xmlTextReaderReadString(r);
	*field = xstrdup(t != NULL ? (const char *)t : "");
	xmlFree(t);
	return 0;
}

static int
read_len(struct conv *c, xmlTextReaderPtr r, struct query *q)
{
	char *t = NULL;
	int rc;

	read_field(r, &t);
	rc = parse_long(t, &q->len);
	free(t);
	if (rc != 0)
		return fail(c, "BLAST XML with a malformed query length");
	q->have_len = true;
	return 0;
}

/*
 * The first element: the root, which must be BlastOutput, in a document
 * whose DOCTYPE declares nothing of its own (result.c's rule: entities a
 * report declares would be expanded, a few kB to gigabytes).
 */
static int
check_root(struct conv *c, xmlTextReaderPtr r, const char *name)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r);

	if (n != NULL && n->doc != NULL && n->doc->intSubset != NULL &&
	    n->doc->intSubset->children != NULL)
		return fail(c, "BLAST XML that declares entities of its own");
	if (strcmp(name, "BlastOutput") != 0)
		return fail(c, "XML, but not a BLAST report (<%.40s>)", name);
	return 0;
}

/* One element the reader is at; *skip if its subtree was read. */
static int
element(struct conv *c, xmlTextReaderPtr r, const char *name, int depth,
    bool *skip)
{
	xmlNodePtr n;

	*skip = false;
	if (depth == 1 && strcmp(name, "BlastOutput_program") == 0)
		return read_field(r, &c->program);
	if (depth == 1 && strcmp(name, "BlastOutput_version") == 0)
		return read_field(r, &c->version);
	if (depth == 1 && strcmp(name, "BlastOutput_db") == 0)
		return read_field(r, &c->db);
	if (depth == 1 && strcmp(name, "BlastOutput_query-ID") == 0)
		return read_field(r, &c->top.id);
	if (depth == 1 && strcmp(name, "BlastOutput_query-def") == 0)
		return read_field(r, &c->top.def);
	if (depth == 1 && strcmp(name, "BlastOutput_query-len") == 0)
		return read_len(c, r, &c->top);
	if (strcmp(name, "Iteration") == 0) {
		end_query(c);
		begin_query(c);
		return 0;
	}
	if (!c->in_query)
		return 0;
	if (strcmp(name, "Iteration_query-ID") == 0)
		return read_field(r, &c->q.id);
	if (strcmp(name, "Iteration_query-def") == 0)
		return read_field(r, &c->q.def);
	if (strcmp(name, "Iteration_query-len") == 0)
		return read_len(c, r, &c->q);
	if (strcmp(name, "Hit") != 0)
		return 0;
	complete_query(c);
	if ((n = xmlTextReaderExpand(r)) == NULL)
		return fail(c, "malformed or truncated BLAST XML");
	*skip = true;
	return do_hit(c, n);
}

int
blastfmt_convert(void *reader, FILE *out, const struct blastfmt *f,
    char *why, size_t whylen)
{
	xmlTextReaderPtr r = reader;
	struct conv c;
	bool root = false, skip;
	int rc = -1, more;

	memset(&c, 0, sizeof c);
	c.out = out;
	c.f = f;
	c.why = why;
	c.whylen = whylen;
	if (r == NULL) {
		fail(&c, "cannot read the report: out of memory");
		return -1;
	}
	more = xmlTextReaderRead(r);
	while (more == 1) {
		int type = xmlTextReaderNodeType(r);
		const xmlChar *n = xmlTextReaderConstName(r);
		const char *name = n != NULL ? (const char *)n : "";

		if (type == XML_READER_TYPE_ELEMENT && !root) {
			root = true;
			if (check_root(&c, r, name) != 0)
				goto out;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			if (element(&c, r, name, xmlTextReaderDepth(r),
			    &skip) != 0)
				goto out;
			if (skip) {
				more = xmlTextReaderNext(r);
				continue;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT &&
		    strcmp(name, "Iteration") == 0)
			end_query(&c);
		more = xmlTextReaderRead(r);
	}
	if (more != 0 || !root) {
		fail(&c, "malformed or truncated BLAST XML");
		goto out;
	}
	if (f->kind == BLASTFMT_JSON)
		json_end(&c);
	rc = 0;
out:
	json_decref(c.hits);
	query_free(&c.q);
	query_free(&c.top);
	free(c.program);
	free(c.version);
	free(c.db);
	buf_free(&c.line);
	return rc;
}
