/*
 * ct-status: the state of jobs. With IDs (or batch IDs, or names:
 * lookup.h), those jobs; without, every job of the caller (every job, for
 * root).
 *
 * The exit status answers for scripts without any parsing: 0 Completed,
 * 1 Failed, 2 Processing, 3 New, 4 not found; with several IDs, the
 * highest of these (so 0 only if every job completed).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"
#include "timefmt.h"

static const char usage[] =
    "usage: ct-status [-lnq] [-S spool] [id ...]\n";

static const char help[] =
    "Show the state of jobs: the given ones, or all of yours.\n"
    "  -l         long format: every field and the whole history\n"
    "  -n         states as the paper's numbers (0 New, 1 Processing,\n"
    "             2 Completed, 3 Failed)\n"
    "  -q         print nothing; the exit status tells the state\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 Completed, 1 Failed, 2 Processing, 3 New, 4 not "
    "found.\n";

/* How a job's line is printed: aligned for people, tabs for scripts. */
struct view {
	int numeric, quiet, table;
	int64_t now;
	int id_width;
	unsigned long shown;
};

/* The state; a held New job's name of it says so (ct-hold(1)). */
static void
print_state(const struct view *v, enum job_state s, bool held, char *out,
    size_t n)
{
	if (v->numeric)
		snprintf(out, n, "%d", (int)s);
	else
		snprintf(out, n, "%s%s", job_state_name(s),
		    held ? " (held)" : "");
}

static void
print_line(struct view *v, const struct job *j, enum job_state s)
{
	char state[16], age[32];
	const char *provider = j->provider ? j->provider : "-";

	print_state(v, s, j->held, state, sizeof state);
	if (v->table) {
		if (v->shown++ == 0)
			printf("%-*s  %-10s  %-10s  %-12s  %-6s  %s\n",
			    v->id_width, "ID", "STATE", "SERVICE", "PROVIDER",
			    "AGE", "NAME");
		format_age(age, sizeof age, v->now - j->submitted_usec);
		printf("%-*s  %-10s  %-10s  %-12s  %-6s  %s\n", v->id_width,
		    j->id, state, j->service, provider, age,
		    j->name ? j->name : "-");
	} else
		printf("%s\t%s\t%s\t%s\t%lld\n", j->id, state, j->service,
		    provider, (long long)((v->now - j->submitted_usec) /
		    1000000));
}

static void
print_long(struct view *v, const struct job *j, enum job_state s)
{
	struct passwd *pw = getpwuid(j->owner);
	char when[32], age[32];
	size_t i;

	if (v->shown++ > 0)
		putchar('\n');
	format_timestamp(when, sizeof when, j->submitted_usec);
	format_age(age, sizeof age, v->now - j->submitted_usec);
	printf("job        %s\n", j->id);
	printf("state      %s (%d)%s\n", job_state_name(s), (int)s,
	    j->held ? ", held" : "");
	printf("owner      %s (%lu)\n", pw ? pw->pw_name : "?",
	    (unsigned long)j->owner);
	printf("service    %s\n", j->service);
	printf("database   %s\n", j->database ? j->database : "-");
	printf("provider   %s\n", j->provider ? j->provider : "-");
	printf("submitted  %s (%s ago)\n", when, age);
	/* What older records do not have is not shown for them. */
	if (j->name != NULL)
		printf("name       %s\n", j->name);
	if (j->batch != NULL)
		printf("batch      %s\n", j->batch);
	if (j->within_sec != 0)
		printf("within     %lld s of submission (ct-submit -t)\n",
		    (long long)j->within_sec);
	for (i = 0; i < j->noptions; i++)
		printf("option     %s\n", j->options[i]);
	printf("input      %zu bytes\n", j->input_len);
	printf("history\n");
	for (i = 0; i < j->nevents; i++) {
		format_timestamp(when, sizeof when, j->events[i].usec);
		printf("  %s  %-10s  %s\n", when,
		    job_state_name(j->events[i].state), j->events[i].text);
	}
}

static int long_format;

static int
show(struct job *j, enum job_state s, void *ctx)
{
	struct view *v = ctx;

	if (v->quiet)
		return 0;
	job_make_printable(j);
	if (long_format)
		print_long(v, j, s);
	else
		print_line(v, j, s);
	return 0;
}

/* Show a job named on the command line; its state is the answer. */
static int
show_named(struct spool *sp, struct job *j, enum job_state s, void *ctx)
{
	(void)sp;
	show(j, s, ctx);
	return job_state_exit(s);
}

int
main(int argc, char **argv)
{
	struct view v = { 0 };
	struct cli c = { .usage = usage, .help = help };
	struct poptOption table[] = {
		CLI_FLAG('l', &long_format),
		CLI_FLAG('n', &v.numeric),
		CLI_FLAG('q', &v.quiet),
		CLI_COMMON_OPTIONS
	};
	const char *const *ids;
	struct spool sp;
	size_t i;
	int status;

	privilege_init();
	ct_setprogname(argv[0]);
	ids = cli_parse_ids(&c, argc, argv, table, CLI_ANY_IDS);
	v.table = isatty(STDOUT_FILENO);
	v.now = now_usec();
	/* As wide as an ID ct-submit makes: a 7-digit pid, a 4-digit counter. */
	v.id_width = 53;
	for (i = 0; ids[i] != NULL; i++)
		if ((int)strlen(ids[i]) > v.id_width)
			v.id_width = (int)strlen(ids[i]);

	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	/* No ID at all: every job; a - that read none: none. */
	if (ids[0] == NULL && !c.ids_given)
		status = spool_foreach(&sp, show, &v) != 0 ? EX_IOERR :
		    CT_EXIT_COMPLETED;
	else
		status = lookup_args(&sp, ids, v.quiet, show_named, &v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		status = EX_IOERR;
	}
	spool_close(&sp);
	cli_end(&c);
	return status;
}
