/*
 * blastfmt-tabular.c: blastfmt_tabular_line (blastfmt-report.h), an HSP
 * as a line of BLAST's tabular format. The columns' names, the
 * identifiers' rules and the number formats are BLAST+'s
 * (CBlastTabularInfo, CAlignFormatUtil::GetScoreString), checked against
 * blastp 2.12's own output in t/0310-formats.bats.
 */
#include <stdbool.h>
#include <string.h>

#include "blastfmt-report.h"

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

/*
 * Whether a hit is a subject sequence of a search without a database
 * (-subject): its accession is the local one BLAST+ gives it, Subject_N,
 * and BLAST names it by its ID whole, with no title.
 */
static bool
local_subject(const struct hit *h)
{
	return strncmp(h->acc, "Subject_", 8) == 0 && h->acc[8] >= '0' &&
	    h->acc[8] <= '9';
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
	else if (col == COL_SSEQID || local_subject(h))
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
put_column(struct buf *b, int col, const struct query *q,
    const struct hit *h, const struct hsp *p)
{
	long alen = p->i[H_ALEN];

	if (hsp_column[col] > 0) {
		buf_appendf(b, "%ld", p->i[hsp_column[col] - 1]);
		return;
	}
	switch (col) {
	case COL_QSEQID: case COL_QACC: case COL_QACCVER:
		query_label(b, q, col);
		break;
	case COL_QLEN:
		buf_appendf(b, "%ld", q->len);
		break;
	case COL_SSEQID: case COL_SACC: case COL_SACCVER:
		hit_label(b, h, col);
		break;
	case COL_SLEN:
		buf_appendf(b, "%ld", h->len);
		break;
	case COL_STITLE:
		if (strcmp(h->def, "No definition line") == 0 ||
		    local_subject(h))
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
	case COL_SSTRAND:
		/* A nucleotide hit's strand; none for a protein. */
		buf_appendf(b, "%s", p->i[H_HFRAME] < 0 ? "minus" :
		    p->i[H_HFRAME] > 0 ? "plus" : "N/A");
		break;
	case COL_BTOP:
		put_btop(b, p->s[H_QSEQ], p->s[H_HSEQ]);
		break;
	case COL_QCOVHSP: {
		long from = p->i[H_QFROM], to = p->i[H_QTO];
		long span = (to > from ? to - from : from - to) + 1;

		buf_appendf(b, "%ld", q->len > 0 ? (long)(100.0 *
		    (double)span / (double)q->len + 0.5) : 0L);
		break;
	}
	default:
		break;
	}
}

void
blastfmt_tabular_line(struct buf *b, const struct blastfmt *f,
    const struct query *q, const struct hit *h, const struct hsp *p)
{
	size_t k;

	for (k = 0; k < f->ncols; k++) {
		if (k > 0)
			buf_append(b, "\t", 1);
		put_column(b, f->cols[k], q, h, p);
	}
	buf_append(b, "\n", 1);
}
