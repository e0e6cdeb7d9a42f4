/*
 * batchmanifest.c: the manifest of a batch call (ct-wrapper(7), Batches),
 * as a wrapper reads it (wrapper_batch_parse): every job's line, and its
 * input's length, within the text.
 */
#include "err.h"
#include "harness.h"
#include "wrapper-batch.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_manifest m;
	size_t k;

	memset(&m, 0, sizeof m);
	ct_setprogname("batchmanifest");
	buf_append(&m.text, data, size);
	if (wrapper_batch_parse(&m) == 0)
		for (k = 0; k < m.n; k++) {
			const struct manifest_job *j = &m.jobs[k];

			/* Every byte of a job's input is in the text. */
			if (j->input < m.text.data || j->input + j->input_len >
			    m.text.data + m.text.len || j->workdir[0] != '/')
				abort();
		}
	wrapper_batch_free(&m);
	return 0;
}
