/*
 * ssearch-int.h: what the files of the search (ssearch.h) share: the
 * sequences as read, the alignment, the statistics. Not for programs.
 *
 * Errors: nothing here prints.
 */
#ifndef CT_SSEARCH_INT_H
#define CT_SSEARCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ssearch.h"
#include "util.h"

/* Residue codes: the order of BLOSUM62's rows, ARNDCQEGHILKMFPSTWYVBJZX*. */
#define SS_ALPHA 25
extern const char ss_letters[SS_ALPHA + 1];
extern const int8_t ss_blosum62[SS_ALPHA][SS_ALPHA];

/* A FASTA record: its header's identifier and the rest, its residues. */
struct ss_seq {
	const char *id, *def;	/* in the input, not NUL-terminated */
	size_t idlen, deflen;
	size_t off, len;	/* residue codes at set->res[off..off+len) */
};

struct ss_set {
	struct ss_seq *seq;
	size_t n, cap;
	struct buf res;		/* every record's residue codes */
	size_t residues;	/* total */
};

/*
 * Read FASTA text[0..len) into set (empty at the call; free with
 * ss_set_free) as what (for messages: "query", "database"). Returns 0, or
 * -1 with why, set then freed.
 */
int ss_set_read(struct ss_set *set, const char *text, size_t len,
    const char *what, char *why, size_t whylen);
void ss_set_free(struct ss_set *set);

/*
 * A query's scoring profile: for each residue code c, the scores of c
 * against the query's residues, row c at prof[c * qlen]; and the one row
 * of H and E the scan needs. Made once per query.
 */
struct ss_profile {
	int *prof, *h, *e;
	size_t qlen;
	/* The striped profiles, 16 and 8 bits, and rows (ssearch-striped.c). */
	void *vprof, *vraw, *vprof8, *vraw8;
	size_t seg, seg8;
};

void ss_profile_make(struct ss_profile *p, const uint8_t *q, size_t qlen);
void ss_profile_free(struct ss_profile *p);

/* The best local alignment score of the profile's query against d[0..n). */
int ss_score(struct ss_profile *p, const uint8_t *d, size_t n, int gapopen,
    int gapextend);

/* The scan 16 or 8 positions at a time, where the build has SIMD for it. */
#if defined(__SSE2__) || defined(__wasm_simd128__)
#define SS_STRIPED 1
#else
#define SS_STRIPED 0
#endif

/* Its profile and rows, into p's; freed by ss_striped_free. */
void ss_striped_make(struct ss_profile *p, const uint8_t *q, size_t qlen);
void ss_striped_free(struct ss_profile *p);

/*
 * ss_score's score, the same exactly; or -1 where 16 bits may not hold
 * it, for the scalar scan to take over.
 */
int ss_score_striped(struct ss_profile *p, const uint8_t *d, size_t n,
    int gapopen, int gapextend);

/* A reported alignment: 0-based ends, inclusive; the three lines. */
struct ss_align {
	int score;
	size_t qfrom, qto, hfrom, hto;
	size_t ident, pos, gaps;
	struct buf qseq, hseq, mid;
};

/*
 * Trace back the best local alignment of q[0..m) and d[0..n): it ends at
 * the first cell of the best score in the order ss_score scans, and
 * begins at the first pair, counting back, at which it reaches it.
 * Returns 0, or -1 if its extent's cells exceed SS_TRACE_MAX.
 */
int ss_trace(const uint8_t *q, size_t m, const uint8_t *d, size_t n,
    int gapopen, int gapextend, struct ss_align *a);
void ss_align_free(struct ss_align *a);

/* Karlin-Altschul parameters of BLOSUM62 with a pair of gap costs. */
struct ss_stats {
	int gapopen, gapextend;
	double lambda, k, h, lnk;
};

/* The parameters for gapopen/gapextend, or NULL if BLAST has none. */
const struct ss_stats *ss_stats_find(int gapopen, int gapextend);

/* The bit score of a raw score. */
double ss_bits(const struct ss_stats *st, int score);

/* The E-value of a raw score in a search space of space residue pairs. */
double ss_evalue(const struct ss_stats *st, int score, double space);

/* A database sequence that scored, for the report. */
struct ss_hit {
	int score;
	size_t subject;		/* its index in the database */
	double evalue;
};

/* The report's head, named by the first query; an Iteration; the end. */
void ss_report_begin(struct buf *b, const struct ss_set *qs,
    const char *dbname, const struct ss_opts *o);

/*
 * Query qi's Iteration, with hits[0..n) traced back as its Hits and the
 * statistics of a search space of space pairs. Returns 0, or -1 with why
 * (an alignment too large to trace back).
 */
int ss_report_iteration(struct buf *b, const struct ss_set *qs, size_t qi,
    const struct ss_set *ds, const struct ss_hit *hits, size_t n,
    const struct ss_opts *o, const struct ss_stats *st, double space,
    char *why, size_t whylen);
void ss_report_end(struct buf *b);

#endif
