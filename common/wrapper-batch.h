/*
 * wrapper-batch.h: the wrapper's side of the batch call, submit-batch
 * (ct-wrapper(7), Batches; the dispatcher's side is batchcall.h): the
 * verb recognised, the manifest read, each job's environment taken on in
 * turn, so that what the wrapper records for a job (its handle, in its
 * work directory) is exactly what a submit of that job alone would find.
 *
 * The functions that fail print why ("NAME: ...") and return or exit with
 * the contract's status.
 */
#ifndef CT_WRAPPER_BATCH_H
#define CT_WRAPPER_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "jobid.h"
#include "util.h"

/* One job of a batch call, as the manifest gives it. */
struct manifest_job {
	char id[JOBID_MAX + 1];
	unsigned attempt;
	long long deadline;
	const char *workdir;	/* absolute; inside the manifest's text */
	const char *input;	/* inside the manifest's text */
	size_t input_len;
};

struct batch_manifest {
	struct buf text;
	struct manifest_job *jobs;
	size_t n;
};

/*
 * Is this call submit-batch? If so, with the standard files open and the
 * program's name set, its arguments (the jobs' options, key=value each)
 * are checked as wrapper_verb() checks submit's: a usage error exits.
 */
bool wrapper_batch_verb(int argc, char **argv, const char *usage);

/*
 * Read the manifest, standard input to its end, at most max bytes, into
 * m. Returns 0; or after a message EX_IOERR (unreadable), EX_DATAERR
 * (too large) or EX_USAGE (not a manifest: a dispatcher's bug).
 */
int wrapper_batch_read(struct batch_manifest *m, size_t max);

/*
 * The same for a manifest already in m->text (as the fuzz harness has it):
 * returns 0, or after a message EX_USAGE. m->text is cut into lines.
 */
int wrapper_batch_parse(struct batch_manifest *m);

void wrapper_batch_free(struct batch_manifest *m);

/*
 * Take on job j: CT_JOB_ID, CT_ATTEMPT, CT_WORKDIR, CT_DEADLINE, HOME and
 * TMPDIR set as a call for j alone has them, and its work directory
 * entered. Returns 0, or -1 after a message.
 */
int wrapper_batch_enter(const struct manifest_job *j);

#endif
