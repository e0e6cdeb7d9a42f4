/*
 * submit.h: new jobs put into the spool as one batch, all or none (for
 * ct-submit and ct-resubmit).
 *
 * Errors: each function that fails prints why, once.
 *
 * Each job is staged complete and fsynced in tmp/; only when all are
 * staged are they published, each by one rename, with one fsync of the
 * directory for the lot, and only then are their IDs printed: a printed ID
 * names a job that survives a crash. The jobs of a batch get the IDs of
 * one (jobid.h): job k at the batch's time plus k microseconds, the batch
 * ID that of the first without its last part.
 */
#ifndef CT_SUBMIT_H
#define CT_SUBMIT_H

#include <stdint.h>

#include "job.h"
#include "spool.h"
#include "spoollimits.h"

struct submit_staged {
	char tmpname[SPOOL_TMPNAME_MAX];
	char id[JOBID_MAX + 1];
};

struct submit_batch {
	struct submit_staged *jobs;
	size_t n;		/* staged; after submit_publish, durable */
	int64_t usec;		/* the time of its first job */
	char id[JOBID_MAX + 1];	/* the batch ID, once a job is staged */
	char *event;		/* "submitted by uid N on HOST" */
	const struct limits *limits;	/* the spool's, or NULL */
	struct limits_batch admitted;	/* what they let in (spoollimits.h) */
};

/*
 * Start a batch, at the time of this call, held to the spool's limits
 * (its free space floor and the caller's quotas) if limits is not NULL.
 */
void submit_begin(struct submit_batch *b, const struct limits *limits);

/*
 * Stage j, holding input[0..len), as the batch's next job, with first
 * event event (b->event, or the caller's). The caller has set what the
 * submitter asked for (service, database, options, name, within); its
 * ID, times, owner (the caller) and batch are set here. Returns 0, or
 * after a message EX_TEMPFAIL (refused by the spool's limits, for now) or
 * EX_IOERR.
 */
int submit_stage(struct spool *sp, struct submit_batch *b, struct job *j,
    const char *event, const char *input, size_t len);

/*
 * Once every job is staged, before they are published: count them in the
 * caller's record (spoollimits.h). Returns 0, or EX_IOERR after a message.
 */
int submit_commit(struct spool *sp, struct submit_batch *b);

/* Remove every staged job of a batch that will not be published. */
void submit_unstage(struct spool *sp, struct submit_batch *b);

/*
 * Publish the staged jobs into to (new/, or held/), with one fsync of it
 * for all. Returns 0, or EX_IOERR after naming the jobs that exist;
 * b->n is left counting the jobs that are durable.
 */
int submit_publish(struct spool *sp, struct submit_batch *b,
    enum spool_dir to);

/* Print the IDs of the durable jobs: 0, or EX_IOERR after a message. */
int submit_print_ids(const struct submit_batch *b);

/* Free what the batch holds. */
void submit_end(struct submit_batch *b);

#endif
