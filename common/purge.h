/*
 * purge.h: finished jobs removed from the spool, whole: the job, its
 * result and any cancel request (ct-purge, and the registry's retention,
 * which ct-dispatch applies).
 *
 * Errors: what fails is printed here, with the job's ID or path.
 *
 * The job file goes first, and its directory is synced: from then on the
 * job does not exist for any reader. A crash after it leaves only a result
 * that no job names, which purge_expired removes later. Nothing else
 * needs the job's lock: once finished, a job is never written again.
 */
#ifndef CT_PURGE_H
#define CT_PURGE_H

#include <stdint.h>

#include "job.h"
#include "spool.h"

enum purge_result {
	PURGE_DONE,		/* removed */
	PURGE_GONE,		/* not there any more: removed meanwhile */
	PURGE_ERROR		/* printed */
};

/* Remove job id, finished in state s (Completed or Failed). */
enum purge_result purge_job(struct spool *sp, const char *id,
    enum job_state s);

/* How often the retention is applied to a spool, at most. */
#define PURGE_INTERVAL_USEC (3600LL * 1000000)

/*
 * Apply a retention of max_age_usec to the spool, if it was not applied
 * in the last PURGE_INTERVAL_USEC (a stamp in state/ says when, for every
 * dispatcher of the spool): remove every finished job whose final record
 * was written more than max_age_usec ago (by its file's mtime, so no job
 * is read), and every result that no job has named for as long. Returns
 * the number of jobs removed, or -1 after printing why some could not be.
 */
long purge_expired(struct spool *sp, int64_t max_age_usec);

#endif
