/*
 * batch-impl.h: what batch.c, the verbs of the batch-scheduler wrappers
 * (batch.h), shares with batch-many.c, their submit-batch, and with no
 * one else. Functions that return an exit status have printed why.
 *
 * A batch of jobs (ct-wrapper(7), Batches) is one job at the scheduler,
 * its files in a directory of their own, BATCH_DIR inside the shared
 * directory of its first job: the queries of every job one after the
 * other, the batch script, the batch's name at the scheduler, and the
 * list of the shared directories of its jobs. Each job keeps its own
 * shared directory, with its query and a link to the batch's (the file
 * BATCH_LINK, the batch's directory), and its handle is the batch's job
 * id, recorded in its own work directory as a job alone's is.
 */
#ifndef CT_BATCH_IMPL_H
#define CT_BATCH_IMPL_H

#include "batch.h"
#include "strvec.h"
#include "util.h"

/* In a job's shared directory. */
#define BATCH_LINK "batch"		/* the batch's directory, if in one */
#define BATCH_STATUS "status"		/* the exit status of its run alone */
#define BATCH_CANCELLED "cancelled"	/* withdrawn from its batch */
#define BATCH_NO_PART "unsplit"		/* why the batch's report has no part */
/* The batch's directory, in its first job's, and the files in it. */
#define BATCH_DIR "batch.d"
#define BATCH_NAME "name"		/* the batch's name at the scheduler */
#define BATCH_MEMBERS "jobs"		/* its jobs' shared directories */
#define BATCH_ALONE "alone"		/* the search failed: each job alone */
#define BATCH_SPLIT "split"		/* its report split, each job's part */

/* The scheduler's steps, given to batch_main(). */
extern const struct batch_ops *batch_sched;

/* The server's parameters checked; *shared the shared directory. */
int batch_check_params(const char **shared);

/*
 * The job's shared directory into j->dir: the one this attempt staged
 * before (its path in the file staged, in the work directory), if it is
 * still there (*earlier set), else a new one, recorded in staged before
 * the scheduler hears of it. Returns 0, or EX_IOERR.
 */
int batch_job_dir(struct batch_job *j, const char *shared, const char *staged,
    int *earlier);

/* "staged.N", the file of attempt N's shared directory. Allocated. */
char *batch_staged_name(unsigned attempt);

/* "batch.ID" and suffix, a handle's record in the work directory. */
char *batch_record_name(const char *id, const char *suffix);

/* The contents of a small file (4 KiB at most), or NULL, errno set. */
char *batch_read_small(const char *path);

/* Append word to a script in single quotes: the shell takes it as is. */
void batch_quote(struct buf *script, const char *word);

/*
 * A batch script's beginning: the comment saying what it runs (what),
 * PATH, and cd to dir, exiting 70 if it cannot.
 */
void batch_script_begin(struct buf *s, const char *dir, const char *what);

/*
 * The command w appended, its words quoted, its standard files in the
 * working directory; without a newline after it.
 */
void batch_script_command(struct buf *s, const struct strvec *w,
    int has_output);

/* Whether id is a scheduler's job id: digits, and not too many. */
int batch_id_ok(const char *id);

/* Ask the scheduler to stop job j->id; 0 also if it is gone. */
int batch_cancel_at_scheduler(const struct batch_job *j);

void batch_job_free(struct batch_job *j);

/* ---- batch-many.c ---- */

/*
 * submit-batch (ct-wrapper(7), Batches): the manifest on standard input,
 * the jobs' options nopts, opts. Returns main's exit status.
 */
int batch_submit_many(int nopts, char **opts);

/*
 * The batch's directory if the job whose shared directory is dir is in
 * one (allocated), else NULL.
 */
char *batch_link(const char *dir);

/*
 * A repeated submit of a job staged before, in j->dir: the scheduler's
 * job that may hold it, found by its name, the job's own (j->name) or its
 * batch's; *id (allocated) or NULL if there is none, and then the job is
 * in no batch any more. j->batchdir is set if it is in one. Returns 0, or
 * the exit status of a scheduler that cannot say.
 */
int batch_find_staged(struct batch_job *j, char **id);

/*
 * Answer poll for job j of a batch whose scheduler's job ended with
 * status 0 (source: what the scheduler said): its part of the batch's
 * report, split the first time a job of it asks, or how its run alone
 * ended. Returns 0.
 */
int batch_member_ended(const struct batch_job *j, const char *source);

/*
 * Withdraw job j, marked cancelled in its work directory already, from
 * its batch: stop the scheduler's job only if every job of the batch is
 * withdrawn. Returns 0, or the exit status.
 */
int batch_member_cancel(const struct batch_job *j);

#endif
