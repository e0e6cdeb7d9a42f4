/*
 * keeper.h: the keeper of fenced runs (run.h, struct child, fenced).
 *
 * A fenced run must not outlive the lock it is fenced to, even when its
 * caller dies: so it is not the caller's child but the keeper's. The
 * keeper is one process per caller, forked at its first fenced run and
 * serving every later one, one at a time, over a socket pair: one fork
 * for the caller's life, not one a run. For each run it gets the program
 * and the run's descriptors, the fence among them (a job's lock,
 * flock(2)); it starts the program in a session of its own, of which it
 * is the subreaper; and it lets the fence go only once nothing of that
 * session is left: when the program has ended and the caller says the
 * run is over, or at the timeout (its own, half a second after the
 * caller's), also if the caller has died meanwhile. A caller that is
 * gone leaves the keeper to finish the run it has, then exit.
 *
 * Errors: keeper_start says nothing; keeper_end says why the keeper is
 * lost, once. The keeper itself writes only to the caller's stderr.
 */
#ifndef CT_KEEPER_H
#define CT_KEEPER_H

#include <sys/types.h>

#include "run.h"

/*
 * Start c under the keeper, with in, out and err as its descriptors 0, 1
 * and 2 and c->fence_fd as the fence: the keeper has its own copies of
 * them all once this returns. Returns 0 and the program's PID in *pid;
 * an errno value from the program's start (as spawn_child(), spawn-child.h);
 * or -1 if no keeper could be had (errno says why).
 */
int keeper_start(const struct child *c, int in, int out, int err,
    pid_t *pid);

/*
 * The run started as pid is over for its caller: the keeper kills what is
 * left of its session, lets the fence go, and *status gets the program's
 * wait status. Returns 0; or -1 if the keeper was lost meanwhile: then
 * what is left of the program's process group has been killed here, and
 * *status says killed by SIGKILL.
 */
int keeper_end(pid_t pid, int *status);

#endif
