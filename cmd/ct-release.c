/*
 * ct-release: let held jobs go: each is New again, for a dispatcher to
 * claim. The release is one rename, held/ID to new/ID (common/hold.h).
 */
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "hold.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"

static const char usage[] =
    "usage: ct-release [-S spool] id ...\n";

static const char help[] =
    "Release held jobs (ct-hold): they are New again, for a provider to\n"
    "take. An ID may also be a job name or a batch ID.\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 released, 4 not found, 5 no longer New (failed at its\n"
    "deadline, or cancelled).\n";

static int
release_named(struct spool *sp, struct job *j, enum job_state s, void *ctx)
{
	(void)ctx;
	return hold_set(sp, j, s, false);
}

int
main(int argc, char **argv)
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
	/* new/ may not exist yet in a private spool; a shared one has it. */
	sp.create = !privilege_elevated();
	status = lookup_args(&sp, ids, false, release_named, NULL);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
