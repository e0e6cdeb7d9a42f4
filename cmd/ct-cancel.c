/*
 * ct-cancel: withdraw jobs, as the paper's caller does when its own
 * resources become free. A New job fails at once, with the reason
 * "cancelled by its owner"; for a job in flight the request is left in
 * cancel/ID and ct-dispatch, at its next pass, cancels the work at the
 * provider (where the provider allows) and fails the job the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"

static const char usage[] =
    "usage: ct-cancel [-S spool] id ...\n";

static const char help[] =
    "Withdraw jobs: a New job fails at once, a job in flight at the\n"
    "dispatcher's next pass, with the reason \"cancelled by its owner\".\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 cancelled or requested, 4 not found, 5 already\n"
    "finished (nothing to withdraw).\n";

/*
 * The state job j, found in state s, is settled in. A record in
 * processing/ whose last event is final is as good as moved on: a crash
 * or a full disk came between the final record and its rename, which the
 * next pass makes (cputorrent-spool(5), Crashes), and no cancel can
 * change it any more.
 */
static enum job_state
settled(const struct job *j, enum job_state s)
{
	enum job_state last;

	if (s != JOB_PROCESSING || j->nevents == 0)
		return s;
	last = j->events[j->nevents - 1].state;
	return last == JOB_COMPLETED || last == JOB_FAILED ? last : s;
}

/*
 * Leave the request for the dispatcher: an empty file, cancel/ID, made to
 * last. If it cannot be, the request this call made goes again, so that
 * an exit 74 leaves no request that a crash might or might not keep.
 * Asking twice is asking once: an existing request is only synced again.
 */
static int
request(struct spool *sp, const char *id)
{
	int d = spool_dir(sp, SPOOL_CANCEL), fd = -1;
	bool made = true;

	if (d >= 0) {
		fd = openat(d, id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0660);
		/* O_NONBLOCK: a FIFO planted here must not hang us. */
		if (fd < 0 && errno == EEXIST) {
			made = false;
			fd = openat(d, id, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC);
		}
	}
	if (fd < 0 || close(fd) != 0 || dir_sync(d) != 0) {
		ct_warnerr("%s: cannot ask for the cancel", id);
		if (made && d >= 0)
			unlinkat(d, id, 0);
		return -1;
	}
	return 0;
}

/*
 * A New job: claim it as a dispatcher would, then fail it. If a
 * dispatcher claims it first, the request above makes it do the same.
 * Returns 0, or EX_IOERR after a message: the request stands, and
 * ct-dispatch acts on it when it can, but the job is not failed yet.
 */
static int
cancel_new(struct spool *sp, const char *id)
{
	enum spool_lock_result got;
	struct buf rec = { 0 };
	char path[4096];
	struct job j;
	int lock, fd, dd, rc = -1;

	/* A held job is claimed from held/ (ct-hold(1)). */
	if (spool_move(sp, SPOOL_NEW, SPOOL_PROCESSING, id) != 0 &&
	    (errno != ENOENT ||
	    spool_move(sp, SPOOL_HELD, SPOOL_PROCESSING, id) != 0)) {
		/* ENOENT: a dispatcher claimed it; the request will do. */
		if (errno == ENOENT)
			return 0;
		ct_warnerr("%s: cannot claim", id);
		return EX_IOERR;
	}
	/* Busy: a dispatcher found it in processing/ first, and will do. */
	if ((got = spool_lock(sp, id, &lock)) != SPOOL_LOCKED)
		return got == SPOOL_LOCK_BUSY ? 0 : EX_IOERR;
	dd = spool_dir(sp, SPOOL_PROCESSING);
	fd = dd < 0 ? -1 : openat(dd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(path, sizeof path, "%s/processing/%s", sp->path, id);
	if (fd < 0)
		ct_warnerr("cannot open %s", path);
	else if (spool_read_job(fd, path, true, &j) == 0) {
		job_add_event(&j, now_usec(), JOB_FAILED,
		    "cancelled by its owner");
		job_format(&j, j.input, j.input_len, &rec);
		/* spool_replace says why it fails; spool_move does not. */
		rc = spool_replace(sp, SPOOL_PROCESSING, id, rec.data,
		    rec.len);
		if (rc == 0 && (rc = spool_move(sp, SPOOL_PROCESSING,
		    SPOOL_FAILED, id)) != 0)
			ct_warnerr("%s: cannot move to failed", id);
		if (rc == 0) {
			unlinkat(spool_dir(sp, SPOOL_LOCKS), id, 0);
			unlinkat(spool_dir(sp, SPOOL_CANCEL), id, 0);
		}
		buf_free(&rec);
		job_free(&j);
	}
	close(lock);
	return rc == 0 ? 0 : EX_IOERR;
}

/*
 * The job may have finished between the look and the request: then the
 * request is moot; withdraw it and say so. A dispatcher may be in the
 * middle of a step with the job, past its look for requests: wait for the
 * job's lock, so that the step is over and every later one sees the
 * request, and the answer is exact.
 */
static int
finished_meanwhile(struct spool *sp, const char *id)
{
	enum job_state s;
	struct job j;
	int cd, lock = spool_lock_wait(sp, id);

	if (spool_load(sp, id, false, &j, &s) != SPOOL_FOUND) {
		if (lock >= 0)
			close(lock);
		return 0;
	}
	if (lock >= 0) {
		/*
		 * As a dispatcher does: a finished job's lock goes, held; one
		 * still in processing/ keeps it for the pass that moves it.
		 */
		if (s == JOB_COMPLETED || s == JOB_FAILED)
			unlinkat(spool_dir(sp, SPOOL_LOCKS), id, 0);
		close(lock);
	}
	s = settled(&j, s);
	job_free(&j);
	if (s != JOB_COMPLETED)
		return 0;	/* Failed: by this cancel, or as good as */
	if ((cd = spool_dir(sp, SPOOL_CANCEL)) >= 0)
		unlinkat(cd, id, 0);
	ct_warn("%s: job already completed", id);
	return CT_EXIT_FINISHED;
}

/*
 * Withdraw job j, found in state s; returns its exit status, after a
 * message if not 0.
 */
static int
cancel_named(struct spool *sp, struct job *j, enum job_state s, void *ctx)
{
	const char *id = j->id;
	int answer;

	(void)ctx;
	s = settled(j, s);
	if (s == JOB_COMPLETED || s == JOB_FAILED) {
		ct_warn("%s: job already %s", id,
		    s == JOB_COMPLETED ? "completed" : "failed");
		return CT_EXIT_FINISHED;
	}
	/*
	 * The job exists, so the spool does: in a private one, make what a
	 * cancel needs (cancel/, locks/, failed/); a shared one has them
	 * all, and is never extended.
	 */
	sp->create = !privilege_elevated();
	if (request(sp, id) != 0)
		return EX_IOERR;
	if (s == JOB_NEW && (answer = cancel_new(sp, id)) != 0)
		return answer;
	return finished_meanwhile(sp, id);
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	struct poptOption table[] = { CLI_COMMON_OPTIONS };
	const char *const *ids;
	struct spool sp;
	int status;

	privilege_init();
	ct_setprogname(argv[0]);
	ids = cli_parse_ids(&c, argc, argv, table, CLI_SOME_IDS);
	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	/* Each job on its own; the exit status is the highest answer. */
	status = lookup_args(&sp, ids, false, cancel_named, NULL);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
