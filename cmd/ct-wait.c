/*
 * ct-wait: block until every named job is Completed or Failed, or until
 * the timeout. The exit status is what ct-status would say of the jobs at
 * that moment: 0 all completed, 1 some failed, 4 some job does not exist;
 * after a timeout, 2 or 3, as the jobs left are processing or new, even
 * if some job was not found: that the wait ended unfinished is what a
 * script must not miss. The jobs left are then named on standard output,
 * one ID a line, for the next command (ct-cancel -, say).
 *
 * It watches completed/ and failed/ with inotify and rereads only the job
 * an event names, so waiting for ten thousand jobs costs one lookup per
 * job that finishes. inotify does not see changes made by other hosts on
 * NFS, so every job is also looked at again on a slow timer.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"

static const char usage[] =
    "usage: ct-wait [-q] [-S spool] [-t seconds] id ...\n";

static const char help[] =
    "Wait until every job is Completed or Failed.\n"
    "  -q           no progress line, no messages, no IDs left\n"
    "  -S spool     spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -t seconds   give up after this long (fractions allowed)\n"
    "  -h, -V       help, version\n"
    "  id -         the job IDs on standard input, as ct-submit prints them\n"
    "On a timeout, the IDs of the jobs not finished go to standard output.\n"
    "Exit status: 0 all completed, 1 some failed, 2 or 3 timed out with\n"
    "jobs processing or new (even if some was not found), 4 some job not\n"
    "found.\n";

/* How often every job is looked at again, with and without inotify. */
#define RESCAN_INOTIFY_USEC (5 * 1000000)
#define RESCAN_POLL_USEC (1 * 1000000)

struct waited {
	const char *id;
	int code;		/* exit code for its current state */
	int done;		/* terminal, or not found */
	int named;		/* printed as unfinished */
};

struct wait {
	struct spool *sp;
	struct waited *jobs;	/* sorted by ID, for events */
	size_t n, finished, completed, failed, missing;
	int progress, quiet;
	int64_t start;
};

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct waited *)a)->id,
	    ((const struct waited *)b)->id);
}

/* Look at one job again; -1 on a spool error. */
static int
refresh(struct wait *w, struct waited *job)
{
	enum job_state s;
	struct job j;
	int answer;

	if (job->done)
		return 0;
	answer = lookup_job(w->sp, job->id, w->quiet, &j, &s);
	if (answer == CT_EXIT_NOTFOUND) {
		job->code = CT_EXIT_NOTFOUND;
		job->done = 1;
		w->missing++;
		w->finished++;
		return 0;
	}
	if (answer != 0)
		return -1;
	job_free(&j);
	job->code = job_state_exit(s);
	if (s == JOB_COMPLETED || s == JOB_FAILED) {
		job->done = 1;
		w->finished++;
		if (s == JOB_COMPLETED)
			w->completed++;
		else
			w->failed++;
	}
	return 0;
}

static int
refresh_all(struct wait *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (refresh(w, &w->jobs[i]) != 0)
			return -1;
	return 0;
}

static void
show_progress(const struct wait *w, int last)
{
	long secs = (long)((monotonic_usec() - w->start) / 1000000);

	if (!w->progress)
		return;
	fprintf(stderr, "\r%s: %zu of %zu finished (%zu completed, %zu "
	    "failed%s), %zu waiting, %ld:%02ld\033[K%s", ct_progname,
	    w->finished, w->n, w->completed, w->failed,
	    w->missing ? ", some not found" : "", w->n - w->finished,
	    secs / 60, secs % 60, last ? "\n" : "");
}

/*
 * After a timeout: the IDs of the jobs not finished on standard output, in
 * the order given, each once. Returns the exit status they answer for.
 */
static int
name_unfinished(struct wait *w, const char *const *ids)
{
	int status = CT_EXIT_COMPLETED;
	size_t i;

	for (i = 0; ids[i] != NULL; i++) {
		struct waited key = { .id = ids[i] }, *job;

		job = bsearch(&key, w->jobs, w->n, sizeof *w->jobs, by_id);
		if (job == NULL || job->done || job->named)
			continue;
		job->named = 1;
		if (!w->quiet)
			puts(job->id);
		if (job->code > status)
			status = job->code;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		return EX_IOERR;
	}
	return status;
}

/* Watch completed/ and failed/; -1 if inotify cannot be had. */
static int
watch_terminal_dirs(struct spool *sp)
{
	static const enum spool_dir dirs[] = { SPOOL_COMPLETED, SPOOL_FAILED };
	char path[4096];
	size_t i;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), watched = 0;

	if (fd < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", sp->path,
		    spool_dir_name(dirs[i]));
		if (inotify_add_watch(fd, path, IN_MOVED_TO | IN_CREATE |
		    IN_ONLYDIR) >= 0)
			watched++;
	}
	if (watched < 2) {
		/* Not there yet: the timer will find the jobs. */
		close(fd);
		return -1;
	}
	return fd;
}

