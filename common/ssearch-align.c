/*
 * ssearch-align.c: Smith-Waterman with affine gaps (Gotoh), BLOSUM62: the
 * score of a query against each database sequence, and the traceback of
 * the alignments reported (ssearch-int.h).
 *
 * The scan goes down the query for each database residue in turn, with a
 * query profile (the scores of one database residue against every query
 * position, one row) and one row of H and E, all int: no saturation, so
 * that every build computes the same scores, and the traceback recomputes
 * them in the same order to find the same alignment.
 */
#include <stdlib.h>
#include <string.h>

#include "ssearch-int.h"

const char ss_letters[SS_ALPHA + 1] = "ARNDCQEGHILKMFPSTWYVBJZX*";

/* NCBI's BLOSUM62 (/usr/share/ncbi/data/BLOSUM62), rows as ss_letters. */
const int8_t ss_blosum62[SS_ALPHA][SS_ALPHA] = {
	{  4, -1, -2, -2,  0, -1, -1,  0, -2, -1, -1, -1, -1, -2, -1,  1,  0, -3, -2,  0, -2, -1, -1, -1, -4 },	/* A */
	{ -1,  5,  0, -2, -3,  1,  0, -2,  0, -3, -2,  2, -1, -3, -2, -1, -1, -3, -2, -3, -1, -2,  0, -1, -4 },	/* R */
	{ -2,  0,  6,  1, -3,  0,  0,  0,  1, -3, -3,  0, -2, -3, -2,  1,  0, -4, -2, -3,  4, -3,  0, -1, -4 },	/* N */
	{ -2, -2,  1,  6, -3,  0,  2, -1, -1, -3, -4, -1, -3, -3, -1,  0, -1, -4, -3, -3,  4, -3,  1, -1, -4 },	/* D */
	{  0, -3, -3, -3,  9, -3, -4, -3, -3, -1, -1, -3, -1, -2, -3, -1, -1, -2, -2, -1, -3, -1, -3, -1, -4 },	/* C */
	{ -1,  1,  0,  0, -3,  5,  2, -2,  0, -3, -2,  1,  0, -3, -1,  0, -1, -2, -1, -2,  0, -2,  4, -1, -4 },	/* Q */
	{ -1,  0,  0,  2, -4,  2,  5, -2,  0, -3, -3,  1, -2, -3, -1,  0, -1, -3, -2, -2,  1, -3,  4, -1, -4 },	/* E */
	{  0, -2,  0, -1, -3, -2, -2,  6, -2, -4, -4, -2, -3, -3, -2,  0, -2, -2, -3, -3, -1, -4, -2, -1, -4 },	/* G */
	{ -2,  0,  1, -1, -3,  0,  0, -2,  8, -3, -3, -1, -2, -1, -2, -1, -2, -2,  2, -3,  0, -3,  0, -1, -4 },	/* H */
	{ -1, -3, -3, -3, -1, -3, -3, -4, -3,  4,  2, -3,  1,  0, -3, -2, -1, -3, -1,  3, -3,  3, -3, -1, -4 },	/* I */
	{ -1, -2, -3, -4, -1, -2, -3, -4, -3,  2,  4, -2,  2,  0, -3, -2, -1, -2, -1,  1, -4,  3, -3, -1, -4 },	/* L */
	{ -1,  2,  0, -1, -3,  1,  1, -2, -1, -3, -2,  5, -1, -3, -1,  0, -1, -3, -2, -2,  0, -3,  1, -1, -4 },	/* K */
	{ -1, -1, -2, -3, -1,  0, -2, -3, -2,  1,  2, -1,  5,  0, -2, -1, -1, -1, -1,  1, -3,  2, -1, -1, -4 },	/* M */
	{ -2, -3, -3, -3, -2, -3, -3, -3, -1,  0,  0, -3,  0,  6, -4, -2, -2,  1,  3, -1, -3,  0, -3, -1, -4 },	/* F */
	{ -1, -2, -2, -1, -3, -1, -1, -2, -2, -3, -3, -1, -2, -4,  7, -1, -1, -4, -3, -2, -2, -3, -1, -1, -4 },	/* P */
	{  1, -1,  1,  0, -1,  0,  0,  0, -1, -2, -2,  0, -1, -2, -1,  4,  1, -3, -2, -2,  0, -2,  0, -1, -4 },	/* S */
	{  0, -1,  0, -1, -1, -1, -1, -2, -2, -1, -1, -1, -1, -2, -1,  1,  5, -2, -2,  0, -1, -1, -1, -1, -4 },	/* T */
	{ -3, -3, -4, -4, -2, -2, -3, -2, -2, -3, -2, -3, -1,  1, -4, -3, -2, 11,  2, -3, -4, -2, -2, -1, -4 },	/* W */
	{ -2, -2, -2, -3, -2, -1, -2, -3,  2, -1, -1, -2, -1,  3, -3, -2, -2,  2,  7, -1, -3, -1, -2, -1, -4 },	/* Y */
	{  0, -3, -3, -3, -1, -2, -2, -3, -3,  3,  1, -2,  1, -1, -2, -2,  0, -3, -1,  4, -3,  2, -2, -1, -4 },	/* V */
	{ -2, -1,  4,  4, -3,  0,  1, -1,  0, -3, -4,  0, -3, -3, -2,  0, -1, -4, -3, -3,  4, -3,  0, -1, -4 },	/* B */
	{ -1, -2, -3, -3, -1, -2, -3, -4, -3,  3,  3, -3,  2,  0, -3, -2, -1, -2, -1,  2, -3,  3, -3, -1, -4 },	/* J */
	{ -1,  0,  0,  1, -3,  4,  4, -2,  0, -3, -3,  1, -1, -3, -1,  0, -1, -2, -2, -2,  0, -3,  4, -1, -4 },	/* Z */
	{ -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -4 },	/* X */
	{ -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4,  1 },	/* * */
};

