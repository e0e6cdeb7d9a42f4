/*
 * run.c: run_program() (run.h). Stdin is a file, whole before the child
 * starts; one poll(2) loop drains stdout and stderr and watches the
 * clock, so a child that writes much, or never ends, cannot wedge the
 * caller. A fenced run goes through a keeper, below.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "run.h"

static void
keep_last_line(struct run_result *r, const char *p, size_t n, char *line,
    size_t *len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\n') {
			if (*len > 0) {
				memcpy(r->err_tail, line, *len);
				r->err_tail[*len] = '\0';
			}
			*len = 0;
		} else if (*len < sizeof r->err_tail - 1)
			line[(*len)++] = (unsigned char)c < 0x20 ? ' ' : c;
	}
}

/* Keep the last sizeof r->err_text - 1 bytes of stderr in r->err_text. */
static void
keep_text(struct run_result *r, const char *p, size_t n)
{
	size_t max = sizeof r->err_text - 1, have = strlen(r->err_text);

	if (n >= max) {
		memcpy(r->err_text, p + n - max, max);
		have = max;
	} else {
		if (have + n > max) {
			memmove(r->err_text, r->err_text + (have + n - max),
			    max - n);
			have = max - n;
		}
		memcpy(r->err_text + have, p, n);
		have += n;
	}
	r->err_text[have] = '\0';
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
static int
spawn(pid_t *pid, const struct child *c, int in, int out, int err,
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

/* What a start that failed says, as the program's own last words. */
static void
say_cannot_start(const struct child *c, int rc, char *msg, size_t len)
{
	if (c->dir != NULL && access(c->dir, X_OK) != 0)
		snprintf(msg, len, "cannot enter %s: %s", c->dir,
		    strerror(errno));
	else
		snprintf(msg, len, "cannot run %s: %s", c->path, strerror(rc));
}

static void
close_all(int a, int b, int c)
{
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (c >= 0)
		close(c);
}

/* The whole input as a file at offset 0, or /dev/null: -1 if neither. */
static int
input_file(const void *in, size_t inlen)
{
	int fd;

	if (in == NULL || inlen == 0)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((fd = memfd_create("stdin", MFD_CLOEXEC)) < 0)
		return -1;
	if (write_all(fd, in, inlen) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the keeper of a fenced run ---------------------------------------- */

static int
by_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor but the n in keep. */
static void
close_all_but(int *keep, size_t n)
{
	unsigned from = 0;
	size_t i;

	qsort(keep, n, sizeof *keep, by_int);
	for (i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/* Reap every child that has ended; *status gets w's, if w was one. */
static void
reap(pid_t w, int *status, int *w_done)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == w) {
			*status = st;
			*w_done = 1;
		}
}

/*
 * Kill what is left of session sid, whose first group is sid: the group,
 * and any child of ours (we are the subreaper, so every orphan of the
 * session comes to us) still in the session, whatever its group. The
 * work a wrapper detached into a session of its own is not the call's,
 * and is left alone. Returns true when nothing of the session is left.
 */
static bool
kill_session(pid_t sid)
{
	char path[64], buf[4096];
	bool left = kill(-sid, SIGKILL) == 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/self/task/%ld/children",
	    (long)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return !left;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n > 0) {
		char *p = buf, *end;

		buf[n] = '\0';
		for (;;) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			p = end;
			if (pid > 0 && getsid((pid_t)pid) == sid) {
				kill((pid_t)pid, SIGKILL);
				left = true;
			}
		}
	}
	return !left;
}

/* End as the program ended: its exit status, or its signal. */
static void __attribute__((__noreturn__))
exit_as(int status)
{
	if (WIFSIGNALED(status)) {
		sigset_t all;

		signal(WTERMSIG(status), SIG_DFL);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		raise(WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/*
 * How long after the caller's the keeper's own timeout comes: a caller
 * that lives sees its own timeout first, and says so, rather than a
 * program killed by a signal from nowhere.
 */
#define KEEPER_GRACE_USEC 500000

/*
 * The keeper (struct child, fenced): in the child of a fork, holding
 * c->fence_fd and the three ends it passes on, nothing else. SIGTERM
 * from the caller ends the run at once; so does the timeout, which it
 * keeps itself, since the caller may be gone.
 */
static void __attribute__((__noreturn__))
keeper(const struct child *c, int in, int out, int err)
{
	int keep[] = { in, out, err, c->fence_fd, STDERR_FILENO };
	int64_t deadline = monotonic_usec() + (int64_t)c->timeout_ms * 1000 +
	    KEEPER_GRACE_USEC;
	int status = 0, w_done = 0, rc;
	struct timespec step = { 0, 1000000 };
	sigset_t wait_for;
	pid_t w;

	close_all_but(keep, sizeof keep / sizeof keep[0]);
	signal(SIGINT, SIG_IGN);	/* the terminal's, for the caller */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&wait_for);
	sigaddset(&wait_for, SIGCHLD);
	sigaddset(&wait_for, SIGTERM);
	sigprocmask(SIG_BLOCK, &wait_for, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if ((rc = spawn(&w, c, in, out, err, true)) != 0) {
		char msg[600];

		say_cannot_start(c, rc, msg, sizeof msg);
		dprintf(err, "%s\n", msg);
		_exit(rc == EAGAIN || rc == ENOMEM ? 71 : 127);
	}
	close_all(in, out, err);
	while (!w_done) {
		int64_t left = deadline - monotonic_usec();
		struct timespec t;
		int sig;

		if (left <= 0)
			break;
		t.tv_sec = left / 1000000;
		t.tv_nsec = (left % 1000000) * 1000;
		sig = sigtimedwait(&wait_for, NULL, &t);
		if (sig == SIGTERM)
			break;
		reap(w, &status, &w_done);
	}
	/* Over: nothing of the session may outlive the lock. */
	while (!kill_session(w)) {
		nanosleep(&step, NULL);
		reap(w, &status, &w_done);
	}
	while (!w_done && waitpid(w, &status, 0) < 0 && errno == EINTR)
		;
	reap(w, &status, &w_done);
	if (!w_done)
		status = SIGKILL;	/* as if killed: it was, at the end */
	exit_as(status);
}

/*
 * Start c: at once, or (fenced) under a keeper. Returns 0 or an errno
 * value as spawn() does; the keeper's own start fails only for want of
 * resources, and a program it cannot start exits 127 with the reason on
 * its stderr, as it would here.
 */
static int
start(const struct child *c, pid_t *pid, int in, int out, int err)
{
	if (!c->fenced)
		return spawn(pid, c, in, out, err, false);
	if ((*pid = fork()) < 0)
		return errno;
	if (*pid == 0)
		keeper(c, in, out, err);
	return 0;
}

int
run_program(const struct child *c, struct run_result *r)
{
	const char *path = c->path;
	int in, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int status, rc;
	int64_t deadline = monotonic_usec() + (int64_t)c->timeout_ms * 1000;
	size_t got = 0, linelen = 0;
	char line[sizeof r->err_tail];
	pid_t pid;

	memset(r, 0, sizeof *r);
	if ((in = input_file(c->in, c->inlen)) < 0) {
		ct_warnerr("cannot run %s: its input", path);
		return -1;
	}
	if (pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
		/* Out of descriptors: none may leak, a --follow runs for long. */
		ct_warnerr("cannot run %s: pipe", path);
		close_all(in, pout[0], pout[1]);
		close_all(perr[0], perr[1], -1);
		return -1;
	}
	rc = start(c, &pid, in, pout[1], perr[1]);
	close_all(in, pout[1], perr[1]);
	if (rc == EAGAIN || rc == ENOMEM) {
		close_all(pout[0], perr[0], -1);
		errno = rc;
		ct_warnerr("cannot run %s", path);
		return -1;
	}
	if (rc != 0) {
		/* Said as the program's own last words, exit 127, as sh does. */
		close_all(pout[0], perr[0], -1);
		r->exited = 1;
		r->code = 127;
		say_cannot_start(c, rc, r->err_tail, sizeof r->err_tail);
		memcpy(r->err_text, r->err_tail, sizeof r->err_tail);
		return 0;
	}

	while (pout[0] >= 0 || perr[0] >= 0) {
		struct pollfd fds[2] = {
			{ pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 },
		};
		int64_t left = deadline - monotonic_usec();
		char block[65536];
		ssize_t n;
		int i;

		if (left <= 0) {
			r->timed_out = 1;
			break;
		}
		if (poll(fds, 2, (int)(left / 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			int *fd = i == 0 ? &pout[0] : &perr[0];

			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, block, sizeof block);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			if (i == 1) {
				keep_last_line(r, block, (size_t)n, line,
				    &linelen);
				keep_text(r, block, (size_t)n);
				continue;
			}
			if (got + (size_t)n > c->max_out) {
				r->overflow = 1;
				break;
			}
			got += (size_t)n;
			if (c->out != NULL)
				buf_append(c->out, block, (size_t)n);
		}
		if (r->overflow)
			break;
	}
	if (linelen > 0) {
		memcpy(r->err_tail, line, linelen);
		r->err_tail[linelen] = '\0';
	}
	/*
	 * Whatever is left of its group goes, finished or not; a keeper
	 * does that itself, and exits when it is done.
	 */
	kill(c->fenced ? pid : -pid, c->fenced ? SIGTERM : SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pout[0] >= 0)
		close(pout[0]);
	if (perr[0] >= 0)
		close(perr[0]);
	/* A keeper that kept the timeout first, the caller being slow. */
	if (c->fenced && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
	    monotonic_usec() >= deadline)
		r->timed_out = 1;
	if (WIFEXITED(status) && !r->timed_out && !r->overflow) {
		r->exited = 1;
		r->code = WEXITSTATUS(status);
	} else
		r->code = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
	return 0;
}