/* Refresh the jobs that inotify events on fd name. */
static int
handle_events(struct wait *w, int fd)
{
	char events[16384] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	ssize_t n;

	while ((n = read(fd, events, sizeof events)) > 0) {
		char *p = events;

		while (p < events + n) {
			struct inotify_event *ev = (struct inotify_event *)p;
			struct waited key, *hit;

			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW)
				return refresh_all(w);
			if (ev->len == 0)
				continue;
			key.id = ev->name;
			hit = bsearch(&key, w->jobs, w->n, sizeof *w->jobs,
			    by_id);
			if (hit != NULL && refresh(w, hit) != 0)
				return -1;
		}
	}
	return 0;
}

/* The jobs to wait for, sorted by ID for events, each one once. */
static void
collect_jobs(struct wait *w, const char *const *ids)
{
	size_t i, j;

	for (w->n = 0; ids[w->n] != NULL; w->n++)
		;
	w->jobs = xcalloc(w->n, sizeof *w->jobs);
	for (i = 0; i < w->n; i++)
		w->jobs[i].id = ids[i];
	qsort(w->jobs, w->n, sizeof *w->jobs, by_id);
	/* An ID named twice is one job: keep one entry, or events miss one. */
	for (i = 1, j = 1; i < w->n; i++)
		if (strcmp(w->jobs[i].id, w->jobs[j - 1].id) != 0)
			w->jobs[j++] = w->jobs[i];
	if (w->n > 0)
		w->n = j;
}

/*
 * Sleep until an event on ifd (if >= 0), the next rescan, the deadline
 * (0: none) or, on a terminal, the next redraw of the clock. Returns 0,
 * or -1 after a message.
 */
static int
sleep_until_news(const struct wait *w, int ifd, int64_t next_rescan,
    int64_t deadline, struct pollfd *pfd)
{
	int64_t now = monotonic_usec(), wake = next_rescan;
	int ms;

	if (deadline != 0 && deadline < wake)
		wake = deadline;
	if (w->progress && wake > now + 1000000)
		wake = now + 1000000;
	ms = poll_timeout_ms(wake - now);
	*pfd = (struct pollfd){ ifd, POLLIN, 0 };
	if (poll(pfd, ifd >= 0 ? 1 : 0, ms) < 0 && errno != EINTR) {
		ct_warnerr("poll");
		return -1;
	}
	return 0;
}

/*
 * Look at the jobs until all are finished or the deadline (0: none)
 * passes. Returns 0, or the exit status of an error, after a message.
 */
static int
wait_for_jobs(struct wait *w, int64_t deadline)
{
	/* Watch before the first look, so no change falls between them. */
	int ifd = watch_terminal_dirs(w->sp), rc = 0;
	int64_t rescan = ifd >= 0 ? RESCAN_INOTIFY_USEC : RESCAN_POLL_USEC;
	int64_t next_rescan = 0;
	struct pollfd pfd;

	while (rc == 0 && w->finished < w->n) {
		if (monotonic_usec() >= next_rescan) {
			if (ifd < 0 && (ifd = watch_terminal_dirs(w->sp)) >= 0)
				rescan = RESCAN_INOTIFY_USEC;
			if (refresh_all(w) != 0) {
				rc = EX_IOERR;
				break;
			}
			next_rescan = monotonic_usec() + rescan;
			if (w->finished == w->n)
				break;
		}
		show_progress(w, 0);
		if (deadline != 0 && monotonic_usec() >= deadline)
			break;
		if (sleep_until_news(w, ifd, next_rescan, deadline, &pfd) != 0)
			rc = EX_OSERR;
		else if (ifd >= 0 && (pfd.revents & POLLIN) &&
		    handle_events(w, ifd) != 0)
			rc = EX_IOERR;
	}
	if (ifd >= 0)
		close(ifd);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	char *timeout_arg = NULL;
	struct wait w = { 0 };
	struct poptOption table[] = {
		CLI_FLAG('q', "quiet", &w.quiet),
		CLI_STRING('t', "timeout", &timeout_arg, 0),
		CLI_COMMON_OPTIONS
	};
	const char *const *ids;
	struct spool sp;
	double timeout = -1;
	int64_t deadline = 0;
	size_t i;
	int status;

	privilege_init();
	ct_setprogname(argv[0]);
	ids = cli_parse_ids(&c, argc, argv, table, CLI_SOME_IDS);
	if (timeout_arg != NULL && parse_seconds(timeout_arg, &timeout) != 0)
		cli_usage_error(&c, "-t %s: not a number of seconds",
		    timeout_arg);
	collect_jobs(&w, ids);
	w.progress = !w.quiet && isatty(STDERR_FILENO);
	w.start = monotonic_usec();
	/* Beyond thirty years, a timeout is no timeout (and would overflow). */
	if (timeout >= 0 && timeout <= 1e9)
		deadline = w.start + (int64_t)(timeout * 1e6);

	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	w.sp = &sp;
	if ((status = wait_for_jobs(&w, deadline)) == 0) {
		show_progress(&w, 1);
		for (i = 0; i < w.n; i++)
			if (w.jobs[i].code > status)
				status = w.jobs[i].code;
		if (w.finished < w.n) {
			if (!w.quiet)
				ct_warn("timed out: %zu of %zu jobs not "
				    "finished%s", w.n - w.finished, w.n,
				    w.missing ? ", and some not found" : "");
			status = name_unfinished(&w, ids);
		}
	}
	free(w.jobs);
	free(timeout_arg);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
