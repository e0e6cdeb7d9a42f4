/*
 * hold.h: holding a New job back from the dispatcher, and letting it go
 * (ct-hold, ct-release).
 *
 * Errors: hold_set prints what it answers, once.
 *
 * A held job is a New job in held/ rather than new/ (cputorrent-spool(5)).
 * Hold and release are each one rename between the two, which a
 * dispatcher's claim (new/ to processing/) cannot interleave with: of the
 * two renames of a job out of new/, one wins, so a job reported held is
 * never run, and a job a dispatcher claimed first is reported so.
 */
#ifndef CT_HOLD_H
#define CT_HOLD_H

#include <stdbool.h>

#include "spool.h"

/*
 * Hold (hold true) or release job j, read in state s, for its owner.
 * Holding a held job, or releasing one that is not, changes nothing and
 * succeeds. Returns 0; CT_EXIT_FINISHED if the job is no longer New (a
 * dispatcher claimed it, or it finished), said on stderr; EX_IOERR after
 * a message.
 */
int hold_set(struct spool *sp, const struct job *j, enum job_state s,
    bool hold);

/*
 * The whole of ct-hold (hold true) and ct-release: parse the command
 * line (usage and help are the program's), then hold_set every job its
 * arguments name (lookup.h). Returns the exit status: the highest answer.
 */
int hold_command(int argc, char **argv, const char *usage, const char *help,
    bool hold);

#endif
