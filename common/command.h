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
 * Find the program name as the command's first word names it: an
 * absolute path, which must be an executable file, or a name without a
 * '/', looked up in path (a PATH value; its empty and relative elements,
 * which would mean the job's directory, are never searched). Returns 0
 * and *resolved (allocated), or after a message EX_CONFIG, *resolved
 * NULL.
 */
int command_find(const char *name, const char *path, char **resolved);

/*
 * command_find, its message naming what gave the command (such as
 * "-c") instead of "parameter command".
 */
int command_find_as(const char *what, const char *name, const char *path,
    char **resolved);

/*
 * The check verb's part for the configured command (ct-wrapper(7)):
 * parameter command set, its program found in path (command_find), and
 * the BLAST database of parameter database and of each database.NAME
 * present. Each problem is a message (ct_warn); returns their number.
 */
unsigned command_check(const char *path);

#endif
