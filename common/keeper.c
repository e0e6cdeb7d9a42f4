/*
 * keeper.c: the keeper of fenced runs (keeper.h).
 *
 * The protocol, over a SOCK_SEQPACKET pair, one run at a time:
 *   caller: start   a struct start_head, then NUL-terminated strings (the
 *                   path, the directory if any, argv, envp), with four
 *                   descriptors (SCM_RIGHTS): in, out, err, the fence
 *   keeper: a struct reply: rc 0 and the program's PID, or the errno value
 *                   of its start (and the run is over)
 *   caller: end     one byte, once the caller is done with the run
 *   keeper: a struct reply: rc 0 and the program's wait status
 * End of file on the socket is the caller gone: the keeper finishes the
 * run it has, if any, and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "account.h"
#include "err.h"
#include "keeper.h"
#include "spawn-child.h"
#include "util.h"

/*
 * How long after the caller's the keeper's own timeout comes: a caller
 * that lives sees its own timeout first, and says so, rather than a
 * program killed by a signal from nowhere.
 */
#define KEEPER_GRACE_USEC 500000

#define MSG_MAX (160 * 1024)	/* a start, its strings and all: under
				   the socket's default send buffer */
#define STRINGS_MAX 4096	/* argv and envp, together */

enum { FD_IN, FD_OUT, FD_ERR, FD_FENCE, NFDS };

struct start_head {
	int64_t timeout_ms;
	uint32_t argc, envc, has_dir;
	uint32_t has_account;	/* then the program runs as account */
	struct account account;
};

struct reply {
	int32_t rc;
	int32_t value;		/* the PID, or the wait status */
};

/* ---- in the keeper ------------------------------------------------------ */

static int chld_fd = -1;	/* a signalfd for SIGCHLD */

/* Reap every child that has ended; *status gets w's, if w was one. */
static void
reap(pid_t w, int *status, bool *w_done)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == w) {
			*status = st;
			*w_done = true;
		}
}

/* Wait at most ms for a child to end (-1: without end); then reap. */
static void
await_child(int ms, pid_t w, int *status, bool *w_done)
{
	struct pollfd p = { chld_fd, POLLIN, 0 };
	struct signalfd_siginfo si;

	if (poll(&p, 1, ms) > 0)
		while (read(chld_fd, &si, sizeof si) > 0)
			;
	reap(w, status, w_done);
}

/*
 * Kill what is left of session sid, whose first group is sid: the group,
 * and any child of ours (we are the subreaper, so every orphan of the
 * session comes to us) still in the session, whatever its group. The
 * work a program detached into a session of its own is not the run's,
 * and is left alone. Returns true when nothing of the session is left.
 */
