/*
 * exitcodes.h: the exit statuses every cputorrent program shares.
 *
 * Errors: nothing here prints; it is only the table.
 *
 * The low numbers are job answers, so a shell script can branch on a job's
 * state without parsing text: ct-status, ct-fetch and ct-wait all use them
 * (job_state_exit() in job.h maps a state to its number), and ct-cancel
 * adds one of its own.
 * Everything at 64 and above is an error, taken from <sysexits.h> so that a
 * caller can tell "try again later" (75) from "this will never work" (64, 65).
 * cputorrent(7) documents the table; keep the two in step.
 */
#ifndef CT_EXITCODES_H
#define CT_EXITCODES_H

#include <sysexits.h>

enum {
	CT_EXIT_COMPLETED = 0,	/* the job completed (or: success) */
	CT_EXIT_FAILED = 1,	/* the job failed: run the work yourself */
	CT_EXIT_PROCESSING = 2,	/* a provider is working on it */
	CT_EXIT_NEW = 3,	/* nothing has picked it up yet */
	CT_EXIT_NOTFOUND = 4,	/* no such job, or not yours */
	CT_EXIT_FINISHED = 5,	/* ct-cancel: finished, nothing to withdraw;
				   ct-hold, ct-release: no longer New */
};

#endif
