/*
 * ct-release: let held jobs go: each is New again, for a dispatcher to
 * claim. The release is one rename, held/ID to new/ID (common/hold.h).
 */
#include <stdbool.h>

#include "config.h"
#include "hold.h"

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

int
main(int argc, char **argv)
{
	return hold_command(argc, argv, usage, help, false);
}
