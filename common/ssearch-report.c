/*
 * ssearch-report.c: the search's report as BLAST XML, the elements and
 * their order as blastp -outfmt 5 writes them, so that ct-dispatch checks
 * it and ct-fetch converts it like any BLAST result (ct-ssearch(1) says
 * what each element means here).
 */
#include <stdio.h>
#include <string.h>

#include "ssearch-int.h"
#include "xmltext.h"

/* <name>text</name> on its own line, indented by ind. */
static void
element(struct buf *b, int ind, const char *name, const char *text,
    size_t n)
{
	buf_appendf(b, "%*s<%s>", ind, "", name);
	xml_text_append(b, text, n);
	buf_appendf(b, "</%s>\n", name);
}

static void
element_num(struct buf *b, int ind, const char *name, size_t v)
{
	buf_appendf(b, "%*s<%s>%zu</%s>\n", ind, "", name, v, name);
}

/* A header's whole definition line: identifier, blank, the rest. */
static void
defline(struct buf *b, int ind, const char *name, const struct ss_seq *s)
{
	buf_appendf(b, "%*s<%s>", ind, "", name);
	xml_text_append(b, s->id, s->idlen);
	if (s->deflen > 0) {
		buf_append(b, " ", 1);
		xml_text_append(b, s->def, s->deflen);
	}
	buf_appendf(b, "</%s>\n", name);
}

void
ss_report_begin(struct buf *b, const struct ss_set *qs, const char *dbname,
    const struct ss_opts *o)
{
	buf_appendf(b, "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE BlastOutput PUBLIC \"-//NCBI//NCBI BlastOutput/EN\" "
	    "\"http://www.ncbi.nlm.nih.gov/dtd/NCBI_BlastOutput.dtd\">\n"
	    "<BlastOutput>\n"
	    "  <BlastOutput_program>ssearch</BlastOutput_program>\n"
	    "  <BlastOutput_version>SSEARCH 1 (cputorrent)</BlastOutput_version>\n"
	    "  <BlastOutput_reference>Smith TF, Waterman MS (1981), "
	    "Identification of common molecular subsequences, J. Mol. Biol. "
	    "147:195-197; Gotoh O (1982), J. Mol. Biol. 162:705-708."
	    "</BlastOutput_reference>\n");
	element(b, 2, "BlastOutput_db", dbname, strlen(dbname));
	buf_appendf(b, "  <BlastOutput_query-ID>Query_1</BlastOutput_query-ID>\n");
	defline(b, 2, "BlastOutput_query-def", &qs->seq[0]);
	element_num(b, 2, "BlastOutput_query-len", qs->seq[0].len);
	buf_appendf(b, "  <BlastOutput_param>\n"
	    "    <Parameters>\n"
	    "      <Parameters_matrix>BLOSUM62</Parameters_matrix>\n"
	    "      <Parameters_expect>%g</Parameters_expect>\n"
	    "      <Parameters_gap-open>%d</Parameters_gap-open>\n"
	    "      <Parameters_gap-extend>%d</Parameters_gap-extend>\n"
	    "      <Parameters_filter>F</Parameters_filter>\n"
	    "    </Parameters>\n"
	    "  </BlastOutput_param>\n"
	    "<BlastOutput_iterations>\n", o->evalue, o->gapopen, o->gapextend);
}

