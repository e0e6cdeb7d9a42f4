/*
 * run.c: run_program() (run.h). One poll(2) loop feeds stdin, drains
 * stdout and stderr, and watches the clock, so a child that writes much
 * before it reads, or that never ends, cannot wedge the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
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
 * tables first. The child gets a process group of its own, so that the
 * timeout kills it and all it started, and SIGPIPE back at its default.
 * Returns 0, or an errno value: the start failed.
 */
static int
spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
    const char *dir, int in, int out, int err)
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
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, out, 1)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, err, 2)) == 0 &&
	    (dir == NULL ||
	    (rc = posix_spawn_file_actions_addchdir_np(&fa, dir)) == 0) &&
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &defaults)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0)
		rc = posix_spawn(pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
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

int
run_program(const struct child *c, struct run_result *r)
{
	const char *path = c->path, *dir = c->dir;
	const void *in = c->in;
	size_t inlen = c->inlen;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int status, rc;
	int64_t deadline = monotonic_usec() + (int64_t)c->timeout_ms * 1000;
	size_t written = 0, got = 0, linelen = 0;
	char line[sizeof r->err_tail];
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (in != NULL ? pipe2(pin, O_CLOEXEC) : (pin[0] = open("/dev/null",
	    O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warnerr("cannot run %s: pipe", path);
		return -1;
	}
	if (pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
		/* Out of descriptors: none may leak, a --follow runs for long. */
		ct_warnerr("cannot run %s: pipe", path);
		close_all(pin[0], pin[1], pout[0]);
		close_all(pout[1], perr[0], perr[1]);
		return -1;
	}
	rc = spawn(&pid, path, c->argv, c->envp, dir, pin[0], pout[1],
	    perr[1]);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (rc == EAGAIN || rc == ENOMEM) {
		close_all(pin[1], pout[0], perr[0]);
		errno = rc;
		ct_warnerr("cannot run %s", path);
		return -1;
	}
	if (rc != 0) {
		/* Said as the program's own last words, exit 127, as sh does. */
		close_all(pin[1], pout[0], perr[0]);
		r->exited = 1;
		r->code = 127;
		if (dir != NULL && access(dir, X_OK) != 0)
			snprintf(r->err_tail, sizeof r->err_tail,
			    "cannot enter %s: %s", dir, strerror(errno));
		else
			snprintf(r->err_tail, sizeof r->err_tail,
			    "cannot run %s: %s", path, strerror(rc));
		memcpy(r->err_text, r->err_tail, sizeof r->err_tail);
		return 0;
	}
	if (in == NULL || inlen == 0) {
		if (pin[1] >= 0)
			close(pin[1]);
		pin[1] = -1;
	} else
		fcntl(pin[1], F_SETFL, O_NONBLOCK);

	while (pout[0] >= 0 || perr[0] >= 0) {
		struct pollfd fds[3] = {
			{ pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 },
			{ pin[1], POLLOUT, 0 },
		};
		int64_t left = deadline - monotonic_usec();
		char block[65536];
		ssize_t n;
		int i;

		if (left <= 0) {
			r->timed_out = 1;
			break;
		}
		if (poll(fds, 3, (int)(left / 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
			n = write(pin[1], (const char *)in + written,
			    inlen - written);
			if (n > 0)
				written += (size_t)n;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				written = inlen;	/* it stopped reading */
			if (written >= inlen) {
				close(pin[1]);
				pin[1] = -1;
			}
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
	/* Whatever is left of its group goes, finished or not. */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pout[0] >= 0)
		close(pout[0]);
	if (perr[0] >= 0)
		close(perr[0]);
	if (pin[1] >= 0)
		close(pin[1]);
	if (WIFEXITED(status) && !r->timed_out && !r->overflow) {
		r->exited = 1;
		r->code = WEXITSTATUS(status);
	} else
		r->code = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
	return 0;
}