static bool
kill_session(pid_t sid)
{
	char path[64], buf[4096];
	bool left = kill(-sid, SIGKILL) == 0;
	size_t have = 0;
	ssize_t n;
	int fd;

	/* Every child, however many: detached work of earlier runs too. */
	snprintf(path, sizeof path, "/proc/self/task/%ld/children",
	    (long)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return !left;
	while ((n = read(fd, buf + have, sizeof buf - 1 - have)) > 0) {
		char *p = buf, *end;

		have += (size_t)n;
		buf[have] = '\0';
		for (;;) {
			long pid = strtol(p, &end, 10);

			/* A number the buffer may have cut waits for more. */
			if (end == p || *end == '\0')
				break;
			p = end;
			if (pid > 0 && getsid((pid_t)pid) == sid) {
				kill((pid_t)pid, SIGKILL);
				left = true;
			}
		}
		have = strlen(p);
		memmove(buf, p, have + 1);
	}
	close(fd);
	if (have > 0) {
		long pid = strtol(buf, NULL, 10);

		if (pid > 0 && getsid((pid_t)pid) == sid) {
			kill((pid_t)pid, SIGKILL);
			left = true;
		}
	}
	return !left;
}

/*
 * The run is over: nothing of session w may outlive the fence. What has
 * ended is reaped first, since a zombie still counts as a member of its
 * group.
 */
static void
end_session(pid_t w, int *status, bool *w_done, int *fence)
{
	reap(w, status, w_done);
	while (!kill_session(w))
		await_child(1, w, status, w_done);
	while (!*w_done && waitpid(w, status, 0) < 0 && errno == EINTR)
		;
	if (!*w_done)
		*status = SIGKILL;	/* as if killed: it was, at the end */
	*w_done = true;
	close(*fence);
	*fence = -1;
}

static void
close_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void
reply(int sock, int32_t rc, int32_t value)
{
	struct reply r = { rc, value };

	(void)send(sock, &r, sizeof r, MSG_NOSIGNAL);
}

/*
 * The run a start's message asks for, into c: its strings point into msg.
 * Returns 0, or an errno value for a malformed message.
 */
static int
parse_start(char *msg, size_t len, struct child *c)
{
	static char *argv[STRINGS_MAX + 1], *envp[STRINGS_MAX + 1];
	static struct start_head h;
	char *p = msg + sizeof h, *end = msg + len, *s;
	uint32_t i, n;

	if (len < sizeof h)
		return EINVAL;
	memcpy(&h, msg, sizeof h);
	if (h.argc == 0 || h.argc > STRINGS_MAX || h.envc > STRINGS_MAX)
		return E2BIG;
	memset(c, 0, sizeof *c);
	c->timeout_ms = h.timeout_ms;
	if (h.has_account) {
		if (h.account.ngroups < 0 ||
		    h.account.ngroups > ACCOUNT_MAX_GROUPS)
			return EINVAL;
		c->as = &h.account;
	}
	c->argv = argv;
	c->envp = envp;
	n = 1 + (h.has_dir != 0) + h.argc + h.envc;
	for (i = 0; i < n; i++) {
		char *nul = memchr(p, '\0', (size_t)(end - p));

		if (nul == NULL)
			return EINVAL;
		s = p;
		p = nul + 1;
		if (i == 0)
			c->path = s;
		else if (h.has_dir && i == 1)
			c->dir = s;
		else if (i < 1 + (h.has_dir != 0) + h.argc)
			argv[i - 1 - (h.has_dir != 0)] = s;
		else
			envp[i - 1 - (h.has_dir != 0) - h.argc] = s;
	}
	argv[h.argc] = NULL;
	envp[h.envc] = NULL;
	return 0;
}

/*
 * Serve one run, from its start to its end. Returns false if the caller
 * has gone meanwhile, once nothing of the run is left.
 */
static bool
serve_run(int sock, char *msg, size_t len, int *fds)
{
	struct child c;
	int64_t deadline;
	int status = 0, rc;
	bool caller = true, over = false, asked = false, w_done = false;
	pid_t w;

	if ((rc = parse_start(msg, len, &c)) != 0 ||
	    (rc = spawn_child(&w, &c, fds[FD_IN], fds[FD_OUT], fds[FD_ERR],
	    true)) != 0) {
		close_fds(fds, NFDS);
		reply(sock, rc, 0);
		return true;
	}
	close_fds(fds, FD_FENCE);
	reply(sock, 0, (int32_t)w);
	deadline = monotonic_usec() + (int64_t)c.timeout_ms * 1000 +
	    KEEPER_GRACE_USEC;
	while (!over || (caller && !asked)) {
		struct pollfd p[2] = {
			{ chld_fd, POLLIN, 0 }, { caller ? sock : -1, POLLIN, 0 },
		};
		int64_t left = deadline - monotonic_usec();

		if (!over && left <= 0) {
			end_session(w, &status, &w_done, &fds[FD_FENCE]);
			over = true;
			continue;
		}
		if (poll(p, 2, over ? -1 : poll_timeout_ms(left)) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			await_child(0, w, &status, &w_done);
			/* Ended: what it left of its session goes with it. */
			if (w_done && !over) {
				end_session(w, &status, &w_done,
				    &fds[FD_FENCE]);
				over = true;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char b;
			ssize_t n = recv(sock, &b, 1, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				caller = false;
			else
				asked = true;
			if (asked && !over) {
				end_session(w, &status, &w_done,
				    &fds[FD_FENCE]);
				over = true;
			}
		}
	}
	if (caller)
		reply(sock, 0, status);
	return caller;
}

/* Receive a start: its bytes in msg, its descriptors in fds. */
static ssize_t
receive(int sock, char *msg, size_t max, int *fds)
{
	union {
		char buf[CMSG_SPACE(NFDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { msg, max };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n;
	int i;

	for (i = 0; i < NFDS; i++)
		fds[i] = -1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(NFDS * sizeof(int)))
			memcpy(fds, CMSG_DATA(cm), NFDS * sizeof(int));
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
		errno = E2BIG;
	else if (fds[NFDS - 1] < 0)
		errno = EINVAL;
	else
		return n;
	return -2;
}

/* The keeper's life, in the child of a fork: it never returns. */
static void __attribute__((__noreturn__))
keeper_main(int sock)
{
	static char msg[MSG_MAX];
	bool ignored = false;
	sigset_t chld;
	int fds[NFDS];

	/* Nothing of the caller's but the socket and stderr. */
	if (sock != 3) {
		dup2(sock, 3);
		sock = 3;
	}
	close_range(0, 1, 0);
	close_range(4, ~0U, 0);
	prctl(PR_SET_NAME, "ct-keeper");
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* A terminal's signals are for the caller; a run ends by itself. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if ((chld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		_exit(71);
	for (;;) {
		struct pollfd p[2] = {
			{ chld_fd, POLLIN, 0 }, { sock, POLLIN, 0 },
		};
		ssize_t n;
		int status;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN)	/* detached work that ended */
			await_child(0, -1, &status, &ignored);
		if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((n = receive(sock, msg, sizeof msg, fds)) == 0 || n == -1)
			_exit(0);	/* the caller is gone */
		if (n == -2) {
			close_fds(fds, NFDS);
			reply(sock, errno, 0);
		} else if (n > 0 && !serve_run(sock, msg, (size_t)n, fds))
			_exit(0);
	}
}

/* ---- in the caller ------------------------------------------------------ */

static pid_t keeper_pid = -1;
static int keeper_sock = -1;

static int
keeper_up(void)
{
	int sv[2], e;
	pid_t p;

	if (keeper_sock >= 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if ((p = fork()) < 0) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	if (p == 0)
		keeper_main(sv[1]);
	close(sv[1]);
	keeper_pid = p;
	keeper_sock = sv[0];
	return 0;
}

/* The keeper cannot be talked to: it goes, and the next run forks anew. */
static void
keeper_lost(void)
{
	close(keeper_sock);
	keeper_sock = -1;
	kill(keeper_pid, SIGKILL);
	while (waitpid(keeper_pid, NULL, 0) < 0 && errno == EINTR)
		;
	keeper_pid = -1;
}

static int
await_reply(struct reply *r)
{
	ssize_t n;

	while ((n = recv(keeper_sock, r, sizeof *r, 0)) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof *r)
		return 0;
	if (n >= 0)
		errno = EPIPE;
	return -1;
}

/* Append s and its NUL to msg at *len; false if it does not fit. */
static bool
put(char *msg, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > MSG_MAX - *len)
		return false;
	memcpy(msg + *len, s, n);
	*len += n;
	return true;
}

/* The start message for c in msg; its length, or 0 if it is too big. */
static size_t
start_message(const struct child *c, char *msg)
{
	struct start_head h = { .timeout_ms = c->timeout_ms,
	    .has_dir = c->dir != NULL, .has_account = c->as != NULL };
	size_t len = sizeof h, i;
	bool fits = put(msg, &len, c->path) &&
	    (c->dir == NULL || put(msg, &len, c->dir));

	for (i = 0; fits && c->argv[i] != NULL; i++, h.argc++)
		fits = put(msg, &len, c->argv[i]);
	for (i = 0; fits && c->envp != NULL && c->envp[i] != NULL; i++,
	    h.envc++)
		fits = put(msg, &len, c->envp[i]);
	if (!fits || h.argc + h.envc + 2 > STRINGS_MAX)
		return 0;
	if (c->as != NULL)
		h.account = *c->as;
	memcpy(msg, &h, sizeof h);
	return len;
}

int
keeper_start(const struct child *c, int in, int out, int err, pid_t *pid)
{
	static char msg[MSG_MAX];
	int fds[NFDS] = { in, out, err, c->fence_fd };
	union {
		char buf[CMSG_SPACE(NFDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { 0 };
	struct iovec iov;
	struct cmsghdr *cm;
	struct reply r;
	size_t len = start_message(c, msg);
	int tries;

	if (len == 0)
		return E2BIG;
	iov.iov_base = msg;
	iov.iov_len = len;
	memset(&u, 0, sizeof u);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	/* A keeper found dead before the start is replaced, once. */
	for (tries = 0;; tries++) {
		ssize_t n;

		if (keeper_up() != 0)
			return -1;
		while ((n = sendmsg(keeper_sock, &mh, MSG_NOSIGNAL)) < 0 &&
		    errno == EINTR)
			;
		if (n == (ssize_t)len)
			break;
		if (n >= 0 || tries > 0 || (errno != EPIPE &&
		    errno != ECONNRESET)) {
			if (n >= 0)
				errno = EPIPE;
			return -1;
		}
		keeper_lost();
	}
	/* Lost after the start was sent: the program may run, unfenced. */
	if (await_reply(&r) != 0) {
		int e = errno;

		keeper_lost();
		errno = e;
		return -1;
	}
	if (r.rc != 0)
		return r.rc;
	*pid = (pid_t)r.value;
	return 0;
}

int
keeper_end(pid_t pid, int *status)
{
	struct reply r;
	char end = 'e';

	if (send(keeper_sock, &end, 1, MSG_NOSIGNAL) == 1 &&
	    await_reply(&r) == 0) {
		*status = r.value;
		return 0;
	}
	ct_warnerr("the keeper of fenced runs is lost");
	kill(-pid, SIGKILL);
	keeper_lost();
	*status = SIGKILL;
	return -1;
}
