/*
 * lookup.h: a job looked up for a user command (ct-status, ct-wait,
 * ct-fetch, ct-cancel), with the answer when there is none to be had.
 *
 * Errors: lookup_job prints what it answers, once: a spool error always,
 * "ID: job not found" unless quiet.
 */
#ifndef CT_LOOKUP_H
#define CT_LOOKUP_H

#include <stdbool.h>

#include "spool.h"

/*
 * Find and read job id (its header, not its input) for the calling user.
 * Returns 0 with *j (to be freed) and *state set, or the exit status that
 * answers for the command: CT_EXIT_NOTFOUND, or EX_IOERR.
 */
int lookup_job(struct spool *sp, const char *id, bool quiet, struct job *j,
    enum job_state *state);

#endif
