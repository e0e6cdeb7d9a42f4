/*
 * lookup.c: a job looked up for a user command (lookup.h).
 */
#include "err.h"
#include "exitcodes.h"
#include "lookup.h"

int
lookup_job(struct spool *sp, const char *id, bool quiet, struct job *j,
    enum job_state *state)
{
	switch (spool_load(sp, id, false, j, state)) {
	case SPOOL_FOUND:
		return 0;
	case SPOOL_NOTFOUND:
		/* Another user's job is one that does not exist. */
		if (!quiet)
			ct_warn("%s: job not found", id);
		return CT_EXIT_NOTFOUND;
	default:
		return EX_IOERR;	/* spool_load said why */
	}
}
