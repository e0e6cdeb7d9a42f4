/*
 * local: the wrapper (ct-wrapper(7)) that runs a server's configured
 * command on this host, detached from ct-dispatch so that the work
 * survives the dispatcher's exit.
 *
 *   local submit [key=value ...] <input   start the command; print a handle
 *   local poll HANDLE                     running, done, or failed REASON
 *   local fetch HANDLE                    the result, on standard output
 *   local cancel HANDLE                   stop the command
 *   local check                           the command's program and the
 *                                         BLAST databases found here
 *
 * The server's parameter "command" is a list of words separated by blanks:
 * no quoting and never a shell, so no job data can become shell syntax.
 * The words {input}, {output} and {database} are replaced by the input
 * file, the output file and the database's path (parameter
 * "database.NAME" for a job's database NAME, else "database"). Job options
 * whose keys the parameter "options" lists are appended as "-key value".
 * Without an {output} word the command's standard output is the result.
 * The command runs in the work directory with the wrapper's environment,
 * which ct-dispatch has reduced to the contract's, and stdin /dev/null.
 *
 * Each submission has a run directory of its own, $CT_WORKDIR/run.TOKEN,
 * TOKEN 32 random hexadecimal digits, and the handle is TOKEN: it names
 * that run and nothing else, so no output, status or monitor of another
 * attempt (or of an orphaned monitor of the same one) can be taken for
 * it. The run directory holds input.fa, output, stdout, stderr, status
 * and "monitor", the monitor's pid, start time in clock ticks and the
 * boot id: a pid reused by another process, before or after a reboot, is
 * never taken for the monitor.
 *
 * submit is idempotent per attempt (CT_JOB_ID, CT_SERVER, CT_ATTEMPT):
 * it forks a monitor, which leads a new session (so cancel can signal
 * the monitor and the command as one process group) and waits; submit
 * writes the run's "monitor" file, then the handle in $CT_WORKDIR/
 * submitted (statefile.h), then lets the monitor go. The monitor runs
 * the command only if the record names its run, so a submit killed at
 * any instant leaves either no record and no command, or a record and
 * its command; a repeated submit that finds the record prints its handle
 * and starts nothing. The monitor runs the command in the run directory,
 * waits for it, makes its output last (fsync) and only then records how
 * it ended in status, atomically: "done" is never said of an output
 * still being written.
 *
 * Only the output and status are made to last a crash of the host
 * (fsync). The rest of a run (input.fa, monitor, batch, submitted) is
 * written whole but for this boot alone: a restart ends the run whatever
 * those files say (the monitor file names the boot, and poll then says
 * "failed lost"), so making them last would only cost two fsyncs a file
 * at every submit.
 *
 * Exit status, as the contract says: 64 usage (bad verb, bad handle,
 * missing environment), 65 the job's input or options refused, 69 this
 * server cannot do the job (database not offered; no result to fetch),
 * 74 an I/O error, 75 try again later, 78 the server's parameters are
 * wrong (no command, or one that is not an executable). Messages are
 * "local: ..." on standard error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "err.h"
#include "exitcodes.h"
#include "fasta.h"
#include "lastline.h"
#include "reportsplit.h"
#include "result.h"
#include "spawn-child.h"
#include "statefile.h"
#include "util.h"
#include "wrapper.h"
#include "wrapper-batch.h"

/* The largest input accepted: far above any real query batch. */
#define MAX_INPUT_BYTES (64 * 1024 * 1024)
/* How long cancel waits for SIGTERM to work before SIGKILL. */
#define CANCEL_GRACE_USEC (2 * 1000000)
#define CANCEL_STEP_USEC (50 * 1000)

/* The files in the work directory (the working directory, too). */
#define F_INPUT CMD_INPUT
#define F_OUTPUT CMD_OUTPUT
#define F_STDOUT "stdout"
#define F_STDERR "stderr"
#define F_STATUS "status"
#define F_MONITOR "monitor"
/*
 * In a run of a batch: the run directories of all its jobs, a line each
 * (cancel); in the first job's run directory, the batch's own files.
 */
#define F_BATCH "batch"
#define BATCH_DIR "batch.d"
/* Locked by the monitor for as long as it lives, from any PID namespace. */
#define F_ALIVE "alive"
/* In the work directory: a run's directory, and submit's lock. */
#define RUN_PREFIX "run."
#define F_SUBMIT_LOCK "submit.lock"
/* A handle: this many random bytes, in hexadecimal. */
#define TOKEN_BYTES 16
#define HANDLE_LEN (2 * TOKEN_BYTES)
#define BOOT_ID "/proc/sys/kernel/random/boot_id"

static const char usage[] =
    "usage: local submit [key=value ...] <input\n"
    "       local submit-batch [key=value ...] <manifest\n"
    "       local poll | fetch | cancel handle\n"
    "       local check\n";

/* What submit runs. */
struct launch {
	struct strvec argv;	/* the command line, placeholders replaced */
	char *path;		/* argv[0], resolved through PATH */
	int has_output;		/* the command writes {output} itself */
};

/* Who a run's monitor is: its "monitor" file. */
struct monitor {
	pid_t pid;
	unsigned long long start;	/* clock ticks after boot */
	char boot[64];			/* the boot id it started under */
};

/* What the monitor recorded in the status file. */
enum ending { END_NONE, END_EXIT, END_SIGNAL, END_BAD };

/* The monitor's report to submit if the command could not start. */
struct start_failure {
	int exit_code;		/* submit's: EX_CONFIG, EX_TEMPFAIL, EX_OSERR */
	int err;		/* errno */
};

static noreturn void
usage_error(const char *what)
{
	wrapper_usage_error(usage, what);
}

