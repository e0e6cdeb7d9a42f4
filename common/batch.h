/*
 * batch.h: what the batch-scheduler wrappers (sge(8), slurm(8)) share.
 * The job's files live in a directory of its own under the server's
 * parameter "shared-dir", which the dispatcher and the cluster's nodes
 * both see: the input, the batch script that runs the configured command
 * (command.h) on it, and what the command wrote. The handle is the
 * scheduler's job id; $CT_WORKDIR/batch.ID names the job's directory.
 *
 * submit is idempotent per attempt (ct-wrapper(7)): the job is named
 * ct-JOBID-N at the scheduler, N the attempt; its directory is recorded
 * in $CT_WORKDIR/staged.N before the scheduler is asked, and its handle
 * in $CT_WORKDIR/submitted (statefile.h) before it is printed. A submit
 * that finds the handle prints it; one that finds only the directory
 * asks the scheduler for a job of that name (the last submit may have
 * died between the scheduler's answer and the record) and takes it
 * instead of submitting another.
 *
 * Several jobs may share one job at the scheduler, a batch (submit-batch,
 * batch-many.c): each still has its own directory, and batchdir names
 * the batch's.
 *
 * A wrapper gives batch_main() the few steps that differ between
 * schedulers; batch_main() does the verbs, the files and the checks,
 * and the check verb: the parameters submit checks, the scheduler's
 * tools, and the configured command and databases (command.h) looked
 * for on this host, with the PATH the batch script sets.
 *
 * Functions that return an exit status have printed why (ct_warn) when
 * it is not 0; batch_param_word prints why it returns NULL with *rc set.
 * batch_answer, batch_ended and batch_missing answer poll, not stderr;
 * batch_first_line, batch_text_has, batch_submitted_id and
 * batch_time_limit print nothing.
 */
#ifndef CT_BATCH_H
#define CT_BATCH_H

#include <stdbool.h>

#include "run.h"
#include "util.h"

/* The files of a job in its shared directory. */
#define BATCH_SCRIPT "job.sh"
#define BATCH_STDOUT "stdout"
#define BATCH_STDERR "stderr"
/* What the scheduler itself writes for the job (its -o and -e). */
#define BATCH_SCHED_OUT "scheduler.out"
#define BATCH_SCHED_ERR "scheduler.err"

struct batch_job {
	const char *workdir;	/* $CT_WORKDIR, the working directory */
	const char *id;		/* the scheduler's job id, the handle */
	char *dir;		/* the job's shared directory */
	char *script;		/* dir/job.sh */
	char *name;		/* the job's name at the scheduler: ct-JOBID-N */
	int cancelled;		/* cancel was called for this handle */
	char *batchdir;		/* a job of a batch: the batch's directory */
};

struct batch_ops {
	/* The scheduler, as messages name it: "Grid Engine", "Slurm". */
	const char *scheduler;
	/*
	 * Parameters passed to the scheduler's commands as environment
	 * variables: "SGE_ROOT" comes from parameter sge-root. NULL-ended.
	 */
	const char *const *env;
	/* The scheduler's command tools the wrapper runs. NULL-ended. */
	const char *const *tools;
	/* Check the scheduler's own parameters: 0, or EX_CONFIG. */
	int (*check)(void);
	/*
	 * Submit j->script; set *id (allocated) to the scheduler's job id.
	 * Returns 0, or after a message the exit status.
	 */
	int (*submit)(const struct batch_job *j, char **id);
	/*
	 * The id of a job named j->name that the scheduler knows, waiting,
	 * running or ended, in *id (allocated); *id NULL if there is none.
	 * Returns 0, or after a message the exit status: a scheduler that
	 * cannot say is not sent another job.
	 */
	int (*find)(const struct batch_job *j, char **id);
	/* Answer poll with batch_answer(); returns the exit status. */
	int (*poll)(const struct batch_job *j);
	/* The tool that stops a job, given its id: "qdel", "scancel". */
	const char *cancel_tool;
	/*
	 * What cancel_tool says of a job that has ended or is unknown:
	 * nothing is left to cancel. NULL-ended.
	 */
	const char *const *cancel_gone;
};

/*
 * The whole wrapper, main's part after the ops: the verbs, their
 * arguments and the environment checked (usage errors exit 64). Returns
 * main's exit status.
 */
int batch_main(int argc, char **argv, const struct batch_ops *ops);

/*
 * Run the scheduler's command tool (found in parameter "bin-dir",
 * /usr/bin by default) with the arguments args (NULL-ended, without
 * argv[0]), no shell, the contract's environment plus ops->env, standard
 * output in out. Returns 0 when it ran (see r), or after a message
 * EX_TEMPFAIL (it could not start, timed out or wrote too much) or
 * EX_CONFIG (no such tool).
 */
int batch_run(const char *tool, const char *const args[], struct buf *out,
    struct run_result *r);

/*
 * Say that tool (with its options: "qstat -j") failed for job j, with
 * its last line of standard error; returns EX_TEMPFAIL, for the
 * scheduler may answer the next time.
 */
int batch_tool_failed(const char *tool, const struct batch_job *j,
    const struct run_result *r);

/* Whether text holds one of phrases (NULL-ended). */
bool batch_text_has(const char *text, const char *const phrases[]);

/*
 * The scheduler's job id in its submit tool's output out: the first line,
 * cut at the first of the characters ends ("12.1-3:1" for an array job
 * from qsub, "12;cluster" from sbatch). Allocated.
 */
char *batch_submitted_id(const struct buf *out, const char *ends);

/* Give poll's answer, one line; printed when ops->poll returns 0. */
void batch_answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The job's command ended with exit status code, or by signal sig if sig
 * is not 0: answer done, or failed with the command's last stderr line.
 * source says what the scheduler reported, for the reason. Returns 0.
 */
int batch_ended(const struct batch_job *j, int code, int sig,
    const char *source);

/*
 * The scheduler no longer knows the job, and has no record of how it
 * ended (said: what it said). Within the grace window (parameter
 * "grace", 60 s) the record may yet come: answer running. After it:
 * failed, cancelled if cancel was called, else lost. Returns 0; a mark
 * of when the job went missing that cannot be written is warned about.
 */
int batch_missing(const struct batch_job *j, const char *said);

/*
 * The value of parameter name (its variable var) if it is set and every
 * byte is in allowed; NULL if it is not set, or after a message with *rc
 * set to EX_CONFIG if it has other bytes.
 */
const char *batch_param_word(const char *var, const char *name,
    const char *allowed, int *rc);

/*
 * Parameter "time-limit" in whole seconds; 0 if unset, -1 if it is not a
 * whole number of seconds from 1 to a year (submit refuses it).
 */
long batch_time_limit(void);

/*
 * The first line of text, control bytes made blanks, runs of blanks made
 * one, trimmed, at most 200 bytes.
 */
void batch_first_line(const char *text, char *out, size_t size);

#endif
