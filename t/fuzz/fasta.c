/*
 * fasta.c: the FASTA of a submission (ct-submit), checked as protein
 * queries and as nucleotide ones.
 */
#include "fasta.h"
#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum seq_type t[] = { SEQ_PROTEIN, SEQ_NUCLEOTIDE };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct fasta_record *recs = NULL;
		struct fasta_error err;
		size_t n = 0, k;

		if (fasta_check((const char *)data, size, t[i], &recs, &n,
		    &err) == 0) {
			/* Every record lies within the input. */
			for (k = 0; k < n; k++)
				if (recs[k].off > size ||
				    recs[k].len > size - recs[k].off)
					abort();
		}
		free(recs);
	}
	return 0;
}
