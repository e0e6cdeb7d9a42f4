/*
 * reportsplit.c: a batch's BLAST XML report, as a wrapper splits it into
 * one report per query (report_split), each part then checked as
 * ct-dispatch checks a result (result_check) for its own query.
 */
#include "harness.h"
#include "job.h"
#include "reportsplit.h"
#include "result.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *inputs[] = { ">HBB_HUMAN beta\nMVHLTPEEKSAVTALWGKVN\n",
	    ">HBA_HUMAN alpha\nMVLSPADKTNVKAAWGKVGA\n",
	    ">HBB_HUMAN again\nMVHLTPEEKSAVTALWGKVN\n" };
	const char *ids[] = { "HBB_HUMAN", "HBA_HUMAN", "HBB_HUMAN" };
	struct buf parts[3] = { { 0 } };
	char why[512];
	size_t k;

	(void)report_split((const char *)data, size, ids, 3, parts, why,
	    sizeof why);
	for (k = 0; k < 3; k++) {
		struct job j;

		memset(&j, 0, sizeof j);
		j.input = inputs[k];
		j.input_len = strlen(inputs[k]);
		if (parts[k].len > 0)
			(void)result_check(parts[k].data, parts[k].len, &j, why,
			    sizeof why);
		buf_free(&parts[k]);
	}
	return 0;
}
