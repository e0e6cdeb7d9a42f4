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
 * printed at the limit of a double); and the same database length (the
 * first Statistics_db-len): one database, named by its content or by the
 * name the pool agreed on, has one length, and the credit of the work
 * (blastcmp_cells) is reckoned from it, so no one copy may inflate it.
 * Hits are compared as sets in accession order: BLAST may order hits of
 * equal e-value differently. Everything else is ignored: the program's
 * version and reference, timings, the other Statistics (eff-space,
 * kappa, lambda, entropy: they follow from the database and the query,
 * and only matter through the e-values, which are compared), the
 * alignments' text.
 *
 * Both reports are read as hostile input (xmlsafe.h), in one streaming
 * pass each.
 */
#ifndef CT_BLASTCMP_H
#define CT_BLASTCMP_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * The work a report stands for, a measure no volunteer can inflate alone
 * once a quorum agreed on the report: the query's letters (the task's,
 * given by the caller) times the database's (its Statistics_db-len), the
 * cells of a full dynamic-programming search. -1 if the report says no
 * length.
 */
int64_t blastcmp_cells(const char *report, size_t len, size_t query_letters);

#endif
