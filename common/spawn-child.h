/*
 * spawn-child.h: starting a struct child (run.h) with posix_spawn(3), or,
 * for one that runs as another account (c->as), with fork(2), for run.c
 * and for the keeper of fenced runs (keeper.h).
 *
 * Errors: none printed; the errno value is returned.
 */
#ifndef CT_SPAWN_CHILD_H
#define CT_SPAWN_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "run.h"

/*
 * Start c->path with c->argv, c->envp, in c->dir, with in, out and err as
 * its descriptors 0, 1 and 2 and no other: in a process group of its own,
 * or with setsid, a session of its own; as c->as, with its groups and no
 * others, if that is set (the directory is entered first, with the
 * caller's rights). Returns 0 and the child's PID in
 * *pid, or an errno value: the start failed.
 */
int spawn_child(pid_t *pid, const struct child *c, int in, int out, int err,
    bool setsid);

/*
 * Every signal's disposition back to its default, and none blocked, as a
 * program expects at its start: for a child between fork and exec (only
 * async-signal-safe calls).
 */
void spawn_reset_signals(void);

#endif
