/*
 * reportscan.h: what a BLAST XML report says it answers, read in one
 * streaming pass, for result.c to compare with a job.
 *
 * No tree is built: at ct-serve a round trip's check of a 54 kB report
 * cost 4.1 million instructions as a tree, 1.7 million read in passing.
 * A name is the first word of an element's text, as it is compared with
 * a query's FASTA identifier. The report is read as hostile input
 * (xmlsafe.h): what it declares of its own is never taken in, only
 * noted.
 */
#ifndef CT_REPORTSCAN_H
#define CT_REPORTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "strvec.h"

/* An Iteration_query-def, or a BlastOutput_query-def, as read. */
struct report_def {
	int depth;		/* of the one being read; 0: none */
	char text[256];		/* its name, once read */
	size_t len;
	bool seen;		/* the first was read, into first */
	char first[256];
};

struct report_scan {
	char root[41];		/* the root element's name */
	bool declares;		/* declarations of its own (DTD internal
				   subset) */
	struct report_def iteration, output;
	struct strvec in_order;	/* the query of each child of the first
				   BlastOutput_iterations, in order */
	struct strvec answered;	/* every Iteration_query-def's name */
	/* Where the reading stands. */
	int depth;		/* of the element being read; the root's 1 */
	int iterations;		/* the first BlastOutput_iterations' depth;
				   0 none yet, -1 read through */
	bool named;		/* its current child's query was read */
};

#define REPORT_SCAN_INIT { .in_order = STRVEC_INIT, .answered = STRVEC_INIT }

/*
 * Read the report data[0..len) into s (REPORT_SCAN_INIT). Returns 0, or
 * -1 if it is not well-formed XML; s holds what was read either way.
 */
int report_scan(const char *data, size_t len, struct report_scan *s);

void report_scan_free(struct report_scan *s);

#endif
