/*
 * ssearch.c: what the search reads (ct-ssearch, the browser component):
 * a task's options as key=value lines, FASTA queries and a FASTA
 * database, given as options NUL query NUL database; and, for the
 * sequences read, every score of the scan the search uses (striped where
 * the build has SIMD) checked against a plain Gotoh scan here, and every
 * traceback: its lines spell both sequences between its ends, and score
 * what the scan says.
 */
#include "harness.h"
#include "ssearch-int.h"

/* Gotoh's local score in the simplest form, rows of the query. */
static int
gotoh(const uint8_t *q, size_t m, const uint8_t *d, size_t n, int go,
    int ge)
{
	int *h = calloc(n + 1, sizeof *h), *e = malloc((n + 1) * sizeof *e);
	int best = 0;
	size_t i, j;

	if (h == NULL || e == NULL)
		abort();
	for (j = 0; j <= n; j++)
		e[j] = -(go + ge);
	for (i = 0; i < m; i++) {
		int diag = 0, f = -(go + ge), left = 0;

		for (j = 0; j < n; j++) {
			int up = h[j + 1], v;

			e[j + 1] = e[j + 1] - ge > up - go - ge ?
			    e[j + 1] - ge : up - go - ge;
			f = f - ge > left - go - ge ? f - ge : left - go - ge;
			v = diag + ss_blosum62[q[i]][d[j]];
			v = v > e[j + 1] ? v : e[j + 1];
			v = v > f ? v : f;
			v = v > 0 ? v : 0;
			diag = up;
			h[j + 1] = left = v;
			best = v > best ? v : best;
		}
	}
	free(h);
	free(e);
	return best;
}

/* Whether a's lines are q and d between its ends, scoring score. */
static int
trace_ok(const struct ss_align *a, const uint8_t *q, const uint8_t *d,
    int score, int go, int ge)
{
	size_t i, qi = a->qfrom, di = a->hfrom;
	int sum = 0;
	char gap = 0;

	if (a->score != score || a->qseq.len != a->hseq.len ||
	    a->mid.len != a->qseq.len)
		return 0;
	for (i = 0; i < a->qseq.len; i++) {
		char x = a->qseq.data[i], y = a->hseq.data[i];

		if (x == '-' || y == '-') {
			char side = x == '-' ? 'q' : 'h';

			if (x == y)
				return 0;
			sum -= gap == side ? ge : go + ge;
			gap = side;
			if (x != '-' && x != ss_letters[q[qi++]])
				return 0;
			if (y != '-' && y != ss_letters[d[di++]])
				return 0;
			continue;
		}
		gap = 0;
		if (x != ss_letters[q[qi]] || y != ss_letters[d[di]])
			return 0;
		sum += ss_blosum62[q[qi++]][d[di++]];
	}
	return sum == score && qi == a->qto + 1 && di == a->hto + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *q, *db;
	struct ss_set qs, ds;
	struct ss_opts o;
	struct buf out = { NULL, 0, 0 };
	char why[512];
	size_t i, k;

	q = memchr(p, '\0', size);
	q = q == NULL ? end : q + 1;
	db = q < end ? memchr(q, '\0', (size_t)(end - q)) : NULL;
	db = db == NULL ? end : db + 1;
	ss_opts_default(&o);
	if (ss_opts_parse(&o, p, (size_t)((q < end ? q - 1 : end) - p), why,
	    sizeof why) != 0 || ss_opts_check(&o, why, sizeof why) != 0)
		ss_opts_default(&o);
	if (ss_search(q, (size_t)((db < end ? db - 1 : end) - q), db,
	    (size_t)(end - db), "fuzz", &o, NULL, NULL, &out, why,
	    sizeof why) == 0 && (out.len < 20 ||
	    memcmp(out.data + out.len - 15, "</BlastOutput>\n", 15) != 0))
		abort();
	buf_free(&out);
	if (ss_set_read(&qs, q, (size_t)((db < end ? db - 1 : end) - q), "q",
	    why, sizeof why) != 0)
		return 0;
	if (ss_set_read(&ds, db, (size_t)(end - db), "d", why, sizeof why) !=
	    0) {
		ss_set_free(&qs);
		return 0;
	}
	for (i = 0; i < qs.n; i++) {
		const uint8_t *qr = (const uint8_t *)qs.res.data + qs.seq[i].off;
		struct ss_profile prof;

		ss_profile_make(&prof, qr, qs.seq[i].len);
		for (k = 0; k < ds.n; k++) {
			const uint8_t *dr = (const uint8_t *)ds.res.data +
			    ds.seq[k].off;

			int sc = ss_score(&prof, dr, ds.seq[k].len,
			    o.gapopen, o.gapextend);
			struct ss_align a;

			if (sc != gotoh(qr, qs.seq[i].len, dr, ds.seq[k].len,
			    o.gapopen, o.gapextend))
				abort();
			if (sc > 0 && ss_trace(qr, qs.seq[i].len, dr,
			    ds.seq[k].len, o.gapopen, o.gapextend, &a) == 0) {
				if (!trace_ok(&a, qr, dr, sc, o.gapopen,
				    o.gapextend))
					abort();
				ss_align_free(&a);
			}
		}
		ss_profile_free(&prof);
	}
	ss_set_free(&qs);
	ss_set_free(&ds);
	return 0;
}