static void
launch_free(struct launch *l)
{
	strvec_free(&l->argv);
	free(l->path);
}

/*
 * The command line of the server's parameters and the job's options.
 * Returns 0, or after a message the exit status; l then holds nothing.
 */
static int
build_launch(struct launch *l, const char *workdir, int nopts, char **opts)
{
	int rc;

	memset(l, 0, sizeof *l);
	rc = command_expand(workdir, nopts, opts, &l->argv, &l->has_output);
	if (rc == 0)
		rc = command_find(l->argv.v[0], getenv("PATH"), &l->path);
	if (rc != 0)
		launch_free(l);
	return rc;
}

/*
 * Record how the command ended. A full disk is the spool's, not the
 * job's: the monitor waits for space, alive (so poll says running), rather
 * than end without a word and leave the job for lost, until the job's
 * deadline, by which the dispatcher has failed it anyway.
 */
static void
record_ending(enum ending how, int n)
{
	const char *dl = getenv("CT_DEADLINE");
	long long deadline = dl != NULL ? strtoll(dl, NULL, 10) : 0;
	char line[32];
	int len;

	len = snprintf(line, sizeof line, "%s %d\n",
	    how == END_EXIT ? "exit" : "signal", n);
	while (statefile_write(F_STATUS, line, (size_t)len) != 0) {
		if ((errno != ENOSPC && errno != EDQUOT) ||
		    (long long)time(NULL) >= deadline) {
			ct_warnerr("cannot write %s", F_STATUS);
			return;
		}
		sleep(1);
	}
}

/*
 * Close every descriptor from 3 up except keep: nothing the dispatcher
 * left open may outlive submit in the monitor, or the dispatcher would
 * wait for an end of file on its pipes until the command ends.
 */