static int
hit(struct buf *b, const struct ss_seq *q, const uint8_t *qres,
    const struct ss_set *ds, const struct ss_hit *h, size_t num,
    const struct ss_opts *o, const struct ss_stats *st, char *why,
    size_t whylen)
{
	const struct ss_seq *s = &ds->seq[h->subject];
	const uint8_t *sres = (const uint8_t *)ds->res.data + s->off;
	struct ss_align a;

	if (ss_trace(qres, q->len, sres, s->len, o->gapopen, o->gapextend,
	    &a) != 0) {
		snprintf(why, whylen, "the alignment of query '%.*s' with "
		    "'%.*s' is too long to trace back (more than %lu cells)",
		    (int)(q->idlen > 80 ? 80 : q->idlen), q->id,
		    (int)(s->idlen > 80 ? 80 : s->idlen), s->id, SS_TRACE_MAX);
		return -1;
	}
	buf_appendf(b, "<Hit>\n");
	element_num(b, 2, "Hit_num", num);
	element(b, 2, "Hit_id", s->id, s->idlen);
	if (s->deflen > 0)
		element(b, 2, "Hit_def", s->def, s->deflen);
	else
		element(b, 2, "Hit_def", "No definition line", 18);
	element(b, 2, "Hit_accession", s->id, s->idlen);
	element_num(b, 2, "Hit_len", s->len);
	buf_appendf(b, "  <Hit_hsps>\n"
	    "    <Hsp>\n"
	    "      <Hsp_num>1</Hsp_num>\n"
	    "      <Hsp_bit-score>%g</Hsp_bit-score>\n"
	    "      <Hsp_score>%d</Hsp_score>\n"
	    "      <Hsp_evalue>%g</Hsp_evalue>\n",
	    ss_bits(st, h->score), h->score, h->evalue);
	element_num(b, 6, "Hsp_query-from", a.qfrom + 1);
	element_num(b, 6, "Hsp_query-to", a.qto + 1);
	element_num(b, 6, "Hsp_hit-from", a.hfrom + 1);
	element_num(b, 6, "Hsp_hit-to", a.hto + 1);
	buf_appendf(b, "      <Hsp_query-frame>0</Hsp_query-frame>\n"
	    "      <Hsp_hit-frame>0</Hsp_hit-frame>\n");
	element_num(b, 6, "Hsp_identity", a.ident);
	element_num(b, 6, "Hsp_positive", a.pos);
	element_num(b, 6, "Hsp_gaps", a.gaps);
	element_num(b, 6, "Hsp_align-len", a.qseq.len);
	element(b, 6, "Hsp_qseq", a.qseq.data, a.qseq.len);
	element(b, 6, "Hsp_hseq", a.hseq.data, a.hseq.len);
	element(b, 6, "Hsp_midline", a.mid.data, a.mid.len);
	buf_appendf(b, "    </Hsp>\n  </Hit_hsps>\n</Hit>\n");
	ss_align_free(&a);
	return 0;
}

int
ss_report_iteration(struct buf *b, const struct ss_set *qs, size_t qi,
    const struct ss_set *ds, const struct ss_hit *hits, size_t n,
    const struct ss_opts *o, const struct ss_stats *st, double space,
    char *why, size_t whylen)
{
	const struct ss_seq *q = &qs->seq[qi];
	const uint8_t *qres = (const uint8_t *)qs->res.data + q->off;
	size_t k;

	buf_appendf(b, "<Iteration>\n"
	    "  <Iteration_iter-num>%zu</Iteration_iter-num>\n"
	    "  <Iteration_query-ID>Query_%zu</Iteration_query-ID>\n",
	    qi + 1, qi + 1);
	defline(b, 2, "Iteration_query-def", q);
	element_num(b, 2, "Iteration_query-len", q->len);
	buf_appendf(b, "<Iteration_hits>\n");
	for (k = 0; k < n; k++)
		if (hit(b, q, qres, ds, &hits[k], k + 1, o, st, why,
		    whylen) != 0)
			return -1;
	buf_appendf(b, "</Iteration_hits>\n"
	    "  <Iteration_stat>\n"
	    "    <Statistics>\n"
	    "      <Statistics_db-num>%zu</Statistics_db-num>\n"
	    "      <Statistics_db-len>%zu</Statistics_db-len>\n"
	    "      <Statistics_hsp-len>0</Statistics_hsp-len>\n"
	    "      <Statistics_eff-space>%.0f</Statistics_eff-space>\n"
	    "      <Statistics_kappa>%g</Statistics_kappa>\n"
	    "      <Statistics_lambda>%g</Statistics_lambda>\n"
	    "      <Statistics_entropy>%g</Statistics_entropy>\n"
	    "    </Statistics>\n"
	    "  </Iteration_stat>\n", ds->n, ds->residues, space, st->k,
	    st->lambda, st->h);
	if (n == 0)
		buf_appendf(b, "  <Iteration_message>No hits found"
		    "</Iteration_message>\n");
	buf_appendf(b, "</Iteration>\n");
	return 0;
}

void
ss_report_end(struct buf *b)
{
	buf_appendf(b, "</BlastOutput_iterations>\n</BlastOutput>\n");
}
