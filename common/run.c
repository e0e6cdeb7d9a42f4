/*
 * run.c: run_program() (run.h). Stdin is a file, whole before the child
 * starts; one poll(2) loop drains stdout and stderr and watches the
 * clock, so a child that writes much, or never ends, cannot wedge the
 * caller. A fenced run is started and ended by the keeper (keeper.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "keeper.h"
#include "run.h"
#include "spawn-child.h"

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

/*
 * Start c: at once, or (fenced) under the keeper. Returns 0, an errno
 * value as spawn_child() does, or -1 if no keeper could be had.
 */
static int
start(const struct child *c, pid_t *pid, int in, int out, int err)
{
	if (c->fenced)
		return keeper_start(c, in, out, err, pid);
	return spawn_child(pid, c, in, out, err, false);
}

int
run_program(const struct child *c, struct run_result *r)
{
	const char *path = c->path;
	int in, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int status, rc;
	int64_t started = monotonic_usec();
	int64_t deadline = started + (int64_t)c->timeout_ms * 1000;
	int64_t next_meanwhile = started + (int64_t)c->meanwhile_ms * 1000;
	bool meanwhile = c->meanwhile != NULL && c->meanwhile_ms > 0;
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
	if (rc == -1 || rc == EAGAIN || rc == ENOMEM) {
		close_all(pout[0], perr[0], -1);
		if (rc != -1)
			errno = rc;
		ct_warnerr("cannot run %s%s", path, rc == -1 ?
		    ": its keeper" : "");
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
		int64_t now = monotonic_usec(), left = deadline - now;
		char block[65536];
		ssize_t n;
		int i;

		if (left <= 0) {
			r->timed_out = 1;
			break;
		}
		if (meanwhile && now >= next_meanwhile) {
			c->meanwhile(c->meanwhile_arg);
			next_meanwhile = now + (int64_t)c->meanwhile_ms * 1000;
		}
		if (meanwhile && next_meanwhile - now < left)
			left = next_meanwhile - now;
		if (poll(fds, 2, poll_timeout_ms(left)) < 0) {
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
	/* Whatever is left of it goes, finished or not. */
	if (c->fenced)
		keeper_end(pid, &status);
	else {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
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
