/*
 * blastfmt-spec.c: blastfmt_parse (blastfmt.h), apart from the converter
 * because ct-fetch checks -f before anything else and must not link
 * libxml2 to do it.
 */
#include <stdio.h>
#include <string.h>

#include "blastfmt.h"

/* BLAST's names, in enum blastfmt_column's order. */
static const char *const names[COL_COUNT] = {
	"qseqid", "qacc", "qaccver", "qlen",
	"sseqid", "sacc", "saccver", "slen", "stitle",
	"qstart", "qend", "sstart", "send",
	"qseq", "sseq", "evalue", "bitscore", "score",
	"length", "pident", "nident", "mismatch", "positive",
	"gapopen", "gaps", "ppos", "frames", "qframe", "sframe",
	"btop", "qcovhsp",
};

/* BLAST+'s "std" (outfmt 6 alone), as blastp 2.12 prints it. */
static const unsigned char std_columns[] = {
	COL_QACCVER, COL_SACCVER, COL_PIDENT, COL_LENGTH, COL_MISMATCH,
	COL_GAPOPEN, COL_QSTART, COL_QEND, COL_SSTART, COL_SEND, COL_EVALUE,
	COL_BITSCORE,
};

const char *
blastfmt_column_name(unsigned col)
{
	return col < COL_COUNT ? names[col] : "?";
}

/* Append the columns of std to f; -1 if there is no room. */
static int
add_std(struct blastfmt *f)
{
	if (f->ncols + sizeof std_columns > BLASTFMT_MAX_COLUMNS)
		return -1;
	memcpy(f->cols + f->ncols, std_columns, sizeof std_columns);
	f->ncols += sizeof std_columns;
	return 0;
}

/* The column called word[0..len), or -1. */
static int
column(const char *word, size_t len)
{
	unsigned i;

	for (i = 0; i < COL_COUNT; i++)
		if (strlen(names[i]) == len && memcmp(names[i], word, len) == 0)
			return (int)i;
	return -1;
}

int
blastfmt_parse(const char *spec, struct blastfmt *f, char *why,
    size_t whylen)
{
	const char *p = spec, *w;
	size_t len, n = 0;
	int col;

	memset(f, 0, sizeof *f);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
			;
		len = (size_t)(p - w);
		if (n++ == 0) {
			if (len == 3 && memcmp(w, "xml", 3) == 0)
				f->kind = BLASTFMT_XML;
			else if (len == 4 && memcmp(w, "json", 4) == 0)
				f->kind = BLASTFMT_JSON;
			else if (len == 7 && memcmp(w, "tabular", 7) == 0)
				f->kind = BLASTFMT_TABULAR;
			else {
				snprintf(why, whylen, "unknown format '%.*s': "
				    "xml, tabular [column...] or json",
				    (int)(len > 40 ? 40 : len), w);
				return -1;
			}
			continue;
		}
		if (f->kind != BLASTFMT_TABULAR) {
			snprintf(why, whylen, "format %s takes no columns",
			    f->kind == BLASTFMT_XML ? "xml" : "json");
			return -1;
		}
		if (len == 3 && memcmp(w, "std", 3) == 0) {
			if (add_std(f) != 0)
				goto too_many;
			continue;
		}
		if ((col = column(w, len)) < 0) {
			snprintf(why, whylen, "column '%.*s' cannot be made "
			    "from BLAST XML (see ct-fetch(1) for those that "
			    "can)", (int)(len > 40 ? 40 : len), w);
			return -1;
		}
		if (f->ncols == BLASTFMT_MAX_COLUMNS)
			goto too_many;
		f->cols[f->ncols++] = (unsigned char)col;
	}
	if (n == 0) {
		snprintf(why, whylen, "empty format: xml, tabular [column...] "
		    "or json");
		return -1;
	}
	if (f->kind == BLASTFMT_TABULAR && f->ncols == 0)
		(void)add_std(f);
	return 0;
too_many:
	snprintf(why, whylen, "more than %d columns", BLASTFMT_MAX_COLUMNS);
	return -1;
}
