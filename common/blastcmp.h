/*
 * blastcmp.h: whether two BLAST XML reports of one task agree, the
 * validator of a quorum (ct-serve(8), QUORUM): the volunteers that ran a
 * task each claim a report, and a report is believed only when enough
 * of them agree.
 *
 * Two reports agree when they hold, for each query (the first word of
 * Iteration_query-def), the same hits (Hit_accession, or Hit_id where a
 * report gives no accession), and for each hit the same HSPs in the same
 * order, each with the same raw score (Hsp_score: an integer the
 * alignment alone decides), a bit score within BLASTCMP_BITS_TOL of the
 * other's, and an e-value within BLASTCMP_EVALUE_REL of the other's,
 * relative (two e-values both under BLASTCMP_EVALUE_TINY agree: they are
 * printed at the limit of a double). Hits are compared as sets in
 * accession order: BLAST may order hits of equal e-value differently.
 * Everything else is ignored: the program's version and reference,
 * timings, the Statistics (db-num, db-len, eff-space, kappa, lambda,
 * entropy: the database is named by its content's hash, so they can only
 * differ if the e-values do, which are compared), the alignments' text.
 *
 * Both reports are read as hostile input (xmlsafe.h), in one streaming
 * pass each.
 */
#ifndef CT_BLASTCMP_H
#define CT_BLASTCMP_H

#include <stddef.h>

/* The tolerances, stated once: see above. */
#define BLASTCMP_BITS_TOL 0.1
#define BLASTCMP_EVALUE_REL 0.01
#define BLASTCMP_EVALUE_TINY 1e-300

/*
 * Whether report a[0..alen) agrees with report b[0..blen): 0 if they
 * agree; 1 if they do not, or either is not well-formed XML, with the
 * first difference said in why.
 */
int blastcmp(const char *a, size_t alen, const char *b, size_t blen,
    char *why, size_t whylen);

#endif