/* Below any score: H >= 0, and E, F >= -(open + extend) after a step. */
#define NEG (-(1 << 28))

static inline int
max2(int a, int b)
{
	return a > b ? a : b;
}

void
ss_profile_make(struct ss_profile *p, const uint8_t *q, size_t qlen)
{
	size_t c, i;

	p->qlen = qlen;
	p->prof = xcalloc(SS_ALPHA * qlen, sizeof *p->prof);
	p->h = xcalloc(qlen, sizeof *p->h);
	p->e = xcalloc(qlen, sizeof *p->e);
	for (c = 0; c < SS_ALPHA; c++)
		for (i = 0; i < qlen; i++)
			p->prof[c * qlen + i] = ss_blosum62[c][q[i]];
#if SS_STRIPED
	ss_striped_make(p, q, qlen);
#endif
}

void
ss_profile_free(struct ss_profile *p)
{
	free(p->prof);
	free(p->h);
	free(p->e);
#if SS_STRIPED
	ss_striped_free(p);
#endif
	memset(p, 0, sizeof *p);
}

/* The scan one query position at a time, in ints. */
static int
score_scalar(struct ss_profile *p, const uint8_t *d, size_t n, int gapopen,
    int gapextend)
{
	const size_t m = p->qlen;
	const int oe = gapopen + gapextend, ext = gapextend;
	int *restrict hrow = p->h, *restrict erow = p->e;
	int best = 0;
	size_t i, j;

	for (i = 0; i < m; i++) {
		hrow[i] = 0;
		erow[i] = NEG;
	}
	for (j = 0; j < n; j++) {
		const int *restrict s = p->prof + (size_t)d[j] * m;
		int f = NEG, hdiag = 0, hup = 0, colbest = 0;

		for (i = 0; i < m; i++) {
			int e = max2(erow[i] - ext, hrow[i] - oe);
			int h;

			f = max2(f - ext, hup - oe);
			h = max2(max2(hdiag + s[i], 0), max2(e, f));
			hdiag = hrow[i];
			hrow[i] = h;
			erow[i] = e;
			hup = h;
			colbest = max2(colbest, h);
		}
		best = max2(best, colbest);
	}
	return best;
}

int
ss_score(struct ss_profile *p, const uint8_t *d, size_t n, int gapopen,
    int gapextend)
{
#if SS_STRIPED
	int s = ss_score_striped(p, d, n, gapopen, gapextend);

	if (s >= 0)
		return s;
#endif
	return score_scalar(p, d, n, gapopen, gapextend);
}

/* A cell's traceback byte: where H came from, and whether E, F extend. */
enum { FROM_NONE, FROM_DIAG, FROM_E, FROM_F, E_EXT = 4, F_EXT = 8 };

/*
 * The scan with a traceback byte for every cell in tb[j * m + i] (or
 * none, tb NULL); the best score, its first cell in *bi, *bj.
 */
static int
fill(const uint8_t *q, size_t m, const uint8_t *d, size_t n, int gapopen,
    int gapextend, uint8_t *tb, size_t *bi, size_t *bj)
{
	const int oe = gapopen + gapextend, ext = gapextend;
	int *hrow = xcalloc(m, sizeof *hrow), *erow = xmalloc(m * sizeof *erow);
	int best = 0;
	size_t i, j;

	for (i = 0; i < m; i++)
		erow[i] = NEG;
	*bi = *bj = 0;
	for (j = 0; j < n; j++) {
		const int8_t *row = ss_blosum62[d[j]];
		int f = NEG, hdiag = 0, hup = 0;

		for (i = 0; i < m; i++) {
			int eo = hrow[i] - oe, ee = erow[i] - ext;
			int fo = hup - oe, fe = f - ext;
			int e = max2(ee, eo), diag = hdiag + row[q[i]], h;
			uint8_t b = 0;

			f = max2(fe, fo);
			h = max2(max2(diag, 0), max2(e, f));
			if (h == 0)
				b = FROM_NONE;
			else if (h == diag)
				b = FROM_DIAG;
			else if (h == e)
				b = FROM_E;
			else
				b = FROM_F;
			if (ee > eo)
				b |= E_EXT;
			if (fe > fo)
				b |= F_EXT;
			if (tb != NULL)
				tb[j * m + i] = b;
			hdiag = hrow[i];
			hrow[i] = h;
			erow[i] = e;
			hup = h;
			if (h > best) {
				best = h;
				*bi = i;
				*bj = j;
			}
		}
	}
	free(hrow);
	free(erow);
	return best;
}

