/*
 * hold.c: a New job moved between new/ and held/ (hold.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "hold.h"
#include "lookup.h"
#include "privilege.h"

/* Why job id, in state s, cannot be held or released any more. */
static int
not_new(const char *id, enum job_state s, bool hold)
{
	static const char *const how[JOB_NSTATES] = {
		[JOB_PROCESSING] = "is processing: a dispatcher has claimed it",
		[JOB_COMPLETED] = "has completed",
		[JOB_FAILED] = "has failed",
	};

	ct_warn("%s: cannot %s: the job %s", id, hold ? "hold" : "release",
	    (unsigned)s < JOB_NSTATES && how[s] ? how[s] : "is not New");
	return CT_EXIT_FINISHED;
}

int
hold_set(struct spool *sp, const struct job *j, enum job_state s, bool hold)
{
	enum spool_dir from = hold ? SPOOL_NEW : SPOOL_HELD;
	enum spool_dir to = hold ? SPOOL_HELD : SPOOL_NEW;
	struct job now;
	int rc;

	if (s != JOB_NEW)
		return not_new(j->id, s, hold);
	if (j->held == hold)
		return 0;
	if (spool_move(sp, from, to, j->id) == 0)
		return 0;
	if (errno != ENOENT) {
		ct_warnerr("%s: cannot %s", j->id, hold ? "hold" : "release");
		return EX_IOERR;
	}
	/* It moved meanwhile: claimed, cancelled, or moved as asked. */
	if ((rc = lookup_job(sp, j->id, false, &now, &s)) != 0)
		return rc;
	rc = s == JOB_NEW && now.held == hold ? 0 : not_new(j->id, s, hold);
	job_free(&now);
	return rc;
}

static int
hold_named(struct spool *sp, struct job *j, enum job_state s, void *ctx)
{
	return hold_set(sp, j, s, *(bool *)ctx);
}

int
hold_command(int argc, char **argv, const char *usage, const char *help,
    bool hold)
{
	struct cli c = { .usage = usage, .help = help };
	struct poptOption table[] = { CLI_COMMON_OPTIONS };
	const char *const *ids;
	struct spool sp;
	int status;

	privilege_init();
	ct_setprogname(argv[0]);
	ids = cli_parse_ids(&c, argc, argv, table, CLI_SOME_IDS);
	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	/* A private spool gets held/ when first needed; a shared one has it. */
	sp.create = !privilege_elevated();
	status = lookup_args(&sp, ids, false, hold_named, &hold);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
