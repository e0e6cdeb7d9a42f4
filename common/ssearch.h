/*
 * ssearch.h: a protein similarity search, Smith-Waterman local alignment
 * of FASTA queries against a FASTA database held in memory, reported as
 * BLAST XML (ct-ssearch(1) documents the report). The same source builds
 * ct-ssearch, the native volunteer's command, and the browser component's
 * WebAssembly module (share/components/ssearch), so the three agree
 * exactly: integer scores, and statistics computed with + - * / alone.
 *
 * Errors: nothing here prints or does I/O, and there is no state beyond
 * constants; what is wrong is returned in why. Memory comes from util.h's
 * allocation, which cannot return NULL.
 */
#ifndef CT_SSEARCH_H
#define CT_SSEARCH_H

#include <stddef.h>

#include "util.h"

/* The longest sequence, query or database, in residues. */
#define SS_SEQ_MAX 100000
/* The most cells (query x subject residues) one traceback holds. */
#define SS_TRACE_MAX (256UL * 1024 * 1024)

/* The options of a search, as blastp names them. */
struct ss_opts {
	int gapopen;		/* gap of length k costs gapopen + k*gapextend */
	int gapextend;
	double evalue;		/* hits above it are not reported */
	long max_target_seqs;	/* the most hits reported per query */
};

/* BLAST's blastp defaults: 11, 1, 10, 500. */
void ss_opts_default(struct ss_opts *o);

/*
 * Set option key (gapopen, gapextend, evalue, max_target_seqs) from its
 * text value. The gap costs must be a pair BLAST has BLOSUM62 statistics
 * for (ss_opts_check, once all are set). Returns 0, or -1 with why.
 */
int ss_opts_set(struct ss_opts *o, const char *key, const char *value,
    char *why, size_t whylen);

/*
 * Whether the options can be searched with: gap costs BLAST has BLOSUM62
 * statistics for. Returns 0, or -1 with why.
 */
int ss_opts_check(const struct ss_opts *o, char *why, size_t whylen);

/*
 * Set the options of text[0..len): key=value lines (blank lines
 * ignored), as a task's options are. Returns 0, or -1 with why.
 */
int ss_opts_parse(struct ss_opts *o, const char *text, size_t len,
    char *why, size_t whylen);

/* Told how many of total (query, subject) pairs are done, now and then. */
typedef void ss_progress_fn(void *arg, size_t done, size_t total);

/*
 * Search the FASTA queries query[0..qlen) against the FASTA database
 * db[0..dblen), which the report calls dbname; append the BLAST XML
 * report to out (which is left as it was on failure). progress may be
 * NULL. Returns 0, or -1 with why (malformed FASTA, an empty database, a
 * sequence too long, an alignment too large to trace back).
 */
int ss_search(const char *query, size_t qlen, const char *db, size_t dblen,
    const char *dbname, const struct ss_opts *o, ss_progress_fn *progress,
    void *arg, struct buf *out, char *why, size_t whylen);

#endif
