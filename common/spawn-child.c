/*
 * spawn-child.c: spawn_child() (spawn-child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "account.h"
#include "spawn-child.h"

void
spawn_reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A descriptor above 2 with the same file, so dup2 onto 0-2 loses none. */
static int
above_stdio(int fd)
{
	return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/*
 * In the child of spawn_as(): everything posix_spawn would do, and the
 * change of account between the directory and the exec, so that the
 * directory is entered with the caller's rights and the program runs with
 * none of them. Only async-signal-safe calls. Never returns: on a failure
 * its errno goes down report, and the child exits 127.
 */
static void
become(const struct child *c, int in, int out, int err, bool setsid_,
    int report)
{
	const struct account *a = c->as;
	int e;

	if ((setsid_ ? setsid() : setpgid(0, 0)) < 0 ||
	    (in = above_stdio(in)) < 0 || (out = above_stdio(out)) < 0 ||
	    (err = above_stdio(err)) < 0 || dup2(in, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
	    (report != 3 && (report = dup3(report, 3, O_CLOEXEC)) < 0))
		goto fail;
	closefrom(4);
	if ((c->dir != NULL && chdir(c->dir) != 0) ||
	    setgroups((size_t)a->ngroups, a->groups) != 0 ||
	    setgid(a->gid) != 0 || setuid(a->uid) != 0)
		goto fail;
	spawn_reset_signals();
	execve(c->path, c->argv, c->envp);
fail:
	e = errno;
	(void)!write(report, &e, sizeof e);
	_exit(127);
}

/*
 * Start c as c->as: fork(2), since posix_spawn cannot change the
 * account. The caller is the keeper, or a root program's rare call (a
 * check): its copied page tables are small or paid once. An exec that
 * fails is told back through a pipe closed on exec, and its child reaped
 * here, as posix_spawn does.
 */
static int
spawn_as(pid_t *pid, const struct child *c, int in, int out, int err,
    bool setsid_)
{
	int p[2], rc = 0, status;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) != 0)
		return errno;
	if ((*pid = fork()) < 0) {
		rc = errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (*pid == 0) {
		close(p[0]);
		become(c, in, out, err, setsid_, p[1]);
	}
	close(p[1]);
	while ((n = read(p[0], &rc, sizeof rc)) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (n != (ssize_t)sizeof rc)
		return 0;
	while (waitpid(*pid, &status, 0) < 0 && errno == EINTR)
		;
	return rc != 0 ? rc : EINVAL;
}

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

	if (c->as != NULL)
		return spawn_as(pid, c, in, out, err, setsid);
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
