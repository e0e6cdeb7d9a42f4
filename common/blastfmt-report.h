/*
 * blastfmt-report.h: a BLAST XML report's query, hit and HSP as the
 * converter (blastfmt.c) reads them, for the tabular format's writer
 * (blastfmt-tabular.c). Inside blastfmt only.
 *
 * Nothing here prints or fails.
 */
#ifndef CT_BLASTFMT_REPORT_H
#define CT_BLASTFMT_REPORT_H

#include <stdbool.h>

#include "blastfmt.h"
#include "util.h"

/* A query's fields: Iteration_query-*, else BlastOutput_query-*. */
struct query {
	char *id, *def;
	long len;
	bool have_len;
};

/* A hit's fields. */
struct hit {
	char *id, *def, *acc;
	long num, len;
};

/* An HSP's elements (blastfmt.c's hsp_fields names them). */
enum hsp_field {
	H_NUM, H_BITS, H_SCORE, H_EVALUE, H_QFROM, H_QTO, H_HFROM, H_HTO,
	H_QFRAME, H_HFRAME, H_IDENT, H_POS, H_GAPS, H_ALEN, H_QSEQ, H_HSEQ,
	H_MIDLINE, H_COUNT
};

/* An HSP: each element present, as a number (i or r) and as text. */
struct hsp {
	bool have[H_COUNT];
	long i[H_COUNT];
	double r[H_COUNT];
	char *s[H_COUNT];
};

/*
 * Append to b the tabular line (columns f->cols, tab-separated, newline
 * ended) of HSP p of hit h for query q, as blastp -outfmt 6 writes it.
 */
void blastfmt_tabular_line(struct buf *b, const struct blastfmt *f,
    const struct query *q, const struct hit *h, const struct hsp *p);

#endif
