/*
 * blastfmt.c: blastfmt_convert (blastfmt.h). The report is streamed: the
 * top-level fields and each query's are read as the reader passes them,
 * and each <Hit> is expanded, written and freed before the next, so a
 * report of any size is converted in the memory of its largest hit.
 * Each HSP is written as a tabular line (blastfmt-tabular.c) or added to
 * its query's JSON object, written whole when the query ends.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "blastfmt-report.h"

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

static int
write_row(struct conv *c, const struct hit *h, const struct hsp *p)
{
	c->line.len = 0;
	blastfmt_tabular_line(&c->line, c->f, &c->q, h, p);
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
