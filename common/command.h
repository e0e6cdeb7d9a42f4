/*
 * command.h: the command a server's parameters configure ("command",
 * "database", "database.NAME", "options"), expanded for one job, as the
 * wrappers that run it share it: local(8) on this host, sge(8) and
 * slurm(8) on a cluster. See cputorrent-local(8) for the rules.
 *
 * command_expand prints why it refuses (ct_warn), and returns the
 * contract's exit status for it.
 */
#ifndef CT_COMMAND_H
#define CT_COMMAND_H

#include <stddef.h>

#include "strvec.h"

/* The files of a job the placeholders name, in the job's directory. */
#define CMD_INPUT "input.fa"
#define CMD_OUTPUT "output"

/*
 * The command line of parameter "command" for a job whose files are in
 * dir, with the job's options appended. Returns 0, argv filled (free it
 * with strvec_free) and *has_output set if the command writes {output}
 * itself; or after a message EX_CONFIG, EX_UNAVAILABLE or EX_DATAERR.
 */
int command_expand(const char *dir, int nopts, char **opts,
    struct strvec *argv, int *has_output);

/*
 * The program argv[0] of a command names, found now through PATH (the
 * contract's if there is none), so that a wrong one shows before any job
 * runs: an absolute path, or a bare name found in an absolute PATH
 * element (an empty or relative one would mean the working directory:
 * never searched). Returns 0 with *resolved allocated, or after a message
 * EX_CONFIG.
 */
int command_resolve(const char *name, char **resolved);

#endif
