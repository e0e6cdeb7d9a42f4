/*
 * ct-resubmit: a new job from each old one's input, service, database,
 * options, name and deadline, as if ct-submit were given them again; the
 * new jobs are one batch, accepted whole or not at all, and their IDs are
 * printed as ct-submit prints them. For a job that failed (its deadline
 * passed, no provider was left) or was cancelled, and is worth another
 * try.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"
#include "submit.h"

static const char usage[] =
    "usage: ct-resubmit [-H] [-S spool] id ...\n";

static const char help[] =
    "Submit each job again, as a new job with the same input, service,\n"
    "database, options, name and deadline; print the new IDs.\n"
    "An ID may also be a job name or a batch ID.\n"
    "  -H         submit held: no provider takes them until ct-release\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 submitted, 4 some job not found (nothing submitted).\n";

struct again {
	struct submit_batch batch;
	struct buf event;
};

/* Stage a copy of old job j, its input read again with it. */
static int
stage_again(struct spool *sp, struct job *j, enum job_state s, void *ctx)
{
	struct again *a = ctx;
	struct job old, new = { 0 };
	size_t i;
	int rc;

	(void)s;
	if (spool_load(sp, j->id, true, &old, &s) != SPOOL_FOUND) {
		ct_warn("%s: job not found", j->id);
		return CT_EXIT_NOTFOUND;
	}
	new.service = xstrdup(old.service);
	job_set(&new.database, old.database);
	job_set(&new.name, old.name);
	new.within_sec = old.within_sec;
	for (i = 0; i < old.noptions; i++)
		job_add_option(&new, old.options[i]);
	a->event.len = 0;
	buf_appendf(&a->event, "%s, again from %s", a->batch.event, old.id);
	rc = submit_stage(sp, &a->batch, &new, a->event.data, old.input,
	    old.input_len);
	job_free(&new);
	job_free(&old);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	struct again a = { 0 };
	int held = 0;
	struct poptOption table[] = {
		CLI_FLAG('H', "hold", &held),
		CLI_COMMON_OPTIONS
	};
	const char *const *ids;
	struct limits limits;
	struct spool sp;
	int status, printed;

	privilege_init();
	ct_setprogname(argv[0]);
	ids = cli_parse_ids(&c, argc, argv, table, CLI_SOME_IDS);
	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	/* The jobs exist, so the spool does: in a private one, make held/. */
	sp.create = !privilege_elevated();
	limits_load(&sp, &limits);
	submit_begin(&a.batch, &limits);
	if ((status = lookup_args(&sp, ids, false, stage_again, &a)) != 0 ||
	    (status = submit_commit(&sp, &a.batch)) != 0) {
		submit_unstage(&sp, &a.batch);
		ct_warn("nothing submitted");
	} else {
		status = submit_publish(&sp, &a.batch, held ? SPOOL_HELD :
		    SPOOL_NEW);
		if ((printed = submit_print_ids(&a.batch)) != 0)
			status = printed;
	}
	submit_end(&a.batch);
	buf_free(&a.event);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
