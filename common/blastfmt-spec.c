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
	"btop", "qcovhsp", "sstrand",
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

/* Each column is there once: room for all of them. */
_Static_assert(COL_COUNT <= BLASTFMT_MAX_COLUMNS, "BLASTFMT_MAX_COLUMNS");

/* Append column col to f, unless it is there already, as BLAST does. */
static void
add(struct blastfmt *f, unsigned char col)
{
	if (memchr(f->cols, col, f->ncols) == NULL)
		f->cols[f->ncols++] = col;
}

static void
add_std(struct blastfmt *f)
{
	size_t k;

	for (k = 0; k < sizeof std_columns; k++)
		add(f, std_columns[k]);
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
			add_std(f);
			continue;
		}
		if ((col = column(w, len)) < 0) {
			snprintf(why, whylen, "column '%.*s' cannot be made "
			    "from BLAST XML (see ct-fetch(1) for those that "
			    "can)", (int)(len > 40 ? 40 : len), w);
			return -1;
		}
		add(f, (unsigned char)col);
	}
	if (n == 0) {
		snprintf(why, whylen, "empty format: xml, tabular [column...] "
		    "or json");
		return -1;
	}
	if (f->kind == BLASTFMT_TABULAR && f->ncols == 0)
		add_std(f);
	return 0;
}
