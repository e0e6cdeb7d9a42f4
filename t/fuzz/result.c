/*
 * result.c: what a provider delivered, checked as ct-dispatch and the
 * wrappers check it (result_check): BLAST XML for the job's query, or
 * refused.
 */
#include "harness.h"
#include "job.h"
#include "result.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char input[] = ">HBB_HUMAN Human beta hemoglobin\nMVHLTPEEKSAVTALWGKVN\n";
	struct job j;
	char why[512];

	memset(&j, 0, sizeof j);
	j.input = input;
	j.input_len = sizeof input - 1;
	(void)result_check((const char *)data, size, &j, why, sizeof why);
	return 0;
}
