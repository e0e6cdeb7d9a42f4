/*
 * fasta.h: checking FASTA input before it becomes a job.
 *
 * Errors: nothing here prints; fasta_check describes what is wrong
 * in a struct fasta_error, for the caller to say.
 *
 * Accepted: records of a header line ('>' and an identifier) followed by
 * sequence lines in the alphabet of the sequence type, IUPAC codes in any
 * case, '-' for gaps ('*' for stops in protein); spaces, tabs, blank lines
 * and CRLF line ends are tolerated. Refused: anything binary (NUL, control
 * bytes), sequence before the first header, a record with no residues,
 * characters outside the alphabet, a protein query that is plainly
 * nucleotide, and no records at all.
 */
#ifndef CT_FASTA_H
#define CT_FASTA_H

#include <stddef.h>

#include "service.h"

/* One record: its bytes in the input, and the line its header is on. */
struct fasta_record {
	size_t off, len;
	size_t line;
};

struct fasta_error {
	size_t line;		/* 1-based; where the problem is */
	char msg[256];
};

/*
 * Check len bytes of FASTA as queries of type t. On success return 0 and,
 * if recs is not NULL, a malloc'd array of the records in *recs (count in
 * *nrecs). On failure return -1 with the line and the problem in *err.
 */
int fasta_check(const char *data, size_t len, enum seq_type t,
    struct fasta_record **recs, size_t *nrecs, struct fasta_error *err);

/*
 * The identifier of the first query of FASTA text p[0..end) (after its
 * '>', up to a blank), into out (n bytes, cut short if need be); returns
 * where the next header begins, or end. For text already checked: it is
 * how results, reports and batches name a job's queries.
 */
const char *fasta_id(const char *p, const char *end, char *out, size_t n);

#endif