static void
reverse(struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len / 2; i++) {
		char c = b->data[i];

		b->data[i] = b->data[b->len - 1 - i];
		b->data[b->len - 1 - i] = c;
	}
}

/* One column of the alignment: a residue code or -1 for a gap each. */
static void
column(struct ss_align *a, int qc, int dc)
{
	char ql = qc < 0 ? '-' : ss_letters[qc];
	char dl = dc < 0 ? '-' : ss_letters[dc];
	char ml = ' ';

	if (qc < 0 || dc < 0)
		a->gaps++;
	else if (qc == dc) {
		ml = ql;
		a->ident++;
		a->pos++;
	} else if (ss_blosum62[qc][dc] > 0) {
		ml = '+';
		a->pos++;
	}
	buf_append(&a->qseq, &ql, 1);
	buf_append(&a->hseq, &dl, 1);
	buf_append(&a->mid, &ml, 1);
}

/*
 * Where an alignment that ends with the pair (ie, je) and scores s
 * begins: the first cell, scanning back from that pair, at which an
 * alignment anchored there reaches s (Gotoh's recurrence on the reversed
 * prefixes, from the anchor only, with no local start). Linear memory.
 */
static void
start_of(const uint8_t *q, const uint8_t *d, size_t ie, size_t je, int s,
    int gapopen, int gapextend, size_t *is, size_t *js)
{
	const int oe = gapopen + gapextend, ext = gapextend;
	const size_t m = ie + 1;
	int *hrow = xmalloc(m * sizeof *hrow), *erow = xmalloc(m * sizeof *erow);
	size_t k, l;

	*is = ie;
	*js = je;
	for (k = 0; k < m; k++)
		hrow[k] = erow[k] = NEG;
	for (l = 0; l <= je; l++) {
		const int8_t *row = ss_blosum62[d[je - l]];
		/* Only the anchor's pair starts from 0; nothing else does. */
		int f = NEG, hdiag = l == 0 ? 0 : NEG, hup = NEG;

		for (k = 0; k < m; k++) {
			int e = max2(erow[k] - ext, hrow[k] - oe), h;

			f = max2(f - ext, hup - oe);
			h = max2(hdiag + row[q[ie - k]], max2(e, f));
			hdiag = hrow[k];
			hrow[k] = h;
			erow[k] = e;
			hup = h;
			if (h == s) {
				*is = ie - k;
				*js = je - l;
				goto out;
			}
		}
	}
out:
	free(hrow);
	free(erow);
}

int
ss_trace(const uint8_t *q, size_t m, const uint8_t *d, size_t n,
    int gapopen, int gapextend, struct ss_align *a)
{
	enum { IN_H, IN_E, IN_F } state = IN_H;
	size_t i, j, ie, je, is, js, mm, nn;
	uint8_t *tb;

	memset(a, 0, sizeof *a);
	if (m == 0 || n == 0)
		return -1;
	/* The end, in linear memory; then the start; then only between. */
	a->score = fill(q, m, d, n, gapopen, gapextend, NULL, &ie, &je);
	a->qto = ie;
	a->hto = je;
	if (a->score == 0)
		return 0;
	start_of(q, d, ie, je, a->score, gapopen, gapextend, &is, &js);
	mm = ie - is + 1;
	nn = je - js + 1;
	if (mm > SS_TRACE_MAX / nn)
		return -1;
	tb = xmalloc(mm * nn);
	(void)fill(q + is, mm, d + js, nn, gapopen, gapextend, tb, &i, &j);
	/* The alignment scores as much there, and ends at the same pair. */
	i = mm - 1;
	j = nn - 1;
	for (;;) {
		uint8_t b = tb[j * mm + i];

		if (state == IN_H) {
			if ((b & 3) == FROM_NONE)
				break;
			if ((b & 3) == FROM_E)
				state = IN_E;
			else if ((b & 3) == FROM_F)
				state = IN_F;
			else {
				column(a, q[is + i], d[js + j]);
				a->qfrom = is + i;
				a->hfrom = js + j;
				if (i == 0 || j == 0)
					break;
				i--;
				j--;
				continue;
			}
		}
		if (state == IN_E) {
			/* A gap in the query: d[j] against nothing. */
			column(a, -1, d[js + j]);
			state = b & E_EXT ? IN_E : IN_H;
			if (j == 0)
				break;	/* never: a gap opens from H > 0 */
			j--;
		} else {
			column(a, q[is + i], -1);
			state = b & F_EXT ? IN_F : IN_H;
			if (i == 0)
				break;
			i--;
		}
	}
	free(tb);
	reverse(&a->qseq);
	reverse(&a->hseq);
	reverse(&a->mid);
	return 0;
}

void
ss_align_free(struct ss_align *a)
{
	buf_free(&a->qseq);
	buf_free(&a->hseq);
	buf_free(&a->mid);
}
