/*
 * ct-purge: remove finished jobs from the spool, each with its result:
 * the given ones, or every one of the caller's (every user's, for root)
 * that -a and -t choose. A job not finished is left alone: ct-cancel
 * withdraws it, and it can be purged once it has failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "lookup.h"
#include "privilege.h"
#include "purge.h"
#include "spool.h"
#include "timefmt.h"

static const char usage[] =
    "usage: ct-purge [-n] [-a age] [-t state] [-S spool] [id ...]\n";

static const char help[] =
    "Remove finished jobs, with their results: the given ones, or all of\n"
    "yours that -a and -t choose.\n"
    "  -a age     only jobs that ended longer ago than age: seconds, or\n"
    "             with s, m, h, d or w (30d, 1h30m); 0 for any\n"
    "  -n         say what would be removed, and remove nothing\n"
    "  -t state   only jobs in state: Completed or Failed\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 removed, 2 Processing or 3 New (not finished: left\n"
    "alone), 4 not found.\n";

/* What the caller chose. */
struct choice {
	int dry_run;
	bool any_state;		/* no -t */
	enum job_state state;	/* with -t */
	int64_t ended_before;	/* -a: ended before this; INT64_MAX: any */
	int status;		/* the highest answer so far */
	struct spool *sp;
};

/* The time job j reached its final state: its last event's. */
static int64_t
ended_usec(const struct job *j)
{
	return j->nevents > 0 ? j->events[j->nevents - 1].usec :
	    j->submitted_usec;
}

/* Remove job j, found in state s, or say it would be; updates status. */
static void
purge_one(struct choice *c, const struct job *j, enum job_state s)
{
	int answer = 0;

	if (c->dry_run)
		printf("%s\n", j->id);
	else
		switch (purge_job(c->sp, j->id, s)) {
		case PURGE_DONE:
			printf("%s\n", j->id);
			break;
		case PURGE_GONE:
			ct_warn("%s: job not found", j->id);
			answer = CT_EXIT_NOTFOUND;
			break;
		case PURGE_ERROR:
			answer = EX_IOERR;
			break;
		}
	if (answer > c->status)
		c->status = answer;
}

static bool
chosen(const struct choice *c, const struct job *j, enum job_state s)
{
	return (s == JOB_COMPLETED || s == JOB_FAILED) &&
	    (c->any_state || s == c->state) && ended_usec(j) < c->ended_before;
}

static int
visit(struct job *j, enum job_state s, void *ctx)
{
	struct choice *c = ctx;

	if (chosen(c, j, s))
		purge_one(c, j, s);
	return 0;
}

/* The given job: purged if finished, whatever -a and -t say. */
static void
purge_id(struct choice *c, const char *id)
{
	enum job_state s;
	struct job j;
	int answer;

	if ((answer = lookup_job(c->sp, id, false, &j, &s)) == 0) {
		if (s == JOB_COMPLETED || s == JOB_FAILED)
			purge_one(c, &j, s);
		else {
			ct_warn("%s: job not finished (%s): ct-cancel "
			    "withdraws it", id, job_state_name(s));
			answer = job_state_exit(s);
		}
		job_free(&j);
	}
	if (answer > c->status)
		c->status = answer;
}

static void
parse_choice(struct cli *cl, struct choice *c, const char *age,
    const char *state)
{
	int64_t usec;

	c->any_state = true;
	c->ended_before = INT64_MAX;
	if (age != NULL) {
		if (parse_duration(age, &usec) != 0)
			cli_usage_error(cl, "invalid age '%s': seconds, or "
			    "numbers with s, m, h, d or w", age);
		c->ended_before = now_usec() - usec;
	}
	if (state != NULL) {
		c->any_state = false;
		if (strcasecmp(state, "completed") == 0)
			c->state = JOB_COMPLETED;
		else if (strcasecmp(state, "failed") == 0)
			c->state = JOB_FAILED;
		else
			cli_usage_error(cl, "invalid state '%s': Completed "
			    "or Failed", state);
	}
}

int
main(int argc, char **argv)
{
	struct cli cl = { .usage = usage, .help = help };
	struct choice c = { 0 };
	char *age = NULL, *state = NULL;
	struct poptOption table[] = {
		CLI_STRING('a', "age", &age, 0),
		CLI_FLAG('n', "dry-run", &c.dry_run),
		CLI_STRING_WORDS('t', "state", &state, 0, "Completed Failed"),
		CLI_COMMON_OPTIONS
	};
	const char *const *ids;
	struct spool sp;
	size_t i;
	int rc;

	privilege_init();
	ct_setprogname(argv[0]);
	ids = cli_parse_ids(&cl, argc, argv, table, CLI_ANY_IDS);
	parse_choice(&cl, &c, age, state);
	if (!cl.ids_given && age == NULL && state == NULL)
		cli_usage_error(&cl, "nothing chosen: give IDs, -a age or "
		    "-t state");
	if (cl.ids_given && (age != NULL || state != NULL))
		cli_usage_error(&cl, "IDs choose the jobs: -a and -t go "
		    "without them");
	if ((rc = spool_open(&sp, spool_choose(cl.spool), false)) != 0)
		exit(rc);
	c.sp = &sp;
	if (!cl.ids_given) {
		if (spool_foreach(&sp, visit, &c) != 0 && c.status < EX_IOERR)
			c.status = EX_IOERR;
	} else
		for (i = 0; ids[i] != NULL; i++)
			purge_id(&c, ids[i]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		c.status = EX_IOERR;
	}
	spool_close(&sp);
	free(age);
	free(state);
	cli_end(&cl);
	return c.status;
}
