/*
 * lookup.h: a job looked up for a user command (ct-status, ct-wait,
 * ct-fetch, ct-cancel, ct-hold, ct-release, ct-resubmit), with the answer
 * when there is none to be had; and the arguments of such a command, each
 * a job ID, a batch ID or a job name, made job IDs.
 *
 * Errors: each function prints what it answers, once: a spool error
 * always, "ARG: job not found" unless quiet.
 *
 * An ID is looked up in constant time. So is each job of a batch: a
 * batch's jobs are BATCH-0, BATCH-1, ... (jobid.h), found one after the
 * other until one is missing. A name is found by reading every job the
 * caller may see (spool_foreach): the only lookup whose cost grows with
 * the spool. Another user's job is never found, whatever names it.
 */
#ifndef CT_LOOKUP_H
#define CT_LOOKUP_H

#include <stdbool.h>

#include "spool.h"
#include "strvec.h"

/*
 * Find and read job id (its header, not its input) for the calling user.
 * Returns 0 with *j (to be freed) and *state set, or the exit status that
 * answers for the command: CT_EXIT_NOTFOUND, or EX_IOERR.
 */
int lookup_job(struct spool *sp, const char *id, bool quiet, struct job *j,
    enum job_state *state);

/*
 * What a command does with each job an argument names: returns the exit
 * status that answers for it.
 */
typedef int (*lookup_fn)(struct spool *sp, struct job *j, enum job_state s,
    void *ctx);

/*
 * Call fn with each job that args name, read as lookup_job reads it: the
 * job of that ID if the caller has one; else for a batch ID its jobs in
 * order; else the caller's jobs of that name, in ID order. Returns the
 * highest of fn's answers and CT_EXIT_NOTFOUND if some argument named
 * nothing (said unless quiet); EX_IOERR if the spool failed (said).
 */
int lookup_args(struct spool *sp, const char *const *args, bool quiet,
    lookup_fn fn, void *ctx);

/* A lookup_fn that appends the job's ID to the strvec ctx; returns 0. */
int lookup_collect(struct spool *sp, struct job *j, enum job_state s,
    void *ctx);

/*
 * The one job arg names, for a command that acts on one (ct-fetch): its
 * ID into id (JOBID_MAX + 1 bytes). Returns 0; CT_EXIT_NOTFOUND (said);
 * EX_USAGE if it names several, after listing them; or EX_IOERR.
 */
int lookup_one(struct spool *sp, const char *arg, char *id);

#endif
