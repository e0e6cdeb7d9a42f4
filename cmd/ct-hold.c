/*
 * ct-hold: hold New jobs back: no dispatcher claims a held job until
 * ct-release lets it go, but it still fails at its deadline. The hold is
 * one rename, new/ID to held/ID (common/hold.h).
 */
#include <stdbool.h>

#include "config.h"
#include "hold.h"

static const char usage[] =
    "usage: ct-hold [-S spool] id ...\n";

static const char help[] =
    "Hold New jobs: no provider takes them until ct-release; they still\n"
    "fail at their deadline. An ID may also be a job name or a batch ID.\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 held, 4 not found, 5 no longer New (claimed or\n"
    "finished).\n";

int
main(int argc, char **argv)
{
	return hold_command(argc, argv, usage, help, true);
}
