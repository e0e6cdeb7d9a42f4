/*
 * reportsplit.h: a BLAST XML report of several queries, one search of a
 * batch call's jobs (batchcall.h), split into one report per query, each
 * as a search of that query alone gives it: for a wrapper to deliver each
 * job its own part, which ct-dispatch then checks like any result
 * (result.h), each on its own.
 *
 * Nothing here prints but report_split_check(): why a report cannot be
 * split is returned.
 */
#ifndef CT_REPORTSPLIT_H
#define CT_REPORTSPLIT_H

#include <stddef.h>

#include "util.h"

/*
 * Split the report data[0..len), of the queries whose identifiers (the
 * first word of each header, as fasta_id() takes it) are
 * ids[0..n), in the order they were searched. parts[k] (n of them, empty
 * at the call) gets query k's report: the report's header, with the
 * query's ID, definition and length, and the query's Iteration elements
 * alone, numbered from 1; or stays empty if the report has none for it
 * (BLAST left the query out). Iterations are matched to queries in order,
 * by their Iteration_query-ID, so that two queries of one name each get
 * their own. Returns 0, or -1 with why: not a BLAST XML report (each
 * part then stays empty).
 */
int report_split(const char *data, size_t len, const char *const *ids,
    size_t n, struct buf *parts, char *why, size_t whylen);

/*
 * The same split, made by libexec's reportsplit (libexec.h) rather than
 * here (reportsplit-run.c): for a wrapper that every poll and fetch of a
 * job runs (local, sge, slurm), which must not load libxml2 at each start
 * for the split it makes once a batch. Returns as report_split() does,
 * or -1 with why if reportsplit cannot be run or fails otherwise.
 */
int report_split_apart(const char *data, size_t len, const char *const *ids,
    size_t n, struct buf *parts, char *why, size_t whylen);

/*
 * For a wrapper's check verb (wrapper.h): says, as an error (err.h), if
 * libexec's reportsplit cannot be run. Returns 0, or -1 if it cannot.
 */
int report_split_check(void);

#endif
