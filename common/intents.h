/*
 * intents.h: the intent to submit of a batch call's jobs, durable in one
 * file for the whole batch (cputorrent-spool(5), state/intents/).
 *
 * Errors: intents_write and intents_remove print what fails; the rest
 * cannot fail, or pass over what they cannot read.
 *
 * Before a wrapper is asked to submit a job, the job's record must say
 * so (submitting): a dispatcher that dies during the call leaves it for
 * the next one to ask again, under the same attempt at the same server.
 * A job submitted alone has its record rewritten for that. The jobs of a
 * batch call have theirs, as they would have been rewritten, in one file
 * made durable before the call: one new file for the batch, not one a
 * job. Once the call is over and each job's own record is durable, the
 * file goes. A job whose record in processing/ is older than its intent
 * (fewer attempts) lost its dispatcher in between, and takes the intent
 * as its record before anything else is done with it.
 */
#ifndef CT_INTENTS_H
#define CT_INTENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "spool.h"
#include "util.h"

/* A batch's intents, gathered, then written at once. */
struct intents {
	struct buf data;
	size_t n;
};

/* Add job id's record, as it is to be if the call begins, to in. */
void intents_add(struct intents *in, const char *id, const char *rec,
    size_t len);

/*
 * Make in durable as state/intents/name (a job ID: the first job's).
 * Returns 0, or -1 after printing why, with nothing left behind.
 */
int intents_write(struct spool *sp, const char *name, const struct intents *in);

/* Remove state/intents/name, if it is there; prints what fails. */
void intents_remove(struct spool *sp, const char *name);

/* Free in's memory. */
void intents_free(struct intents *in);

/*
 * Called for each intent found: the file's name, the job's ID, and the
 * record. Returns 0 if the intent is settled (the job has it, or no
 * longer needs it), 1 if it must stay, for a later pass.
 */
typedef int (*intents_fn)(void *arg, const char *file, const char *id,
    const char *rec, size_t len);

/*
 * Call fn for each intent of every file in state/intents/ (only those
 * naming id, unless it is NULL); with remove, a file whose every intent
 * was settled is removed then. A file that cannot be read, or is not
 * whole, is passed over and left.
 */
void intents_each(struct spool *sp, const char *id, bool remove,
    intents_fn fn, void *arg);

#endif
