/*
 * blastfmt.h: a job's result, kept as BLAST XML, written in the format
 * the user asks for at fetch time (ct-fetch -f): the XML itself, BLAST's
 * tabular format (outfmt 6, its standard columns or a list of them), or
 * JSON.
 *
 * blastfmt_parse (blastfmt-spec.c) needs nothing but libc, so ct-fetch
 * checks -f without libxml2; blastfmt_convert (blastfmt.c) reads the XML
 * through xmlsafe.h, a <Hit> at a time, so that memory stays bounded by
 * the largest hit, not the report.
 *
 * Nothing here prints but the converted report: a refusal's reason is
 * returned, for the caller to say.
 */
#ifndef CT_BLASTFMT_H
#define CT_BLASTFMT_H

#include <stddef.h>
#include <stdio.h>

/* Room for every column (each is listed once). */
#define BLASTFMT_MAX_COLUMNS 64

enum blastfmt_kind {
	BLASTFMT_XML,		/* the stored bytes, unchanged */
	BLASTFMT_TABULAR,	/* outfmt 6: one line an HSP, tab-separated */
	BLASTFMT_JSON,		/* see ct-fetch(1), JSON */
};

struct blastfmt {
	enum blastfmt_kind kind;
	size_t ncols;				/* BLASTFMT_TABULAR */
	unsigned char cols[BLASTFMT_MAX_COLUMNS];	/* column numbers */
};

/*
 * Parse spec, as ct-fetch -f takes it: "xml", "json", "tabular", or
 * "tabular" followed by BLAST's column names (and "std"), separated by
 * blanks, as in -outfmt "6 qseqid sseqid evalue"; a column named twice is
 * there once, where first named, as BLAST has it. Returns 0, or -1 with
 * the reason in why.
 */
int blastfmt_parse(const char *spec, struct blastfmt *f, char *why,
    size_t whylen);

/* The name of column number col (blastfmt-spec.c). */
const char *blastfmt_column_name(unsigned col);

/*
 * Write the BLAST XML report that reader (an xmlTextReaderPtr from
 * xmlsafe.h; void here so that callers of blastfmt_parse need no
 * libxml2) reads to out in format f, which must not be BLASTFMT_XML.
 * A report that is not BLAST XML, declares entities, or lacks a field
 * the format needs is refused. Returns 0, or -1 with the reason in why
 * (what was written before stays written); a write error is the
 * caller's to find with ferror(out).
 */
int blastfmt_convert(void *reader, FILE *out, const struct blastfmt *f,
    char *why, size_t whylen);

/* The columns, numbered as struct blastfmt's cols. */
enum blastfmt_column {
	COL_QSEQID, COL_QACC, COL_QACCVER, COL_QLEN,
	COL_SSEQID, COL_SACC, COL_SACCVER, COL_SLEN, COL_STITLE,
	COL_QSTART, COL_QEND, COL_SSTART, COL_SEND,
	COL_QSEQ, COL_SSEQ, COL_EVALUE, COL_BITSCORE, COL_SCORE,
	COL_LENGTH, COL_PIDENT, COL_NIDENT, COL_MISMATCH, COL_POSITIVE,
	COL_GAPOPEN, COL_GAPS, COL_PPOS, COL_FRAMES, COL_QFRAME, COL_SFRAME,
	COL_BTOP, COL_QCOVHSP, COL_SSTRAND,
	COL_COUNT
};

#endif
