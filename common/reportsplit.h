/*
 * reportsplit.h: a BLAST XML report of several queries, one search of a
 * batch call's jobs (batchcall.h), split into one report per query, each
 * as a search of that query alone gives it: for a wrapper to deliver each
 * job its own part, which ct-dispatch then checks like any result
 * (result.h), each on its own.
 *
 * Nothing here prints: why a report cannot be split is returned.
 */
#ifndef CT_REPORTSPLIT_H
#define CT_REPORTSPLIT_H

#include <stddef.h>

#include "util.h"

/*
 * Split the report data[0..len), of the queries whose identifiers (the
 * first word of each header, as result_fasta_id() takes it) are
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

#endif
