/*
 * slurm.c: Slurm's answers as the slurm wrapper reads them: sbatch's and
 * squeue's job id, and the Key=Value words of scontrol show job and of a
 * jobcomp log line, down to the poll line a job's end makes (in a job
 * directory of the harness's own, empty). The wrapper's own source is
 * included, its main renamed, so that its static parsers are the ones
 * called.
 */
int slurm_wrapper_main(int argc, char **argv);
#define main slurm_wrapper_main
#include "../../providers/slurm.c"
#undef main

#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_job j = { 0 };
	struct buf b = { 0 };
	char state[64] = "", exit[64] = "", reason[128] = "", *id;

	buf_append(&b, data, size);
	id = batch_submitted_id(&b, ";");
	free(id);
	(void)field(b.data, "JobState", state, sizeof state);
	(void)field(b.data, "ExitCode", exit, sizeof exit);
	(void)field(b.data, "Reason", reason, sizeof reason);
	j.id = "1";
	j.dir = harness_dir("slurm", 1);	/* poll lines go nowhere */
	(void)ended(&j, state, exit, reason);
	buf_free(&b);
	return 0;
}
