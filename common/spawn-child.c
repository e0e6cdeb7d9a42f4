/*
 * spawn-child.c: spawn_child() (spawn-child.h).
 */
#include <signal.h>
#include <spawn.h>

#include "spawn-child.h"

/*
 * Start the program with posix_spawn(3): glibc's shares the caller's
 * memory until the exec (CLONE_VM | CLONE_VFORK), so a start costs the
 * same however large the caller is, where fork(2) would copy its page
 * tables first. The child gets a process group of its own (with setsid,
 * a session of its own), so that the timeout kills it and all it
 * started; SIGPIPE back at its default; and descriptors 0-2 only, so
 * nothing its caller inherited leaks into it. Returns 0, or an errno
 * value: the start failed.
 */
int
spawn_child(pid_t *pid, const struct child *c, int in, int out, int err,
    bool setsid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t defaults, none;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigfillset(&defaults);
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, out, 1)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, err, 2)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (c->dir == NULL ||
	    (rc = posix_spawn_file_actions_addchdir_np(&fa, c->dir)) == 0) &&
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK | (setsid ? POSIX_SPAWN_SETSID :
	    POSIX_SPAWN_SETPGROUP))) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &defaults)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0)
		rc = posix_spawn(pid, c->path, &fa, &at, c->argv, c->envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}
