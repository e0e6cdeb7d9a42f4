/*
 * sge.c: Grid Engine's answers as the sge wrapper reads them: qsub's job
 * id, and the "key value" lines of qstat -j and qacct -j, down to the
 * poll line a job's end makes (in a job directory of the harness's own,
 * empty, as after a command that wrote nothing). The wrapper's own source
 * is included, its main renamed, so that its static parsers are the ones
 * called.
 */
int sge_wrapper_main(int argc, char **argv);
#define main sge_wrapper_main
#include "../../providers/sge.c"
#undef main

#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_job j = { 0 };
	struct buf b = { 0 };
	char out[256], *id;

	buf_append(&b, data, size);
	id = batch_submitted_id(&b, " ");
	free(id);
	(void)field(b.data, "job_number", out, sizeof out);
	j.id = "1";
	j.dir = harness_dir("sge", 1);	/* poll lines go nowhere */
	(void)ended(&j, b.data);
	buf_free(&b);
	return 0;
}