static void
close_from_3_except(int keep)
{
	long max;
	int fd;

	if ((keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* In the monitor's child: become the command, or tell submit why not. */
static noreturn void
exec_command(struct launch *l, int ready)
{
	struct start_failure f = { EX_CONFIG, 0 };

	spawn_reset_signals();
	execv(l->path, l->argv.v);
	f.err = errno;
	(void)write_all(ready, &f, sizeof f);
	ct_warnerr("cannot run %s", l->path);
	launch_free(l);
	_exit(127);
}

/* The monitor: never returns. Its standard files are already in place. */
static noreturn void
run_monitor(struct launch *l, int ready)
{
	struct start_failure f = { EX_TEMPFAIL, 0 };
	pid_t child, w;
	int status, fd;

	/*
	 * Cancel signals the whole group with SIGTERM; the monitor outlives
	 * it to record how the command ended.
	 */
	signal(SIGTERM, SIG_IGN);
	child = fork();
	if (child == 0)
		exec_command(l, ready);
	if (child < 0) {
		f.err = errno;
		(void)write_all(ready, &f, sizeof f);
		ct_warnerr("cannot fork");
		launch_free(l);
		_exit(1);
	}
	close(ready);
	launch_free(l);
	while ((w = waitpid(child, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		ct_warnerr("cannot wait for the command");
		_exit(1);
	}
	/* "done" promises a result: make it last before saying so. */
	fd = open(F_OUTPUT, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) != 0)
			ct_warnerr("cannot sync %s", F_OUTPUT);
		close(fd);
	}
	if (WIFSIGNALED(status))
		record_ending(END_SIGNAL, WTERMSIG(status));
	else
		record_ending(END_EXIT, WEXITSTATUS(status));
	_exit(0);
}

/*
 * Put fd on target, open across exec. The standard files are always open
 * (see main), so fd is never below 3 and never target.
 */
static int
move_fd(int fd, int target)
{
	if (dup2(fd, target) < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * In the monitor, before it runs anything: a new session, away from
 * ct-dispatch's process group; the standard files; nothing else open.
 */
static void
detach(int fds[3], int ready)
{
	struct start_failure f = { EX_OSERR, 0 };

	if (setsid() < 0 || move_fd(fds[0], STDIN_FILENO) != 0 ||
	    move_fd(fds[1], STDOUT_FILENO) != 0 ||
	    move_fd(fds[2], STDERR_FILENO) != 0) {
		f.err = errno;
		(void)write_all(ready, &f, sizeof f);
		_exit(1);
	}
	close_from_3_except(ready);
}

/*
 * Read field 22 of /proc/PID/stat, the start time in clock ticks since
 * boot, and the state (field 3). The second field, the command name in
 * parentheses, may itself hold spaces and parentheses: count from the
 * last ')'. Returns -1 if there is no such process.
 */
static int
proc_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], line[2048], *p, *end;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	p = strrchr(line, ')');
	if (p == NULL || p[1] != ' ')
		return -1;
	*state = p[2];
	for (field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return -1;
	}
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	if (errno != 0 || end == p + 1 || *end != ' ')
		return -1;
	return 0;
}

/* The boot id of this boot of the host, into out; -1 if unreadable. */
static int
read_boot_id(char *out, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(BOOT_ID, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, out, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return out[0] != '\0' ? 0 : -1;
}

/*
 * Is the monitor a process we can see (and signal): this boot, its pid
 * and start time? A zombie has ended; it only waits to be collected.
 */
static int
monitor_visible(const struct monitor *m)
{
	unsigned long long s;
	char state, boot[sizeof m->boot];

	return read_boot_id(boot, sizeof boot) == 0 &&
	    strcmp(boot, m->boot) == 0 && proc_stat(m->pid, &s, &state) == 0 &&
	    s == m->start && state != 'Z' && state != 'X';
}

/*
 * Is the monitor of the run we are in alive? Seen as a process, or, for a
 * monitor a dispatcher in another PID namespace started (whose pid means
 * nothing here), by the lock it holds on F_ALIVE while it lives.
 */
static int
monitor_alive(const struct monitor *m)
{
	int fd, held;

	if (monitor_visible(m))
		return 1;
	if ((fd = open(F_ALIVE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* In the monitor: hold F_ALIVE of run for as long as it lives. */
static void
hold_alive(const char *run)
{
	char *p = path_join(run, F_ALIVE);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	/* Without it, liveness is told by the pid alone, as before. */
	if (fd >= 0 && flock(fd, LOCK_EX) != 0)
		close(fd);
	free(p);
}

/* The monitor of the run directory we are in; -1 if it has no record. */
static int
read_monitor(struct monitor *m)
{
	struct buf text = { NULL, 0, 0 };
	char pid[32], start[32];
	int64_t p, s;
	int rc = -1;

	/*
	 * A PID as the kernel gives them, read whole: kill(-pid) must name
	 * the monitor's group, never 0 or -1, nor a number that wraps to one.
	 */
	if (statefile_read(F_MONITOR, &text, 4096) == 0 &&
	    statefile_get(text.data, "pid", pid, sizeof pid) == 0 &&
	    statefile_get(text.data, "start", start, sizeof start) == 0 &&
	    statefile_get(text.data, "boot", m->boot, sizeof m->boot) == 0 &&
	    parse_int64(pid, NULL, 1, INT_MAX, &p) == 0 &&
	    parse_int64(start, NULL, 0, INT64_MAX, &s) == 0) {
		m->pid = (pid_t)p;
		m->start = (unsigned long long)s;
		rc = 0;
	}
	buf_free(&text);
	return rc;
}

/* A handle is HANDLE_LEN lower-case hexadecimal digits; nothing else is. */
static void
parse_handle(const char *h)
{
	if (strlen(h) != HANDLE_LEN || h[strspn(h, "0123456789abcdef")] !=
	    '\0')
		usage_error("handle: expected 32 hexadecimal digits");
}

/*
 * Enter the run directory of handle h. Returns 0 and fills m, or 1 if
 * this work directory has no such run (or it has no monitor's record).
 */
static int
enter_run(const char *h, struct monitor *m)
{
	char run[sizeof RUN_PREFIX + HANDLE_LEN];

	snprintf(run, sizeof run, "%s%s", RUN_PREFIX, h);
	if (chdir(run) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		ct_dieerr(EX_IOERR, "cannot enter %s", run);
	}
	return read_monitor(m) == 0 ? 0 : 1;
}

static enum ending
read_ending(int *n)
{
	char line[64], *end;
	const char *num;
	enum ending how;
	ssize_t len;
	long v;
	int fd;

	fd = open(F_STATUS, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return END_NONE;
		ct_dieerr(EX_IOERR, "cannot open %s", F_STATUS);
	}
	len = read(fd, line, sizeof line - 1);
	if (len < 0)
		ct_dieerr(EX_IOERR, "cannot read %s", F_STATUS);
	close(fd);
	line[len] = '\0';
	if (strncmp(line, "exit ", 5) == 0)
		how = END_EXIT, num = line + 5;
	else if (strncmp(line, "signal ", 7) == 0)
		how = END_SIGNAL, num = line + 7;
	else
		return END_BAD;
	if (*num < '0' || *num > '9')
		return END_BAD;
	errno = 0;
	v = strtol(num, &end, 10);
	if (errno != 0 || v > 255 || strcmp(end, "\n") != 0)
		return END_BAD;
	*n = (int)v;
	return how;
}

static void
emit_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the one line poll answers; a failed write is an I/O error. */
static void
emit_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (putchar('\n') == EOF || fflush(stdout) == EOF)
		ct_dieerr(EX_IOERR, "cannot write standard output");
}

/*
 * The run directory, with the job's input, whole, as input.fa: made only
 * once the input is known to be taken. Returns 0, or after a message the
 * exit status.
 */
static int
make_run(const char *workdir, const char *run)
{
	struct buf input = { NULL, 0, 0 };
	char *p = path_join(run, F_INPUT);
	int rc;

	if ((rc = wrapper_read_input(&input, MAX_INPUT_BYTES, NULL)) != 0)
		goto out;
	if (mkdir(run, 0700) != 0) {
		ct_warnerr("cannot make %s/%s", workdir, run);
		rc = EX_IOERR;
	} else if (statefile_write_for_boot(p, input.data, input.len) != 0) {
		ct_warnerr("cannot write %s/%s", workdir, p);
		rc = EX_IOERR;
	}
out:
	free(p);
	buf_free(&input);
	return rc;
}

/* Open run/name as one of the monitor's standard files. */
static int
open_in(const char *run, const char *name, int flags)
{
	char *p = path_join(run, name);
	int fd = open(p, flags, 0600);

	if (fd < 0)
		ct_warnerr("cannot open %s", p);
	free(p);
	return fd;
}

/*
 * The monitor's standard files, opened here so that a failure is
 * submit's to report: -1 after a message.
 */
static int
open_std_files(const struct launch *l, const char *run, int fds[3])
{
	static const int wflags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW;
	const char *out = l->has_output ? F_STDOUT : F_OUTPUT;

	fds[1] = fds[2] = -1;
	if ((fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		ct_warnerr("cannot open /dev/null");
	else if ((fds[1] = open_in(run, out, wflags)) >= 0 &&
	    (fds[2] = open_in(run, F_STDERR, wflags)) >= 0)
		return 0;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return -1;
}

/*
 * In the monitor: wait until submit has recorded a handle, or is gone
 * (end of file either way), and run the command only if the record names
 * this run. So a submit killed before its record leaves no command that
 * no handle names, and one killed after it leaves the command running.
 */
static void
await_record(int gate, unsigned attempt, const char *token, const char *run)
{
	struct start_failure f = { EX_OSERR, 0 };
	char h[HANDLE_LEN + 1], c;

	while (read(gate, &c, 1) < 0 && errno == EINTR)
		;
	if (statefile_submitted_read(attempt, h, sizeof h) != 0 ||
	    strcmp(h, token) != 0)
		_exit(0);
	if (chdir(run) != 0) {
		f.err = errno;
		(void)write_all(gate, &f, sizeof f);
		_exit(1);
	}
}

/*
 * Write the run's "monitor" file for pid, then the handle's record: from
 * then on the run is this attempt's. Returns 0, or -1 after a message.
 */
static int
record_run(const char *run, pid_t pid, unsigned attempt, const char *token)
{
	struct buf text = { NULL, 0, 0 };
	unsigned long long start;
	char boot[64], state, *p = path_join(run, F_MONITOR);
	int rc = -1;

	if (proc_stat(pid, &start, &state) != 0)
		ct_warn("cannot read /proc/%ld/stat", (long)pid);
	else if (read_boot_id(boot, sizeof boot) != 0)
		ct_warnerr("cannot read %s", BOOT_ID);
	else {
		buf_appendf(&text, "pid=%ld\nstart=%llu\nboot=%s\n",
		    (long)pid, start, boot);
		if (statefile_write_for_boot(p, text.data, text.len) != 0)
			ct_warnerr("cannot write %s", p);
		else if (statefile_submitted_write(attempt, token, false) != 0)
			ct_warnerr("cannot write %s", STATEFILE_SUBMITTED);
		else
			rc = 0;
	}
	buf_free(&text);
	free(p);
	return rc;
}

/*
 * Fork a monitor: a socket pair between it and submit, and the command's
 * files fds, which are the child's alone once this returns (closed here).
 * The child, detached, runs child(arg, its end of the socket) and never
 * returns. Returns 0 with the child's PID in *pid and submit's end of the
 * socket in *sock; or, after a message, EX_TEMPFAIL.
 */
static int
fork_monitor(int fds[3], void (*child)(void *, int), void *arg, pid_t *pid,
    int *sock)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		ct_warnerr("cannot make a socket pair");
		close(fds[0]), close(fds[1]), close(fds[2]);
		return EX_TEMPFAIL;
	}
	fflush(NULL);
	if ((*pid = fork()) == 0) {
		close(sv[0]);
		detach(fds, sv[1]);
		child(arg, sv[1]);
	}
	close(sv[1]);
	close(fds[0]), close(fds[1]), close(fds[2]);
	if (*pid < 0) {
		ct_warnerr("cannot fork");
		close(sv[0]);
		return EX_TEMPFAIL;
	}
	*sock = sv[0];
	return 0;
}

/*
 * Let the monitor on sock go (submit's shutdown) and wait until its
 * command has been exec'd (the socket closes on exec). Returns true, with
 * why in *f, if it could not start.
 */
static bool
monitor_failed(int sock, struct start_failure *f)
{
	ssize_t got;

	shutdown(sock, SHUT_WR);
	while ((got = read(sock, f, sizeof *f)) < 0 && errno == EINTR)
		;
	close(sock);
	return got == (ssize_t)sizeof *f;
}

/* What the child of start_monitor() does. */
struct single {
	struct launch *l;
	const char *run, *token;
	unsigned attempt;
};

static noreturn void
single_monitor(void *arg, int ready)
{
	struct single *m = arg;

	hold_alive(m->run);
	await_record(ready, m->attempt, m->token, m->run);
	run_monitor(m->l, ready);
}

/*
 * Fork the monitor, record the run, let the monitor go and wait until
 * the command has been exec'd (the socket closes on exec), so that a
 * handle is only ever given for a command that started. One socket does
 * both: submit's shutdown is the monitor's go, the monitor's report (or
 * end of file) submit's answer. Returns 0, or after a message the exit
 * status.
 */
static int
start_monitor(struct launch *l, const char *run, unsigned attempt,
    const char *token)
{
	struct single m = { l, run, token, attempt };
	struct start_failure f;
	int fds[3], sock, rc;
	pid_t pid;

	if (open_std_files(l, run, fds) != 0)
		return EX_IOERR;
	if ((rc = fork_monitor(fds, single_monitor, &m, &pid, &sock)) != 0)
		return rc;
	rc = record_run(run, pid, attempt, token) == 0 ? 0 : EX_IOERR;
	/* Go; without a record that names it, the monitor just exits. */
	if (!monitor_failed(sock, &f) || rc != 0)
		return rc;
	/* Nothing started: a repeated submit may try again. */
	if (unlink(STATEFILE_SUBMITTED) != 0)
		ct_warnerr("cannot remove %s", STATEFILE_SUBMITTED);
	errno = f.err;
	if (f.exit_code == EX_CONFIG)
		ct_warnerr("cannot run %s", l->path);
	else
		ct_warnerr("cannot start the monitor");
	return f.exit_code;
}

/*
 * Submits of one job in one work directory, one at a time: a dispatcher
 * before attempts could call them side by side. Returns the lock's
 * descriptor, or -1 after a message.
 */
static int
lock_submits(void)
{
	int fd = open(F_SUBMIT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		ct_warnerr("cannot open %s", F_SUBMIT_LOCK);
	else if (flock(fd, LOCK_EX) != 0) {
		ct_warnerr("cannot lock %s", F_SUBMIT_LOCK);
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A new run's token: random, so no other run, here or anywhere, has it. */
static int
new_token(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[TOKEN_BYTES];
	size_t i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		ct_warnerr("cannot get random bytes");
		return -1;
	}
	for (i = 0; i < sizeof r; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[HANDLE_LEN] = '\0';
	return 0;
}

/* A new run of the command for this attempt; its handle in token. */
static int
start_run(const char *workdir, unsigned attempt, int nopts, char **opts,
    char *token)
{
	char run[sizeof RUN_PREFIX + HANDLE_LEN], *dir;
	struct launch l;
	int rc;

	if (new_token(token) != 0)
		return EX_OSERR;
	snprintf(run, sizeof run, "%s%s", RUN_PREFIX, token);
	dir = path_join(workdir, run);
	rc = build_launch(&l, dir, nopts, opts);
	free(dir);
	if (rc != 0)
		return rc;
	if ((rc = make_run(workdir, run)) == 0)
		rc = start_monitor(&l, run, attempt, token);
	launch_free(&l);
	return rc;
}

static int
submit(const char *workdir, int nopts, char **opts)
{
	unsigned attempt = wrapper_attempt();
	char token[HANDLE_LEN + 1];
	int lock, rc = 0;

	if ((lock = lock_submits()) < 0)
		return EX_IOERR;
	/* Unless this attempt's work started already: the same handle. */
	if (!wrapper_submitted(attempt, token, sizeof token))
		rc = start_run(workdir, attempt, nopts, opts, token);
	close(lock);
	if (rc == 0)
		emit_line("%s", token);
	return rc;
}

static int
poll_job(const struct monitor *m)
{
	char line[LAST_LINE_MAX + 1];
	const char *name;
	enum ending how;
	int n = 0;

	if (m == NULL) {
		emit_line("failed lost: no such run in the work directory");
		return 0;
	}
	how = read_ending(&n);
	/* The monitor may have recorded its ending just as it went. */
	if (how == END_NONE && !monitor_alive(m))
		how = read_ending(&n);
	switch (how) {
	case END_NONE:
		if (monitor_alive(m))
			emit_line("running");
		else
			emit_line("failed lost: the command's monitor is "
			    "gone (was the host restarted?)");
		break;
	case END_EXIT:
		if (n == 0 && access(F_OUTPUT, F_OK) == 0) {
			emit_line("done");
			break;
		}
		if (n == 0) {
			emit_line("failed command exited with status 0 but "
			    "wrote no output file");
			break;
		}
		last_line_of(F_STDERR, line);
		emit_line("failed command exited with status %d%s%s", n,
		    line[0] ? ": " : "", line);
		break;
	case END_SIGNAL:
		name = sigabbrev_np(n);
		if (name != NULL)
			emit_line("failed command killed by signal %d (SIG%s)",
			    n, name);
		else
			emit_line("failed command killed by signal %d", n);
		break;
	default:
		emit_line("failed the status file %s is corrupt", F_STATUS);
		break;
	}
	return 0;
}

static int
fetch(const struct monitor *m)
{
	int fd, code = 0;

	if (m == NULL)
		ct_die(EX_UNAVAILABLE, "no result: no such run in the work "
		    "directory");
	switch (read_ending(&code)) {
	case END_NONE:
		if (monitor_alive(m))
			ct_die(EX_TEMPFAIL, "the command is still running");
		ct_die(EX_UNAVAILABLE, "no result: the command's monitor "
		    "is gone");
	case END_EXIT:
		if (code == 0)
			break;
		/* FALLTHROUGH */
	default:
		ct_die(EX_UNAVAILABLE, "no result: the command did not "
		    "succeed");
	}
	fd = open(F_OUTPUT, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			ct_die(EX_UNAVAILABLE, "no result: the command wrote "
			    "no output file");
		ct_dieerr(EX_IOERR, "cannot open %s", F_OUTPUT);
	}
	wrapper_copy_out(fd, F_OUTPUT);
	close(fd);
	return 0;
}

/* Wait up to usec for the monitor to go; 1 if it went. */
static int
wait_gone(const struct monitor *m, long usec)
{
	const struct timespec step = { 0, CANCEL_STEP_USEC * 1000 };
	int64_t until = monotonic_usec() + usec;

	while (monitor_alive(m)) {
		if (monotonic_usec() >= until)
			return 0;
		nanosleep(&step, NULL);
	}
	return 1;
}

/*
 * A job of a batch (F_BATCH in its run directory) is withdrawn alone: its
 * ending recorded, so that the monitor delivers it nothing. Does the
 * batch's run go on for another job, which has not ended?
 */
static bool
batch_goes_on(void)
{
	struct buf list = { NULL, 0, 0 };
	char *line, *nl, *st;
	bool on = false;

	if (statefile_read(F_BATCH, &list, 1024 * 1024) != 0) {
		buf_free(&list);	/* read or not, it was allocated */
		return false;
	}
	if (access(F_STATUS, F_OK) != 0)
		record_ending(END_SIGNAL, SIGTERM);
	for (line = list.data; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		st = path_join(line, F_STATUS);
		/* A run directory removed with its job has ended too. */
		if (access(line, F_OK) == 0 && access(st, F_OK) != 0)
			on = true;
		free(st);
	}
	buf_free(&list);
	return on;
}

/* Nothing to cancel (an unknown run, or one that ended) is 0, too. */
static int
cancel(const struct monitor *m)
{
	pid_t pid;
	int term_worked;

	if (m == NULL || !monitor_alive(m) || batch_goes_on())
		return 0;
	if (!monitor_visible(m))
		ct_die(EX_TEMPFAIL, "the command's monitor runs in another PID "
		    "namespace: cancel it from there");
	pid = m->pid;
	/*
	 * The monitor leads the group: SIGTERM reaches the command and all
	 * it started, and the monitor (which ignores it) records the end.
	 */
	if (kill(-pid, SIGTERM) != 0 && errno != ESRCH)
		ct_dieerr(EX_NOPERM, "cannot signal process group %ld",
		    (long)pid);
	term_worked = wait_gone(m, CANCEL_GRACE_USEC);
	/* Also whatever ignored SIGTERM, monitor or not. */
	if (kill(-pid, SIGKILL) != 0 && errno != ESRCH)
		ct_dieerr(EX_NOPERM, "cannot kill process group %ld",
		    (long)pid);
	if (term_worked)
		return 0;
	if (!wait_gone(m, CANCEL_GRACE_USEC))
		ct_die(EX_TEMPFAIL, "process %ld survives SIGKILL",
		    (long)pid);
	/* The monitor died with the command, before it could say so. */
	if (access(F_STATUS, F_OK) != 0 && errno == ENOENT)
		record_ending(END_SIGNAL, SIGKILL);
	return 0;
}

/* ---- submit-batch: several jobs, one run of the command ---------------- */

/* One job of a batch, as submit-batch and its monitor see it. */
struct member {
	const struct manifest_job *job;
	char token[HANDLE_LEN + 1];
	char *run;		/* absolute: its run directory */
	char query[256];	/* its query's identifier */
	bool started;		/* it has a handle: printed in the answer */
	bool is_new;		/* its run is this call's */
	int dirfd;		/* the monitor's, on run */
};

/* In the monitor: has m's run ended, cancelled (cancel) or gone? */
static bool
member_ended(const struct member *m)
{
	return m->dirfd < 0 || faccessat(m->dirfd, F_STATUS, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0;
}

/* In the monitor: m's run failed, for the reason said on its stderr. */
static void __attribute__((format(printf, 2, 3)))
member_fail(const struct member *m, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int len;

	if (member_ended(m) || fchdir(m->dirfd) != 0)
		return;
	len = snprintf(line, sizeof line, "local: ");
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof line - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof line - 2)
		len = (int)sizeof line - 2;
	line[len++] = '\n';
	(void)statefile_write(F_STDERR, line, (size_t)len);
	record_ending(END_EXIT, 1);
}

/* In the monitor: m's part of the report made its output, then done. */
static void
member_deliver(const struct member *m, const struct buf *part)
{
	if (member_ended(m) || fchdir(m->dirfd) != 0)
		return;
	if (statefile_write(F_OUTPUT, part->data, part->len) != 0) {
		member_fail(m, "cannot write %s: %s", F_OUTPUT,
		    strerror(errno));
		return;
	}
	record_ending(END_EXIT, 0);
}

/*
 * In the monitor: run l in dir with the standard files fds (closed here)
 * and wait for it; ready, if not -1, hears of an exec that failed. Returns
 * its wait status, or -1.
 */
static int
run_and_wait(struct launch *l, const char *dir, int fds[3], int ready)
{
	pid_t child, w;
	int status;

	child = fork();
	if (child == 0) {
		/* Where a run of it alone runs: not a directory since gone. */
		if (chdir(dir) != 0 || setenv("HOME", dir, 1) != 0 ||
		    setenv("TMPDIR", dir, 1) != 0 ||
		    dup2(fds[0], STDIN_FILENO) < 0 ||
		    dup2(fds[1], STDOUT_FILENO) < 0 ||
		    dup2(fds[2], STDERR_FILENO) < 0)
			_exit(127);
		exec_command(l, ready);
	}
	close(fds[0]), close(fds[1]), close(fds[2]);
	/* Its exec closes the child's: submit-batch hears of the start. */
	if (ready >= 0)
		close(ready);
	if (child < 0)
		return -1;
	while ((w = waitpid(child, &status, 0)) < 0 && errno == EINTR)
		;
	return w < 0 ? -1 : status;
}

/*
 * In the monitor: the batch whole failed; each job still wanted gets a
 * run of its own, in its own run directory, as a submit of it alone would
 * have made: one bad query fails only its own job.
 */
static void
run_alone(struct member *ms, size_t n, int nopts, char **opts)
{
	struct launch l;
	int fds[3], status, fd;
	size_t k;

	for (k = 0; k < n; k++) {
		if (!ms[k].is_new || member_ended(&ms[k]))
			continue;
		if (build_launch(&l, ms[k].run, nopts, opts) != 0 ||
		    open_std_files(&l, ms[k].run, fds) != 0) {
			member_fail(&ms[k], "cannot run the command alone");
			continue;
		}
		status = run_and_wait(&l, ms[k].run, fds, -1);
		launch_free(&l);
		if (fchdir(ms[k].dirfd) != 0 || member_ended(&ms[k]))
			continue;
		if ((fd = open(F_OUTPUT, O_RDONLY | O_CLOEXEC)) >= 0) {
			(void)fsync(fd);
			close(fd);
		}
		if (status == -1)
			member_fail(&ms[k], "cannot run the command alone");
		else if (WIFSIGNALED(status))
			record_ending(END_SIGNAL, WTERMSIG(status));
		else
			record_ending(END_EXIT, WEXITSTATUS(status));
	}
}

/*
 * In the monitor: the batch's report split, each job's part its output.
 * Returns 0, or -1 if the report cannot be split at all.
 */
static int
deliver_parts(struct member *ms, size_t n, int outfd)
{
	struct buf report = { NULL, 0, 0 }, *parts = xcalloc(n, sizeof *parts);
	const char **ids = xcalloc(n, sizeof *ids);
	size_t k, m = 0, *index = xcalloc(n, sizeof *index);
	char why[256] = "the batch's output cannot be read";
	int rc = -1;

	for (k = 0; k < n; k++)
		if (ms[k].is_new) {
			index[m] = k;
			ids[m++] = ms[k].query;
		}
	if (lseek(outfd, 0, SEEK_SET) == 0 &&
	    read_bounded(outfd, &report, RESULT_MAX_SIZE) == 0 &&
	    report_split_apart(report.data, report.len, ids, m, parts, why,
	    sizeof why) == 0) {
		rc = 0;
		for (k = 0; k < m; k++) {
			if (parts[k].len > 0)
				member_deliver(&ms[index[k]], &parts[k]);
			else
				member_fail(&ms[index[k]], "no report for query "
				    "%s in the batch's output", ids[k]);
		}
	} else
		ct_warn("the batch's report, split: %s; each job is run alone",
		    why);
	for (k = 0; k < m; k++)
		buf_free(&parts[k]);
	buf_free(&report);
	free(parts);
	free(ids);
	free(index);
	return rc;
}

/*
 * The batch's monitor, never returning: it waits for submit-batch's
 * records, as await_record() does for one job, keeps only the jobs
 * recorded, runs the command once over all their queries, and splits the
 * report; if the run fails as a whole, each job is run alone.
 */
static noreturn void
batch_monitor(struct launch *l, struct member *ms, size_t n, const char *dir,
    int fds[3], int ready, int nopts, char **opts)
{
	char h[HANDLE_LEN + 1], c, *out = path_join(dir, F_OUTPUT);
	int status, outfd;
	size_t k;

	signal(SIGTERM, SIG_IGN);
	for (k = 0; k < n; k++)
		if (ms[k].is_new) {
			hold_alive(ms[k].run);
			ms[k].dirfd = open(ms[k].run, O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC);
		}
	/* The report is read through this, even if dir goes meanwhile. */
	outfd = open(out, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	while (read(ready, &c, 1) < 0 && errno == EINTR)
		;
	for (k = 0; k < n; k++)
		if (ms[k].is_new && (wrapper_batch_enter(ms[k].job) != 0 ||
		    statefile_submitted_read(ms[k].job->attempt, h,
		    sizeof h) != 0 || strcmp(h, ms[k].token) != 0))
			ms[k].is_new = false;	/* not this batch's: no record */
	for (k = 0; k < n && !ms[k].is_new; k++)
		;
	if (k == n)
		_exit(0);
	if (outfd >= 0)
		status = run_and_wait(l, dir, fds, ready);
	else {
		close(ready);	/* submit-batch waits for nothing more */
		status = -1;
	}
	launch_free(l);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    deliver_parts(ms, n, outfd) != 0)
		run_alone(ms, n, nopts, opts);
	_exit(0);
}

/*
 * The batch's directory, inside the first new job's run directory: its
 * query file, every new job's query in turn; and in each new job's run,
 * the list of the batch's runs (cancel). Returns 0, or -1 after a message.
 */
static int
make_batch_dir(struct member *ms, size_t n, const char *dir)
{
	struct buf queries = { NULL, 0, 0 }, runs = { NULL, 0, 0 };
	char *p = path_join(dir, F_INPUT);
	size_t k;
	int rc = -1;

	for (k = 0; k < n; k++) {
		if (!ms[k].is_new)
			continue;
		buf_append(&queries, ms[k].job->input, ms[k].job->input_len);
		if (queries.len > 0 && queries.data[queries.len - 1] != '\n')
			buf_append(&queries, "\n", 1);
		buf_appendf(&runs, "%s\n", ms[k].run);
	}
	if (mkdir(dir, 0700) != 0 || statefile_write_for_boot(p, queries.data,
	    queries.len) != 0)
		ct_warnerr("cannot write %s", p);
	else
		rc = 0;
	for (k = 0; k < n && rc == 0; k++) {
		char *b = path_join(ms[k].run, F_BATCH);

		if (ms[k].is_new &&
		    statefile_write_for_boot(b, runs.data, runs.len) != 0) {
			ct_warnerr("cannot write %s", b);
			rc = -1;
		}
		free(b);
	}
	free(p);
	buf_free(&queries);
	buf_free(&runs);
	return rc;
}

/*
 * The command line of a batch: the server's, and -num_threads from the
 * parameter threads, if it is set. Returns 0, or the exit status.
 */
/* The parameter threads, if it is set: NULL, or EX_CONFIG in *rc. */
static const char *
batch_threads(int *rc)
{
	const char *t = wrapper_param("threads");
	int64_t n;

	*rc = 0;
	if (t != NULL && parse_int64(t, NULL, 1, 1024, &n) != 0) {
		ct_warn("parameter threads: %s is not a number from 1 to 1024",
		    t);
		*rc = EX_CONFIG;
	}
	return t;
}

static int
build_batch_launch(struct launch *l, const char *dir, int nopts, char **opts)
{
	int rc;
	const char *t = batch_threads(&rc);

	if (rc != 0 || (rc = build_launch(l, dir, nopts, opts)) != 0)
		return rc;
	if (t != NULL) {
		strvec_push(&l->argv, "-num_threads");
		strvec_push(&l->argv, t);
	}
	return 0;
}

/* What the child of start_batch() does. */
struct batch_child {
	struct launch *l;
	struct member *ms;
	size_t n;
	const char *dir;
	int nopts;
	char **opts;
};

static noreturn void
batch_child(void *arg, int ready)
{
	struct batch_child *b = arg;
	int fds[3];

	/* The command's files, now 0-2, kept above them for its run. */
	fds[0] = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	fds[1] = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	fds[2] = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	batch_monitor(b->l, b->ms, b->n, b->dir, fds, ready, b->nopts,
	    b->opts);
}

/*
 * Start the batch's monitor for the new jobs of ms, record each job's run
 * (its monitor, then its handle, as start_monitor() does for one), let
 * the monitor go and wait until the command has started. Returns 0, or
 * after a message the exit status; then no job of the batch is recorded.
 */
static int
start_batch(struct member *ms, size_t n, int nopts, char **opts)
{
	struct member *lead = NULL;
	struct start_failure f;
	struct launch l;
	struct batch_child b = { &l, ms, n, NULL, nopts, opts };
	int fds[3], sock, rc;
	char *dir;
	size_t k;
	pid_t pid;

	for (k = 0; k < n && lead == NULL; k++)
		if (ms[k].is_new)
			lead = &ms[k];
	dir = path_join(lead->run, BATCH_DIR);
	b.dir = dir;
	if ((rc = build_batch_launch(&l, dir, nopts, opts)) != 0) {
		free(dir);
		return rc;
	}
	if (make_batch_dir(ms, n, dir) != 0 ||
	    open_std_files(&l, dir, fds) != 0)
		rc = EX_IOERR;
	else
		rc = fork_monitor(fds, batch_child, &b, &pid, &sock);
	launch_free(&l);
	free(dir);
	if (rc != 0)
		return rc;
	for (k = 0; k < n; k++)
		if (ms[k].is_new && wrapper_batch_enter(ms[k].job) == 0 &&
		    record_run(ms[k].run, pid, ms[k].job->attempt,
		    ms[k].token) == 0)
			ms[k].started = true;
	/* Go; the monitor runs the batch of the jobs recorded. */
	if (!monitor_failed(sock, &f))
		return 0;
	/* Nothing started: a repeated submit may try again. */
	for (k = 0; k < n; k++)
		if (ms[k].is_new && ms[k].started &&
		    wrapper_batch_enter(ms[k].job) == 0 &&
		    unlink(STATEFILE_SUBMITTED) != 0)
			ct_warnerr("cannot remove %s", STATEFILE_SUBMITTED);
	errno = f.err;
	ct_warnerr("cannot run the batch's command");
	return f.exit_code;
}

/*
 * Job k of the batch taken on: its earlier handle, if a submit of its
 * attempt recorded one; else a new run directory with its query. Returns
 * 0, or -1 (after a message) to leave the job out of the batch, to be
 * submitted alone.
 */
static int
take_member(struct member *m, int *lock)
{
	char run[sizeof RUN_PREFIX + HANDLE_LEN], *in;
	int rc;

	if (wrapper_batch_enter(m->job) != 0 || (*lock = lock_submits()) < 0)
		return -1;
	if (wrapper_submitted(m->job->attempt, m->token, sizeof m->token)) {
		m->started = true;
		return 0;
	}
	if (new_token(m->token) != 0)
		return -1;
	snprintf(run, sizeof run, "%s%s", RUN_PREFIX, m->token);
	m->run = path_join(m->job->workdir, run);
	in = path_join(m->run, F_INPUT);
	rc = mkdir(m->run, 0700) != 0 || statefile_write_for_boot(in,
	    m->job->input, m->job->input_len) != 0 ? -1 : 0;
	if (rc != 0)
		ct_warnerr("%s: cannot write %s", m->job->id, in);
	free(in);
	(void)fasta_id(m->job->input, m->job->input + m->job->input_len,
	    m->query, sizeof m->query);
	m->is_new = rc == 0;
	return rc;
}

/*
 * submit-batch (ct-wrapper(7), Batches): every job of the manifest that
 * has not started yet is searched by one run of the command, and each
 * job's handle is printed as "ID HANDLE".
 */
static int
submit_batch(int nopts, char **opts)
{
	struct batch_manifest bm;
	struct member *ms;
	int *locks, rc;
	size_t k, fresh = 0;

	if ((rc = wrapper_batch_read(&bm, MAX_INPUT_BYTES)) != 0)
		return rc;
	ms = xcalloc(bm.n, sizeof *ms);
	locks = xcalloc(bm.n, sizeof *locks);
	for (k = 0; k < bm.n; k++) {
		ms[k].job = &bm.jobs[k];
		ms[k].dirfd = locks[k] = -1;
		if (take_member(&ms[k], &locks[k]) == 0 && ms[k].is_new)
			fresh++;
	}
	if (fresh > 0)
		rc = start_batch(ms, bm.n, nopts, opts);
	for (k = 0; k < bm.n; k++) {
		if (rc == 0 && ms[k].started)
			emit_line("%s %s", ms[k].job->id, ms[k].token);
		if (locks[k] >= 0)
			close(locks[k]);
		free(ms[k].run);
	}
	free(ms);
	free(locks);
	wrapper_batch_free(&bm);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *verb, *workdir;
	struct monitor m;
	const struct monitor *run = NULL;

	if (wrapper_batch_verb(argc, argv, usage))
		return submit_batch(argc - 2, argv + 2);
	verb = wrapper_verb(argc, argv, usage, "handle");
	if (strcmp(verb, "check") == 0) {
		wrapper_check_begin();
		(void)command_check(getenv("PATH"));
		(void)batch_threads(&(int){ 0 });
		(void)report_split_check();
		return wrapper_check_end();
	}
	if (strcmp(verb, "submit") != 0)
		parse_handle(argv[2]);
	(void)wrapper_env("CT_JOB_ID");
	workdir = wrapper_enter_workdir();

	if (strcmp(verb, "submit") == 0)
		return submit(workdir, argc - 2, argv + 2);
	if (enter_run(argv[2], &m) == 0)
		run = &m;
	if (strcmp(verb, "poll") == 0)
		return poll_job(run);
	if (strcmp(verb, "fetch") == 0)
		return fetch(run);
	return cancel(run);
}
