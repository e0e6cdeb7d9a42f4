/*
 * ct-dispatch: the paper's Queue Processor. One pass (for cron), or
 * --follow: every New job gets a server by the policy and is submitted
 * through the server's wrapper (ct-wrapper(7), common/contract); jobs in
 * flight are polled, each server's poll interval respected; finished ones
 * are fetched, checked, and completed. A failed or timed-out attempt
 * moves the job to the next server; when none is left, or its deadline
 * passes, the job fails with a reason that tells the caller to run it
 * locally.
 *
 * Any number of dispatchers, overlapping cron runs or on several hosts,
 * may work on one spool: a New job is claimed by renaming it into
 * processing/, which only one of them can do, and a job in flight is
 * driven only by the holder of its lock, locks/ID. A dispatcher killed at
 * any instant leaves every job in one state, its lock released by the
 * kernel, and the next pass carries on from what the job file says.
 *
 * This file holds the dispatcher's decisions; the mechanisms it uses are
 * in common/: the calls in contract.c, the spool in spool*.c, the group
 * commit in commit.c, the policy in policy.c.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <paths.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "account.h"
#include "batchcall.h"
#include "breaker.h"
#include "cli.h"
#include "commit.h"
#include "contract.h"
#include "disabled.h"
#include "err.h"
#include "exitcodes.h"
#include "gate.h"
#include "hedge.h"
#include "intents.h"
#include "job.h"
#include "libexec.h"
#include "offered.h"
#include "policy.h"
#include "purge.h"
#include "quota.h"
#include "privilege.h"
#include "registry.h"
#include "result.h"
#include "route.h"
#include "service.h"
#include "slots.h"
#include "spool.h"
#include "strvec.h"
#include "trust.h"
#include "timefmt.h"

static const char usage[] =
    "usage: ct-dispatch [-finsvx] [-c file] [-S spool]\n";

static const char help[] =
    "Dispatch New jobs to providers and follow them to the end.\n"
    "  -c file         registry (default $CT_CONFIG, else\n"
    "                  " CT_CONFIG_DEFAULT ")\n"
    "  -f, --follow    run passes until stopped by a signal\n"
    "  -i, --init      make the spool if it does not exist\n"
    "  -n, --dry-run   change nothing (with -x: what would happen)\n"
    "  -s, --syslog    log to syslog instead of standard error\n"
    "  -S spool        spool directory (default $CT_SPOOL, else\n"
    "                  " CT_SPOOL_DEFAULT ")\n"
    "  -v, --verbose   log every step, not only what changes a job's fate\n"
    "  -x, --explain   the policy's choice for each New job, and why\n"
    "  -h, -V          help, version\n"
    "Exit status: 0 done, 74 some job could not be written to the spool.\n";

/* Transient failures are retried after this, doubling, up to the cap. */
#define BACKOFF_FIRST_USEC (5 * INT64_C(1000000))
#define BACKOFF_MAX_USEC (300 * INT64_C(1000000))

/* A submitting host's clock may be this much behind before it is clamped. */
#define CLOCK_SLACK_USEC (60 * INT64_C(1000000))

/* So many jobs that could not be written are named, then counted. */
#define UNWRITTEN_NAMED 20

struct dispatcher {
	struct spool sp;
	struct registry reg;
	char *config;			/* -c */
	char *wrapper_dir;		/* absolute */
	/* Whom the wrappers run as (contract_dispatcher_account): NULL, as
	   this process; never root. */
	const struct account *as;
	struct account account;
	char *spool_path;		/* absolute */
	int follow, init_spool, dry_run, explain, verbose, use_syslog;
	unsigned *in_flight;		/* per server, by registry index */
	int64_t *gate_open;		/* per server: no request before */
	bool *out_of_service;		/* per server: ct-providers disable */
	bool looked_at_disabled;	/* since the registry was loaded */
	struct route route;		/* figures, breakers, windows (route.h) */
	struct commit batch;		/* job rewrites not yet committed */
	struct commit results;		/* and results, committed before */
	struct strvec unwritten;	/* this pass's jobs whose step did not
					   last, repeats and all */
	bool spool_failed;		/* some pass had such a job: exit 74 */
	bool cannot_write;		/* this pass: stop claiming, submitting */
	int lock;			/* the lock of the job being driven */
	int64_t wake_usec;		/* the earliest "next" saved this pass */
	int64_t due_usec;		/* the earliest deadline it knows of */
	int64_t retry_after_usec;	/* the last call's retry-after, or 0 */
	bool expiring;			/* in expire_due() */
	struct owed *owed;		/* failed at their deadline, locked, */
	size_t nowed;			/*   their work still to withdraw */
	bool withdrawing;		/* in withdraw_owed() */
	bool withdrawing_work;		/* in withdraw_work() */
	bool hedging;			/* driving a job's second attempt,
					   swapped in (drive_hedge) */
	unsigned begun;			/* jobs begun, not yet counted in
					   state/hedges (hedge.h) */
	char host[256];
};

/* A job given its verdict whose work is still to withdraw, with its lock. */
struct owed {
	struct job j;
	int lock;
};

/* The verdict on a job whose deadline has passed (ct-dispatch(8)). */
#define DEADLINE_PASSED "deadline passed; run it locally"
/* The verdict on a job its owner withdrew (ct-cancel(1)). */
#define CANCELLED "cancelled by its owner"
/* The same for a job its owner held until then (ct-hold(1)). */
#define DEADLINE_PASSED_HELD "deadline passed while held (ct-hold); run " \
	"it locally"

/* SIGTERM and SIGINT: stop after this step; SIGHUP: reload the registry. */
static volatile sig_atomic_t stop_requested, reload_requested;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void __attribute__((format(printf, 3, 4)))
logmsg(struct dispatcher *d, int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	/* Without -v, only what changes a job's fate: a cron mail a day. */
	if (prio >= LOG_INFO && !d->verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (d->use_syslog)
		syslog(prio, "%s", line);
	else
		ct_warn("%s", line);
}

/*
 * May server i take new jobs now: enabled by the registry, and not
 * disabled in the spool (disabled.h) as this pass last looked?
 */
static bool
in_service(const struct dispatcher *d, size_t i)
{
	return d->reg.servers[i].enabled && !d->out_of_service[i];
}

/*
 * Look again at which servers are disabled in the spool, as every pass
 * does, saying when one is taken out of service or put back. What cannot
 * be looked at counts as disabled: jobs wait rather than go to a server
 * an administrator may be working on.
 */
static void
look_at_disabled(struct dispatcher *d)
{
	/* A pass from cron each minute says what changed, not what is. */
	int change = d->looked_at_disabled ? LOG_NOTICE : LOG_INFO;
	size_t i;

	d->looked_at_disabled = true;
	for (i = 0; i < d->reg.nservers; i++) {
		const char *id = d->reg.servers[i].id;
		int held = disabled_get(&d->sp, id, NULL);

		if (held < 0 && !d->out_of_service[i])
			logmsg(d, LOG_WARNING, "%s: taken as disabled: %s/state/"
			    "disabled.%s cannot be looked at: %s", id,
			    d->sp.path, id, strerror(errno));
		else if (held > 0 && !d->out_of_service[i])
			logmsg(d, change, "%s: disabled in the spool "
			    "(ct-providers disable): it takes no new job", id);
		else if (held == 0 && d->out_of_service[i])
			logmsg(d, change, "%s: enabled again", id);
		d->out_of_service[i] = held != 0;
	}
}

/* The registry index of server id, or -1. */
static int
server_index(const struct dispatcher *d, const char *id)
{
	const struct registry_server *s = registry_server(&d->reg, id);

	return s != NULL ? (int)(s - d->reg.servers) : -1;
}

/* ---- the job file ------------------------------------------------------ */

/*
 * Job id's step was not made durable (a message said why). Noted in O(1):
 * on a full disk every job of a large spool comes here, so repeats are
 * sorted out once, at the end of the pass (say_unwritten).
 */
static void
unwritten(struct dispatcher *d, const char *id)
{
	strvec_push(&d->unwritten, id);
	/*
	 * A dispatcher that cannot record what it does must not do more:
	 * every submit would be made again by the next pass.
	 */
	d->cannot_write = true;
}

/*
 * The events noted since the last time into their servers' figures
 * (note()); each move of a breaker logged.
 */
static void
flush_figures(struct dispatcher *d)
{
	struct strvec said = STRVEC_INIT;
	size_t i;

	route_flush(&d->route, &d->sp, &d->reg, now_usec(), &said);
	for (i = 0; i < said.n; i++)
		logmsg(d, LOG_NOTICE, "%s", said.v[i]);
	strvec_free(&said);
}

/*
 * Commit the pass's staged results, then its rewrites, noting the jobs
 * that failed: a job whose result could not be committed keeps its old
 * record, never a final one that names no result.
 */
static void
commit(struct dispatcher *d)
{
	struct strvec lost = STRVEC_INIT;
	size_t i;

	commit_flush(&d->sp, &d->results, &lost);
	for (i = 0; i < lost.n; i++) {
		commit_drop(&d->sp, &d->batch, lost.v[i]);
		unwritten(d, lost.v[i]);
	}
	strvec_free(&lost);
	commit_flush(&d->sp, &d->batch, &d->unwritten);
	/* The events of the jobs just committed, into their figures. */
	flush_figures(d);
	/* And the jobs begun, for hedging's bound; lost in a crash: fewer. */
	if (d->begun > 0 && d->reg.hedge > 0)
		(void)hedge_budget_begun(&d->sp, d->begun, now_usec());
	d->begun = 0;
}

/* The pass's wake-up (--follow) comes no later than usec, if it is set. */
static void
wake_by(struct dispatcher *d, int64_t usec)
{
	if (usec != 0 && usec < d->wake_usec)
		d->wake_usec = usec;
}

/*
 * Rewrite the job where it is (processing/), with everything in j: staged
 * in the pass's batch, and durable when the batch is committed, before
 * the job's lock is released (commit.h). A crash before then loses only
 * this step, which the contract lets the next pass do again.
 */
static void
save(struct dispatcher *d, struct job *j)
{
	struct buf rec = { 0 };

	wake_by(d, j->next_usec);
	/* A -f dispatcher is up at the deadline, to give the verdict then. */
	wake_by(d, j->deadline_usec);
	job_format(j, j->input, j->input_len, &rec);
	if (commit_add(&d->sp, &d->batch, j->id, rec.data, rec.len) != 0)
		unwritten(d, j->id);
	buf_free(&rec);
}

/* The same, durable at once, for a record that is about to move on. */
static int
save_now(struct dispatcher *d, struct job *j)
{
	struct buf rec = { 0 };
	int rc;

	commit_drop(&d->sp, &d->batch, j->id);
	job_format(j, j->input, j->input_len, &rec);
	rc = spool_replace(&d->sp, SPOOL_PROCESSING, j->id, rec.data, rec.len);
	buf_free(&rec);
	return rc;
}

/* An event in j's history, and in the log: its text is the last event's. */
static void __attribute__((format(printf, 5, 0)))
vevent(struct dispatcher *d, struct job *j, enum job_state s, int prio,
    const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof text, fmt, ap);
	job_add_event(j, now_usec(), s, text);
	logmsg(d, prio, "%s: %s", j->id, text);
}

static void __attribute__((format(printf, 5, 6)))
event(struct dispatcher *d, struct job *j, enum job_state s, int prio,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vevent(d, j, s, prio, fmt, ap);
	va_end(ap);
}

/*
 * Finish the job in state s: the final record is written in processing/
 * first, then renamed into completed/ or failed/. A crash between the two
 * leaves a job in processing/ whose last event is terminal, and the next
 * pass only does the rename. finish() does it at once; finish_staged()
 * with the pass's commit, sharing its fsyncs (commit.h).
 */
static void
finish(struct dispatcher *d, struct job *j, enum job_state s)
{
	enum spool_dir to = spool_state_dir(s);

	if (j->nevents == 0 || j->events[j->nevents - 1].state != s)
		return;		/* not a final record: nothing to finish */
	if (save_now(d, j) != 0) {
		unwritten(d, j->id);
		return;
	}
	if (spool_move_unsynced(&d->sp, SPOOL_PROCESSING, to, j->id) != 0) {
		ct_warnerr("%s: cannot move to %s", j->id,
		    spool_dir_name(to));
		unwritten(d, j->id);
		return;
	}
	/* Moved; if it does not last a crash, the next pass moves it again. */
	if (spool_sync(&d->sp, to) != 0 ||
	    spool_sync(&d->sp, SPOOL_PROCESSING) != 0)
		unwritten(d, j->id);
}

static void
finish_staged(struct dispatcher *d, struct job *j, enum job_state s)
{
	save(d, j);
	commit_then_move(&d->batch, j->id, spool_state_dir(s));
}

static void __attribute__((format(printf, 3, 4)))
fail_job(struct dispatcher *d, struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vevent(d, j, JOB_FAILED, LOG_NOTICE, fmt, ap);
	va_end(ap);
	finish(d, j, JOB_FAILED);
}

/* ---- calls ------------------------------------------------------------- */

/*
 * What became of a call: the contract's outcomes, or CALL_DEFERRED, not
 * made: the server's request-interval forbids a request now.
 */
enum call_outcome { CALL_OK, CALL_TRANSIENT, CALL_PERMANENT, CALL_DEFERRED };

/*
 * May a call, which is one request, go to server si now? If so, *bound
 * is what request_done needs after it (0: nothing). If not, the job is
 * not to be touched again before *open_usec (also the pass's wake-up).
 */
static bool
request_allowed(struct dispatcher *d, int si, int64_t *open_usec,
    int64_t *bound)
{
	const struct registry_server *s = &d->reg.servers[si];
	/* The latest a call can end: its timeout, the keeper's margin. */
	int64_t now = now_usec(), busy = ((int64_t)s->call_timeout + 1) *
	    1000000;

	*open_usec = *bound = 0;
	if (s->request_interval == 0)
		return true;
	/* Known closed this pass: no need to ask the spool again. */
	if (now < d->gate_open[si]) {
		*open_usec = d->gate_open[si];
	} else if (gate_pass(&d->sp, s->id, s->request_interval, busy, now,
	    open_usec) == 1) {
		*bound = now + busy;
		return true;
	} else {
		if (*open_usec == 0)	/* unreadable state: try in a while */
			*open_usec = now + (int64_t)s->request_interval *
			    1000000;
		d->gate_open[si] = *open_usec;
	}
	if (*open_usec < d->wake_usec)
		d->wake_usec = *open_usec;
	return false;
}

/*
 * Jobs are driven, and New ones claimed, a chunk at a time: a chunk's
 * claims are made durable together before any of its wrappers runs, and
 * rewrites are committed together (commit.h), every CHUNK jobs or 100 ms,
 * whichever comes first, also in the middle of a wrapper call: so one
 * fsync of the directory serves many jobs, while no job's lock is held
 * much longer than its own step.
 */
#define CHUNK 128
#define CHUNK_MAX_AGE_USEC 100000

static void
commit_if_due(struct dispatcher *d)
{
	if (commit_due(&d->batch, CHUNK, CHUNK_MAX_AGE_USEC))
		commit(d);
}

static void expire_due(struct dispatcher *d);
static void withdraw_owed(struct dispatcher *d);

/*
 * The same during a wrapper call (run.h, meanwhile): a call can hang to
 * its timeout, and the jobs whose steps are staged, locked until their
 * commit, must not wait for it: not ct-cancel(1), nor another
 * dispatcher that would fail one at its deadline. Nor may a job whose
 * deadline passes meanwhile: it gets its verdict now, and its work is
 * withdrawn once the call is over, for calls do not nest.
 */
static void
commit_meanwhile(void *arg)
{
	struct dispatcher *d = arg;

	commit_if_due(d);
	if (!d->expiring && now_usec() >= d->due_usec)
		expire_due(d);
}

/*
 * Whom s's wrapper runs as for j (contract_account), in *as: the
 * dispatcher account, checked when the registry was taken, or a job's
 * owner, whose reach of the spool is checked here. Returns 0, or -1 with
 * why: the call cannot be made.
 */
static int
runner(struct dispatcher *d, const struct registry_server *s,
    const struct job *j, struct account *owner, const struct account **as,
    char *why, size_t whylen)
{
	if (contract_account(s, j, d->as, owner, as, why, whylen) != 0)
		return -1;
	if (*as == NULL || *as == d->as)
		return 0;
	return spool_reachable(&d->sp, *as, why, whylen);
}

/* Call the server's wrapper for j: verb; stdout to out, a reason to why. */
static enum call_outcome
call(struct dispatcher *d, const struct registry_server *s, struct job *j,
    enum contract_verb verb, struct buf *out, char *why, size_t whylen)
{
	static const enum call_outcome as_call[] = {
		[CONTRACT_OK] = CALL_OK,
		[CONTRACT_TRANSIENT] = CALL_TRANSIENT,
		[CONTRACT_PERMANENT] = CALL_PERMANENT,
	};
	enum contract_outcome o;
	int64_t open_usec, bound;
	const struct account *as;
	struct account owner;
	char *wd;

	/* A call may hang to its timeout: what is due goes before it. */
	if (!d->withdrawing) {
		if (!d->expiring && now_usec() >= d->due_usec)
			expire_due(d);
		withdraw_owed(d);
	}
	/* Whom the call runs as, before it takes its place at the gate. */
	if (runner(d, s, j, &owner, &as, why, whylen) != 0)
		return CALL_PERMANENT;
	if (!request_allowed(d, (int)(s - d->reg.servers), &open_usec,
	    &bound)) {
		j->next_usec = open_usec;
		snprintf(why, whylen, "%s: request-interval", s->id);
		return CALL_DEFERRED;
	}
	if ((wd = spool_workdir(&d->sp, j->id, j->attempts, as)) == NULL) {
		snprintf(why, whylen, "no work directory");
		o = CONTRACT_TRANSIENT;
	} else {
		o = contract_call(&(struct contract_call){ .wrapper_dir =
		    d->wrapper_dir, .server = s, .job = j, .workdir = wd,
		    .lock_fd = d->lock, .as = as, .verb = verb,
		    .withdrawing = d->withdrawing_work, .out = out,
		    .meanwhile = commit_meanwhile, .meanwhile_arg = d,
		    .meanwhile_ms = CHUNK_MAX_AGE_USEC / 4000 }, why, whylen);
		free(wd);
	}
	/* Its request went out before its end: the interval counts from it. */
	if (bound != 0)
		gate_done(&d->sp, s->id, bound, now_usec());
	d->retry_after_usec = o == CONTRACT_TRANSIENT ?
	    contract_retry_after(out) : 0;
	return as_call[o];
}

/* ---- the life of a job -------------------------------------------------- */

/*
 * The job's place at its server is free again, for every dispatcher
 * (slots.h). Should the record that says so be lost to a crash, the next
 * pass takes the place again (count_in_flight).
 */
static void
leave_server(struct dispatcher *d, const struct job *j)
{
	int si = j->provider != NULL ? server_index(d, j->provider) : -1;

	if (j->provider != NULL)
		slots_release(&d->sp, j->provider, j->id);
	if (si >= 0 && d->in_flight[si] > 0)
		d->in_flight[si]--;
}

/*
 * An event of j's attempt at its server, for the server's live figures,
 * shared by every dispatcher (figures.h): written with the next group
 * commit (commit()), which logs each move of a breaker it makes, and
 * looks at that server again for the rest of the pass (breaker.h).
 */
static void
note(struct dispatcher *d, const struct job *j, enum figures_kind kind)
{
	int si = j->provider != NULL ? server_index(d, j->provider) : -1;
	int64_t now = now_usec();

	if (si < 0 || d->dry_run)
		return;
	route_note(&d->route, (size_t)si, kind, j->id, now,
	    j->attempt_usec > 0 && j->attempt_usec <= now ?
	    (double)(now - j->attempt_usec) / 1e6 : 0);
	/* A pass of jobs that end without a group commit: bounded. */
	if (route_pending(&d->route) >= CHUNK)
		flush_figures(d);
}

/*
 * The server's own estimate in the answer out (contract_read_estimate),
 * if it gave one, as an estimate of j's whole run there: for routing
 * (route.h). Call it before the answer is cut.
 */
static void
note_estimate(struct dispatcher *d, const struct job *j, const struct buf *out)
{
	int si = j->provider != NULL ? server_index(d, j->provider) : -1;
	double own = contract_read_estimate(out);
	int64_t now = now_usec();

	if (si < 0 || own < 0 || d->dry_run)
		return;
	route_note(&d->route, (size_t)si, FIG_ESTIMATE, j->id, now, own +
	    (j->attempt_usec > 0 && j->attempt_usec <= now ?
	    (double)(now - j->attempt_usec) / 1e6 : 0));
}

static void adopt_intent_of(struct dispatcher *d, struct job *j, int lock);

/*
 * Whether job id holds a place at server, for slots_take: it is in
 * processing/, with that server (taken from its batch's intent if its
 * dispatcher died during the call: adopt_intent_of). One whose lock is
 * busy is being driven, and counts.
 */
static bool
place_held(void *arg, const char *server, const char *id)
{
	struct dispatcher *d = arg;
	struct job j;
	bool held;
	int lock;

	if (spool_lock(&d->sp, id, &lock) != SPOOL_LOCKED)
		return true;
	held = spool_read_in(&d->sp, SPOOL_PROCESSING, id, false, &j) == 0;
	if (held) {
		adopt_intent_of(d, &j, lock);
		held = (j.provider != NULL && strcmp(j.provider, server) ==
		    0) || (j.hedge.provider != NULL &&
		    strcmp(j.hedge.provider, server) == 0);
		job_free(&j);
	}
	close(lock);	/* a lock file left goes with the orphans' */
	return held;
}

/*
 * If server si's breaker is half-open, j must be its probe (breaker.h):
 * false if another dispatcher sent one first. Either way no other job
 * goes there this pass.
 */
static bool
take_probe(struct dispatcher *d, const struct job *j, int si)
{
	char said[300];
	int taken;

	if (!route_is_probe(&d->route, (size_t)si))
		return true;
	taken = breaker_take_probe(&d->sp, &d->reg.servers[si], j->id,
	    now_usec(), said, sizeof said);
	route_probe_sent(&d->route, (size_t)si);
	if (taken == 1)
		logmsg(d, LOG_NOTICE, "%s: %s", d->reg.servers[si].id, said);
	return taken == 1;
}

/*
 * Take a place for j at server si, which this pass's count says is free,
 * and one of the server's jobs for the day (quota.h): another dispatcher
 * may have taken the last meanwhile. If so, or either cannot be read, the
 * server counts as full for the rest of the pass; a -f dispatcher wakes
 * when the day's quota has room again.
 */
static bool
take_place(struct dispatcher *d, const struct job *j, int si)
{
	const struct registry_server *s = &d->reg.servers[si];
	int64_t open_usec = 0, now = now_usec();
	unsigned keep, cap = route_daily_cap(s, now, &keep);
	char when[32];

	if (slots_take(&d->sp, s->id, j->id, s->max_jobs, place_held, d) ==
	    1) {
		if (take_probe(d, j, si) && quota_take_kept(&d->sp, s->id,
		    cap, keep, now, &open_usec) == 1)
			return true;
		slots_release(&d->sp, s->id, j->id);
		if (open_usec != 0) {
			wake_by(d, open_usec);
			format_timestamp(when, sizeof when, open_usec);
			logmsg(d, LOG_INFO, "%s: %s of %u reached; more from "
			    "%s", s->id, route_outside_window(s, now) ?
			    "window-max" : "daily-max", cap, when);
		}
	}
	d->in_flight[si] = s->max_jobs;
	return false;
}

/*
 * Begin attempt number j->attempts + 1, at server si: the number is
 * never used again for this job, so nothing of an earlier attempt (its
 * work directory, a monitor still running, its handle) can be taken for
 * this one (ct-wrapper(7)).
 */
static void
begin_attempt(struct dispatcher *d, struct job *j, int si)
{
	const struct registry_server *s = &d->reg.servers[si];

	/* A job's first attempt counts towards its share of hedges. */
	if (!d->hedging && j->attempts == 0 && j->hedge.attempt == 0)
		d->begun++;
	j->attempts = job_next_attempt(j);
	job_set(&j->provider, s->id);
	job_set(&j->handle, NULL);
	j->attempt_usec = now_usec();
	j->next_usec = 0;
	j->retries = 0;
	j->ready = j->submitting = false;
	d->in_flight[si]++;
}

/*
 * The attempt at the current server is over for good, for the reason the
 * format says: an event, and kept with the server in the job's record, so
 * that the verdict, if no server is left, can say why each failed it.
 * Then on to the next server.
 */
static void __attribute__((format(printf, 3, 4)))
give_up_server(struct dispatcher *d, struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vevent(d, j, JOB_PROCESSING, LOG_NOTICE, fmt, ap);
	va_end(ap);
	leave_server(d, j);
	job_add_tried(j, j->provider, j->events[j->nevents - 1].text);
	/* The next attempt's wrapper must not see this one's files. */
	spool_attempt_remove(&d->sp, j->id, j->attempts);
	job_set(&j->provider, NULL);
	job_set(&j->handle, NULL);
	j->attempt_usec = j->next_usec = 0;
	j->retries = 0;
	j->ready = j->submitting = false;
}

/*
 * The last call failed transiently: try again after the back-off, or
 * after the time the provider asked for (its Retry-After), if longer.
 */
static void
transient(struct dispatcher *d, struct job *j, const char *why)
{
	int64_t backoff = BACKOFF_FIRST_USEC << (j->retries < 6 ?
	    j->retries : 6);
	bool asked;

	if (backoff > BACKOFF_MAX_USEC)
		backoff = BACKOFF_MAX_USEC;
	if ((asked = d->retry_after_usec > backoff))
		backoff = d->retry_after_usec;
	j->retries++;
	j->next_usec = now_usec() + backoff;
	note(d, j, FIG_TRANSIENT);
	event(d, j, JOB_PROCESSING, LOG_INFO, "%s: will retry in %lld s%s: %s",
	    j->provider, (long long)(backoff / 1000000), asked ?
	    " (as it asked)" : "", why);
}

/*
 * Candidates for j's service: enabled, weighted, untried, under the cap,
 * its breaker and window open (route.h), with their expected completion.
 * Any_left: some server that offers it has not failed it, though it may
 * be at its cap, disabled, as for maintenance, or its breaker open: the
 * job waits for it (to its deadline) rather than fail. *full: the index
 * of the server at its cap, but otherwise a candidate, expected soonest
 * (route.h), or -1; *full_estimate its estimate.
 */
static size_t
candidates(struct dispatcher *d, const struct job *j,
    struct route_candidate *c, int *index, bool *any_left, int *full,
    double *full_estimate)
{
	size_t i, n = 0;
	double e;

	*any_left = false;
	*full = -1;
	for (i = 0; i < d->reg.nservers; i++) {
		const struct registry_server *s = &d->reg.servers[i];
		unsigned w = registry_weight(s, j->service);

		if (w == 0 || job_tried(j, s->id))
			continue;
		*any_left = true;
		if (!in_service(d, i) || !route_open(&d->route, i))
			continue;
		if (d->in_flight[i] >= s->max_jobs) {
			e = route_estimate(&d->route, i, s, s->max_jobs +
			    route_waiting(&d->route, i));
			if (e >= 0 && (*full < 0 || e < *full_estimate)) {
				*full = (int)i;
				*full_estimate = e;
			}
			continue;
		}
		c[n].id = s->id;
		c[n].weight = w;
		c[n].estimate = route_estimate(&d->route, i, s,
		    d->in_flight[i]);
		index[n++] = (int)i;
	}
	return n;
}

enum choice {
	CHOICE_SERVER,		/* *si is the server */
	CHOICE_WAIT,		/* every server left is at its cap, or disabled */
	CHOICE_NONE_LEFT,	/* every server has failed it, or none offers */
	CHOICE_WAIT_SOONER,	/* soonest: one at its cap is sooner than all
				   the others (route.h) */
};

/*
 * What -x prints for a choice: the job, the pick, and the figures: each
 * candidate's weight, and with soonest its expected completion.
 */
static void
explain_choice(struct dispatcher *d, const struct job *j, enum choice c,
    int si, const struct route_candidate *rc, size_t n)
{
	size_t i;

	printf("%s\t%s\t", j->id, j->service);
	if (c == CHOICE_SERVER)
		printf("%s\t%s", d->reg.servers[si].id, d->reg.soonest ?
		    "soonest" : "weights");
	else if (c == CHOICE_WAIT_SOONER)
		printf("(wait: %s at its cap is sooner)\tsoonest",
		    d->reg.servers[si].id);
	else
		printf("%s\t", c == CHOICE_WAIT ? "(wait: all at their cap "
		    "or disabled)" : "(none left: fail)");
	for (i = 0; i < n; i++) {
		printf(" %s=%u", rc[i].id, rc[i].weight);
		if (d->reg.soonest && rc[i].estimate >= 0)
			printf(":%.1fs", rc[i].estimate);
		else if (d->reg.soonest)
			printf(rc[i].estimate == ROUTE_MEASURING ? ":measuring" :
			    ":?");
	}
	for (i = 0; i < j->ntried; i++)
		printf(" %s:tried", j->tried[i]);
	putchar('\n');
}

/* Choose a server for j by the policy. */
static enum choice
choose(struct dispatcher *d, struct job *j, struct policy *pol, int *si)
{
	size_t n = d->reg.nservers ? d->reg.nservers : 1;
	struct route_candidate *rc = xcalloc(n, sizeof *rc);
	int *index = xcalloc(n, sizeof *index), pick;
	enum choice c;
	bool any_left;
	double full_estimate = 0;
	int full;

	n = candidates(d, j, rc, index, &any_left, &full, &full_estimate);
	if (d->reg.soonest && route_wait_for(rc, n, full_estimate, full >= 0,
	    j->deadline_usec == 0 ? -1 :
	    (double)(j->deadline_usec - now_usec()) / 1e6)) {
		c = CHOICE_WAIT_SOONER;
		*si = full;
		route_waits(&d->route, (size_t)full);
	} else {
		pick = route_pick(pol, rc, n, d->reg.soonest);
		c = pick >= 0 ? CHOICE_SERVER : any_left ? CHOICE_WAIT :
		    CHOICE_NONE_LEFT;
		*si = pick >= 0 ? index[pick] : -1;
	}
	if (d->explain)
		explain_choice(d, j, c, *si, rc, n);
	if (c == CHOICE_WAIT_SOONER)
		*si = -1;
	free(rc);
	free(index);
	return c;
}

/*
 * Choose a server for j and take its place there (slots.h), then begin
 * the attempt; a server another dispatcher filled meanwhile is passed
 * over for the rest of the pass, and the choice made again.
 */
static enum choice
place(struct dispatcher *d, struct job *j, struct policy *pol, int *si)
{
	enum choice c;

	while ((c = choose(d, j, pol, si)) == CHOICE_SERVER &&
	    !take_place(d, j, *si))
		;
	if (c == CHOICE_SERVER)
		begin_attempt(d, j, *si);
	return c;
}

/* Submit j to server si. Returns true when the job's step is over. */
static bool
submit_to(struct dispatcher *d, struct job *j, int si)
{
	const struct registry_server *s = &d->reg.servers[si];
	struct buf out = { 0 };
	const char *handle = NULL;
	enum call_outcome o;
	char why[700];

	/*
	 * The intent lasts before the provider is asked: a dispatcher that
	 * dies from here on leaves a record that says the submit may have
	 * reached it, and the next asks again under the same attempt.
	 */
	if (!j->submitting) {
		j->submitting = true;
		j->next_usec = 0;
		if (save_now(d, j) != 0) {
			unwritten(d, j->id);
			return true;
		}
	}
	o = call(d, s, j, CONTRACT_SUBMIT, &out, why, sizeof why);
	/*
	 * Not sent: unless an earlier submit of this attempt may have
	 * reached the provider (a transient failure, or one never answered,
	 * both counted in retries), none has, and the record must not say
	 * so, or withdrawing the job would ask for a submit only to cancel
	 * it. The intent is recorded again before the submit is sent.
	 */
	if (o == CALL_DEFERRED && j->retries == 0)
		j->submitting = false;
	if (o == CALL_OK)
		note_estimate(d, j, &out);
	if (o == CALL_OK && (handle = contract_read_handle(&out)) == NULL) {
		o = CALL_PERMANENT;
		snprintf(why, sizeof why, "%s submit gave no valid handle",
		    s->wrapper);
	}
	if (o == CALL_OK) {
		job_set(&j->handle, handle);
		note(d, j, FIG_ANSWER);
		j->next_usec = now_usec() + (int64_t)s->poll_interval * 1000000;
		j->retries = 0;
		j->submitting = false;
		event(d, j, JOB_PROCESSING, LOG_INFO, "sent to %s (handle %s)",
		    s->id, j->handle);
	} else if (o == CALL_TRANSIENT && now_usec() - j->attempt_usec <
	    (int64_t)s->attempt_timeout * 1000000)
		transient(d, j, why);
	else if (o != CALL_DEFERRED) {
		note(d, j, FIG_FAILED);
		give_up_server(d, j, "%s cannot run it: %s", s->id, why);
		buf_free(&out);
		return false;
	}
	/* Sent, to retry, or with its server until the gate opens. */
	buf_free(&out);
	save(d, j);
	return true;
}

/*
 * No server is left for j: the verdict says why, so that ct-fetch(1),
 * which prints it, gives the cause: each server's own reason, as it gave
 * the job up (a record from before reasons were kept says only that it
 * failed it), or that no server offers the service at all.
 */
static void
fail_none_left(struct dispatcher *d, struct job *j)
{
	struct buf b = { 0 };
	size_t i;

	if (j->ntried == 0) {
		fail_job(d, j, "no provider left: no server offers %s; run "
		    "it locally", j->service);
		return;
	}
	buf_appendf(&b, "no provider left: ");
	for (i = 0; i < j->ntried; i++) {
		if (j->tried_why[i] != NULL)
			buf_appendf(&b, "%.300s; ", j->tried_why[i]);
		else
			buf_appendf(&b, "%s failed it; ", j->tried[i]);
	}
	fail_job(d, j, "%.900srun it locally", b.data);
	buf_free(&b);
}

static void promote_hedge(struct dispatcher *d, struct job *j);

/* Send j to a server; on to the next if one cannot take it. */
static void
submit(struct dispatcher *d, struct job *j, struct policy *pol)
{
	for (;;) {
		int si = j->provider ? server_index(d, j->provider) : -1;

		/* Its other attempt, if it has one, carries on alone. */
		if (j->provider == NULL && !d->hedging &&
		    j->hedge.provider != NULL) {
			promote_hedge(d, j);
			return;
		}
		/* A second attempt that is over is not made again. */
		if (j->provider == NULL && d->hedging)
			return;
		/* A retry after a transient failure stays with its server. */
		if (si < 0 || !in_service(d, (size_t)si)) {
			if (si >= 0) {	/* disabled since: elsewhere */
				leave_server(d, j);
				spool_attempt_remove(&d->sp, j->id,
				    j->attempts);
			}
			switch (place(d, j, pol, &si)) {
			case CHOICE_SERVER:
				break;
			case CHOICE_WAIT:
			case CHOICE_WAIT_SOONER:
				save(d, j);	/* in processing/, for a free server */
				return;
			case CHOICE_NONE_LEFT:
				fail_none_left(d, j);
				return;
			}
		}
		if (submit_to(d, j, si))
			return;
	}
}

static void cancel_second(struct dispatcher *d, struct job *j);

enum collect_result {
	COLLECT_DONE,		/* completed */
	COLLECT_RETRY,		/* fetch again later */
	COLLECT_DEFERRED,	/* the fetch may not be sent yet */
	COLLECT_BAD,		/* a bad result: why says how */
};

/* Fetch, check and publish the result; complete the job. */
static enum collect_result
collect(struct dispatcher *d, struct job *j, const struct registry_server *s,
    char *why, size_t whylen)
{
	struct buf out = { 0 };
	enum call_outcome o;

	/*
	 * A second attempt is cancelled only once the verdict lasts; any
	 * other job's result and final record go with the pass's commit.
	 */
	bool at_once = j->hedge.provider != NULL;

	o = call(d, s, j, CONTRACT_FETCH, &out, why, whylen);
	if (o == CALL_TRANSIENT || o == CALL_DEFERRED) {
		buf_free(&out);
		return o == CALL_DEFERRED ? COLLECT_DEFERRED : COLLECT_RETRY;
	}
	if (o != CALL_OK ||
	    result_check(out.data, out.len, j, why, whylen) != 0) {
		buf_free(&out);
		return COLLECT_BAD;
	}
	/* Whole and durable as results/ID, or not there (printed). */
	if ((at_once ? spool_replace(&d->sp, SPOOL_RESULTS, j->id, out.data,
	    out.len) : commit_add(&d->sp, &d->results, j->id, out.data,
	    out.len)) != 0) {
		buf_free(&out);
		unwritten(d, j->id);
		snprintf(why, whylen, "cannot store the result");
		return COLLECT_RETRY;
	}
	buf_free(&out);
	j->ready = false;
	note(d, j, FIG_DONE);
	if (j->hedge.provider != NULL)
		event(d, j, JOB_PROCESSING, LOG_NOTICE, "hedge: %s answered "
		    "first; attempt %u at %s is cancelled", s->id,
		    j->hedge.attempt, j->hedge.provider);
	/* The run (this attempt) apart from the wait since submission. */
	event(d, j, JOB_COMPLETED, LOG_NOTICE, "completed by %s in %lld s "
	    "(%lld s after submission)", s->id,
	    (long long)((now_usec() - j->attempt_usec) / 1000000),
	    (long long)((now_usec() - j->submitted_usec) / 1000000));
	leave_server(d, j);
	/*
	 * If the final write or the rename fails, the next pass finds the
	 * result, or the terminal event, and does what is left.
	 */
	if (at_once)
		finish(d, j, JOB_COMPLETED);
	else
		finish_staged(d, j, JOB_COMPLETED);
	cancel_second(d, j);
	return COLLECT_DONE;
}

/* The server said done: collect, and act on how that went. */
static void
follow_done(struct dispatcher *d, struct job *j, int si, struct policy *pol)
{
	const struct registry_server *s = &d->reg.servers[si];
	char why[700] = "";

	j->ready = true;
	switch (collect(d, j, s, why, sizeof why)) {
	case COLLECT_DONE:
		return;
	case COLLECT_DEFERRED:
		save(d, j);
		return;
	case COLLECT_RETRY:
		transient(d, j, why);
		save(d, j);
		return;
	case COLLECT_BAD:
		note(d, j, FIG_FAILED);
		give_up_server(d, j, "%s delivered a bad result: %s", s->id,
		    why);
		submit(d, j, pol);
		return;
	}
}

/* The attempt at server si is out of time: cancel it there, move on. */
static void
follow_timeout(struct dispatcher *d, struct job *j, int si,
    struct policy *pol)
{
	const struct registry_server *s = &d->reg.servers[si];
	struct buf out = { 0 };
	enum call_outcome o;
	char why[700];

	o = call(d, s, j, CONTRACT_CANCEL, &out, why, sizeof why);
	buf_free(&out);
	if (o == CALL_DEFERRED)
		return;
	note(d, j, FIG_TIMEOUT);
	give_up_server(d, j, "%s: attempt timed out after %u s", s->id,
	    s->attempt_timeout);
	submit(d, j, pol);
}

/* Poll j at its server and act on the answer. */
static void
follow_up(struct dispatcher *d, struct job *j, struct policy *pol)
{
	int si = server_index(d, j->provider);
	const struct registry_server *s;
	const char *reason;
	struct buf out = { 0 };
	enum call_outcome o;
	char why[700] = "";

	if (si < 0) {
		give_up_server(d, j, "server %s is no longer in the registry",
		    j->provider);
		submit(d, j, pol);
		return;
	}
	s = &d->reg.servers[si];
	if (now_usec() - j->attempt_usec > (int64_t)s->attempt_timeout *
	    1000000) {
		follow_timeout(d, j, si, pol);
		return;
	}
	/* Said done before, but the fetch had to wait: fetch, not poll. */
	if (j->ready) {
		follow_done(d, j, si, pol);
		return;
	}
	o = call(d, s, j, CONTRACT_POLL, &out, why, sizeof why);
	if (o == CALL_DEFERRED) {
		buf_free(&out);
		return;
	}
	if (o == CALL_TRANSIENT) {
		buf_free(&out);
		transient(d, j, why);
		save(d, j);
		return;
	}
	if (o == CALL_OK)
		note_estimate(d, j, &out);
	if (o == CALL_PERMANENT) {
		note(d, j, FIG_FAILED);
		give_up_server(d, j, "%s: %s", s->id, why);
	} else switch (contract_read_poll(&out, &reason)) {
	case CONTRACT_POLL_DONE:
		buf_free(&out);
		follow_done(d, j, si, pol);
		return;
	case CONTRACT_POLL_RUNNING:
		buf_free(&out);
		j->next_usec = now_usec() + (int64_t)s->poll_interval * 1000000;
		logmsg(d, LOG_DEBUG, "%s: running at %s", j->id, s->id);
		save(d, j);
		return;
	case CONTRACT_POLL_FAILED:
		note(d, j, FIG_FAILED);
		give_up_server(d, j, "%s failed it: %.500s", s->id, reason);
		break;
	case CONTRACT_POLL_BROKEN:
		note(d, j, FIG_FAILED);
		give_up_server(d, j, "%s poll broke the contract: '%.80s'",
		    s->id, out.data ? out.data : "");
		break;
	}
	buf_free(&out);
	submit(d, j, pol);
}

/*
 * Withdrawing a job: the verdict first, then the cancel of its work at its
 * server, if it has any there. The verdict does not wait on the cancel,
 * which is bounded (contract.h) and whose outcome is only logged. The
 * job's lock, and so its work directory, stays until the caller releases
 * it.
 */
static void
withdraw_verdict(struct dispatcher *d, struct job *j, const char *reason)
{
	leave_server(d, j);
	fail_job(d, j, "%s", reason);
}

/*
 * A submit of j's current attempt may have reached its provider, and no
 * handle says where: one failed transiently, which ct-wrapper(7) does not
 * promise left nothing behind (a wrapper killed, a connection that broke
 * after the provider took the job), or what became of one was never
 * recorded. (Or this pass has just recorded the intent and not yet
 * submitted: its caller knows, see advance().) Withdrawing the job then
 * asks for the submit again, to learn what to cancel.
 */
static bool
submit_may_have_reached(const struct job *j)
{
	return j->submitting && j->handle == NULL;
}

/*
 * What became of j's submit was never recorded: its intent is, but
 * neither a handle nor an answer (which would have counted a retry) is.
 */
static bool
submit_unrecorded(const struct job *j)
{
	return submit_may_have_reached(j) && j->retries == 0 &&
	    j->next_usec == 0;
}

/*
 * Cancel j's work at its server, if it has any there; ask_submit: its
 * submit may have reached it, and no handle says where
 * (submit_may_have_reached).
 */
static void
withdraw_work(struct dispatcher *d, struct job *j, bool ask_submit)
{
	int si = j->provider ? server_index(d, j->provider) : -1;
	struct buf out = { 0 };
	enum call_outcome o = CALL_OK;
	const char *what = "cancel";
	bool was = d->withdrawing_work;	/* one may come in another's call */
	char why[700];

	if (si < 0 || (j->handle == NULL && !ask_submit))
		return;
	d->withdrawing_work = true;
	/*
	 * Its submit may have reached the provider: asked again under the
	 * same attempt, the wrapper answers with the work it started, if it
	 * did (ct-wrapper(7)), so that the work can be cancelled. If it did
	 * not, this starts the work only to cancel it: the price of leaving
	 * nothing running, paid only after a crash or a transient failure.
	 */
	if (j->handle == NULL) {
		const char *h;

		what = "submit";
		o = call(d, &d->reg.servers[si], j, CONTRACT_SUBMIT, &out, why,
		    sizeof why);
		if (o == CALL_OK && (h = contract_read_handle(&out)) != NULL) {
			job_set(&j->handle, h);
			logmsg(d, LOG_NOTICE, "%s: %s: its submit of attempt %u "
			    "asked again, to cancel it: handle %s", j->id,
			    j->provider, j->attempts, h);
		} else if (o == CALL_OK) {
			o = CALL_PERMANENT;
			snprintf(why, sizeof why, "no valid handle");
		}
		buf_free(&out);
	}
	if (o == CALL_OK) {
		what = "cancel";
		o = call(d, &d->reg.servers[si], j, CONTRACT_CANCEL, &out,
		    why, sizeof why);
		buf_free(&out);
	}
	d->withdrawing_work = was;
	if (o != CALL_OK)
		logmsg(d, LOG_NOTICE, "%s: %s: %s to withdraw attempt %u: %s",
		    j->id, j->provider, what, j->attempts, o == CALL_DEFERRED ?
		    "not sent: request-interval" : why);
}

static void
withdraw(struct dispatcher *d, struct job *j, const char *reason,
    bool ask_submit)
{
	withdraw_verdict(d, j, reason);
	withdraw_work(d, j, ask_submit);
	cancel_second(d, j);
}

/* The state of j's last event: what its record says it is. */
static enum job_state
last_state(const struct job *j)
{
	return j->nevents ? j->events[j->nevents - 1].state : JOB_NEW;
}

/* ---- hedging: a second attempt (hedge.h) --------------------------------- */

/*
 * j's current attempt is over, and its second carries on alone: it
 * becomes the current one, and the job may be hedged again.
 */
static void
promote_hedge(struct dispatcher *d, struct job *j)
{
	job_swap_hedge(j);
	job_end_hedge(j);
	event(d, j, JOB_PROCESSING, LOG_NOTICE, "its second attempt, %u at "
	    "%s, carries on alone", j->attempts, j->provider);
	save(d, j);
}

/*
 * The job has its verdict, and its second attempt, if it has one, is the
 * one that lost (or both did): cancel it at its server, as a withdrawn
 * job's work is cancelled; its place there is free again. The record is
 * final already, so a crash before the cancel leaves the work directory,
 * and the next pass cancels it then (withdraw_left_work); a cancel sent
 * twice is harmless (ct-wrapper(7)).
 */
static void
cancel_second(struct dispatcher *d, struct job *j)
{
	if (j->hedge.provider == NULL)
		return;
	job_swap_hedge(j);
	logmsg(d, LOG_NOTICE, "%s: %s: cancelling attempt %u, which lost",
	    j->id, j->provider, j->attempts);
	leave_server(d, j);
	withdraw_work(d, j, submit_may_have_reached(j));
	job_swap_hedge(j);
}

/*
 * Should j, whose attempt runs at its server, get a second attempt now:
 * run past its server's p90, some other server that offers the service
 * has room (the soonest expected, route.h; *to), and the deadline leaves
 * time for it? Why, or why not, in why. The bound (hedge.h) is the
 * caller's.
 */
static bool
hedge_wanted(struct dispatcher *d, const struct job *j, struct policy *pol,
    int *to, char *why, size_t whylen)
{
	int si = j->provider ? server_index(d, j->provider) : -1, full, pick;
	size_t n = d->reg.nservers + 1, k, m = 0;
	struct route_candidate *rc = xcalloc(n, sizeof *rc);
	int *index = xcalloc(n, sizeof *index);
	const struct figures_summary *f;
	int64_t now = now_usec();
	double full_estimate = 0, need, left;
	char due[200], room[200];
	bool any_left, want = false;

	*to = -1;
	if (si < 0 || j->handle == NULL) {
		snprintf(why, whylen, "its attempt has not started");
		goto out;
	}
	f = &d->route.sum[si];
	if (!hedge_due((double)(now - j->attempt_usec) / 1e6, f->p90, f->done,
	    due, sizeof due)) {
		snprintf(why, whylen, "%s", due);
		goto out;
	}
	n = candidates(d, j, rc, index, &any_left, &full, &full_estimate);
	for (k = 0; k < n; k++)
		if (index[k] != si) {
			rc[m] = rc[k];
			index[m++] = index[k];
		}
	if ((pick = route_pick(pol, rc, m, true)) < 0) {
		snprintf(why, whylen, "%s; no other server that offers %s has "
		    "room", due, j->service);
		goto out;
	}
	*to = index[pick];
	/* A server not measured yet is taken to be as slow as this one. */
	need = rc[pick].estimate >= 0 ? rc[pick].estimate : f->p90;
	left = j->deadline_usec != 0 ? (double)(j->deadline_usec - now) / 1e6 :
	    -1;
	if (!hedge_room(left, need, room, sizeof room)) {
		snprintf(why, whylen, "%s; %s", due, room);
		goto out;
	}
	snprintf(why, whylen, "%s; %s expected in %.1f s%s", due,
	    rc[pick].id, need, rc[pick].estimate >= 0 ? "" : " (as slow)");
	want = true;
out:
	free(rc);
	free(index);
	return want;
}

/* What -x prints for a hedge decision: the job, the server, and why. */
static void
explain_hedge(const struct dispatcher *d, const struct job *j, bool want,
    int to, const char *why)
{
	printf("%s\t%s\t", j->id, j->service);
	if (want)
		printf("hedge: %s\t", d->reg.servers[to].id);
	else
		printf("(no hedge)\t");
	printf("%s\n", why);
}

/*
 * Drive j's second attempt as its first is driven, swapped in (it is
 * symmetrical: either may win), then swapped back, unless it ended the
 * job.
 */
static void
drive_swapped(struct dispatcher *d, struct job *j, struct policy *pol)
{
	int64_t now = now_usec();

	d->hedging = true;
	if (submit_unrecorded(j)) {
		event(d, j, JOB_PROCESSING, LOG_NOTICE, "attempt %u (a second "
		    "attempt): what became of its submit to %s was never "
		    "recorded, and it may have reached it; asking again under "
		    "the same attempt", j->attempts, j->provider);
		j->retries = 1;
	}
	if (j->handle == NULL) {
		if (j->next_usec == 0 || now >= j->next_usec)
			submit(d, j, pol);
	} else if (now >= j->next_usec)
		follow_up(d, j, pol);
	d->hedging = false;
	if (last_state(j) == JOB_COMPLETED || last_state(j) == JOB_FAILED)
		return;
	job_swap_hedge(j);
	if (j->hedge.provider == NULL)	/* it failed: over */
		job_end_hedge(j);
	save(d, j);
}

/*
 * Give j a second attempt, if it is due one (hedge_wanted) and within the
 * registry's bound: its place taken at the other server, the intent
 * recorded before the submit (submit_to), as for any attempt.
 */
static void
maybe_hedge(struct dispatcher *d, struct job *j, struct policy *pol)
{
	char why[700];
	int to, taken;
	bool want = hedge_wanted(d, j, pol, &to, why, sizeof why);

	if (d->explain)
		explain_hedge(d, j, want, to, why);
	if (!want)
		return;
	if ((taken = hedge_budget_take(&d->sp, d->reg.hedge, now_usec())) !=
	    1) {
		if (taken == 0)
			logmsg(d, LOG_INFO, "%s: not hedged: %u%% of the jobs "
			    "begun have had a second attempt", j->id,
			    d->reg.hedge);
		return;
	}
	if (!take_place(d, j, to)) {
		hedge_budget_return(&d->sp, now_usec());
		return;
	}
	job_swap_hedge(j);
	d->hedging = true;
	begin_attempt(d, j, to);
	event(d, j, JOB_PROCESSING, LOG_NOTICE, "hedged: attempt %u also sent "
	    "to %s: %s", j->attempts, j->provider, why);
	note(d, j, FIG_HEDGE);
	submit_to(d, j, to);
	d->hedging = false;
	job_swap_hedge(j);
	if (j->hedge.provider == NULL)	/* it could not run it */
		job_end_hedge(j);
	save(d, j);
}

/* After j's current attempt's step: its second attempt's, or a hedge. */
static void
hedge_step(struct dispatcher *d, struct job *j, struct policy *pol)
{
	if (last_state(j) == JOB_COMPLETED || last_state(j) == JOB_FAILED ||
	    d->cannot_write)
		return;
	if (j->hedge.provider != NULL) {
		job_swap_hedge(j);
		drive_swapped(d, j, pol);
	} else if (d->reg.hedge > 0 && j->provider != NULL &&
	    j->handle != NULL && !j->ready)	/* not once it is done */
		maybe_hedge(d, j, pol);
}

/*
 * A submission time from a clock ahead of this host's is taken as now,
 * so that a job never gets more than its deadline, nor completes in
 * negative time; one from a clock behind it, as when the job's file was
 * written (by this host's clock, or the file server's), so that it is
 * not failed at once. A job that really waited in new/ keeps that wait.
 */
static int64_t
submitted_here(struct dispatcher *d, const struct job *j, enum spool_dir in,
    int64_t now)
{
	int64_t written = spool_mtime_usec(&d->sp, in, j->id);
	int64_t at = j->submitted_usec;

	if (at > now)
		return now;
	if (written != 0 && at < written - CLOCK_SLACK_USEC)
		return written < now ? written : now;
	return at;
}

/* The same, kept in the job, and said in its history if it changed. */
static void
clamp_submitted(struct dispatcher *d, struct job *j, int64_t now)
{
	int64_t at = submitted_here(d, j, SPOOL_PROCESSING, now);

	if (at == j->submitted_usec)
		return;
	event(d, j, JOB_PROCESSING, LOG_INFO, "its submission time is %lld "
	    "s %s this host's clock; counted from %s", (long long)(llabs(
	    j->submitted_usec - at) / 1000000), j->submitted_usec > at ?
	    "ahead of" : "behind", at == now ? "now" : "when it was written");
	j->submitted_usec = at;
}

/*
 * How long a job has from its submission: the registry's deadline, or the
 * one its submitter asked for (ct-submit -t) if that is sooner. A
 * submitter may shorten a job's time, never lengthen it.
 */
static int64_t
allowed_usec(const struct dispatcher *d, const struct job *j)
{
	int64_t secs = d->reg.deadline;

	if (j->within_sec != 0 && j->within_sec < secs)
		secs = j->within_sec;
	return secs * 1000000;
}

/* A job driven for the first time gets its deadline. */
static void
settle_deadline(struct dispatcher *d, struct job *j, int64_t now)
{
	if (j->deadline_usec == 0) {
		clamp_submitted(d, j, now);
		j->deadline_usec = j->submitted_usec + allowed_usec(d, j);
	}
	if (j->deadline_usec < d->due_usec)
		d->due_usec = j->deadline_usec;
}

static void hedge_step(struct dispatcher *d, struct job *j,
    struct policy *pol);

/*
 * Drive one job in processing/ as far as it goes now. The caller holds
 * its lock. Policies are per service, loaded on demand. Intended: this
 * pass has just recorded the intent to submit it (intend()), so an
 * intent on record is not a dispatcher that stopped.
 */
static void
advance(struct dispatcher *d, struct job *j, struct policy *pol,
    bool intended)
{
	int64_t now = now_usec();
	enum job_state last = last_state(j);
	bool reached;

	if (last == JOB_COMPLETED || last == JOB_FAILED) {
		/*
		 * A pass died between the final write and the rename, and so
		 * before the cancels that follow a verdict: a withdrawn job's
		 * work, the attempt that lost. Once the job has left
		 * processing/, its work directory goes with its lock, and
		 * with it what the next pass would know to cancel.
		 */
		finish(d, j, last);
		if (last == JOB_FAILED)
			withdraw_work(d, j, submit_may_have_reached(j));
		cancel_second(d, j);
		return;
	}
	settle_deadline(d, j, now);
	if (j->provider != NULL && j->attempts == 0)
		j->attempts = 1;	/* a record from before attempts */
	if (!intended && submit_unrecorded(j)) {
		event(d, j, JOB_PROCESSING, LOG_NOTICE, "attempt %u: what "
		    "became of its submit to %s was never recorded (the "
		    "dispatcher stopped, or could not write), and it may have "
		    "reached it; asking again under the same attempt",
		    j->attempts, j->provider);
		j->retries = 1;	/* a submit without an answer */
	}
	reached = !intended && submit_may_have_reached(j);
	if (spool_cancel_requested(&d->sp, j->id)) {
		withdraw(d, j, CANCELLED, reached);
		return;
	}
	if (j->deadline_usec != 0 && now >= j->deadline_usec) {
		withdraw(d, j, DEADLINE_PASSED, reached);
		return;
	}
	if (j->provider == NULL || j->handle == NULL) {
		if (j->next_usec == 0 || now >= j->next_usec)
			submit(d, j, pol);
	} else if (now >= j->next_usec)
		follow_up(d, j, pol);
	hedge_step(d, j, pol);
}

/* ---- the pass ----------------------------------------------------------- */

/* The policy of a service, loaded once per pass. */
struct policies {
	struct policy *p;
	size_t n;
};

static struct policy *
policy_for(struct dispatcher *d, struct policies *ps, const char *service)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].service, service) == 0)
			return &ps->p[i];
	ps->p = xrealloc(ps->p, (ps->n + 1) * sizeof *ps->p);
	policy_load(&d->sp, service, &ps->p[ps->n]);
	return &ps->p[ps->n++];
}

/* Count jobs in flight per server from processing/ (headers only). */
static void
count_in_flight(struct dispatcher *d)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_PROCESSING);
	const char *id;

	memset(d->in_flight, 0, d->reg.nservers * sizeof *d->in_flight);
	d->due_usec = INT64_MAX;
	while ((id = spool_walk_next(&d->sp, &w)) != NULL) {
		struct job j;
		int si;

		if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, false, &j) != 0)
			continue;
		if (j.deadline_usec != 0 && j.deadline_usec < d->due_usec)
			d->due_usec = j.deadline_usec;
		/* A job holds its place from its attempt's first submit. */
		if (j.provider != NULL &&
		    (si = server_index(d, j.provider)) >= 0) {
			d->in_flight[si]++;
			route_in_flight(&d->route, (size_t)si, j.attempt_usec,
			    now_usec());
			if (!d->dry_run)
				slots_keep(&d->sp, j.provider, id);
		}
		if (j.hedge.provider != NULL &&
		    (si = server_index(d, j.hedge.provider)) >= 0) {
			d->in_flight[si]++;
			route_in_flight(&d->route, (size_t)si,
			    j.hedge.attempt_usec, now_usec());
			if (!d->dry_run)
				slots_keep(&d->sp, j.hedge.provider, id);
		}
		job_free(&j);
	}
	spool_walk_free(&w);
}

/*
 * Done with job id for this pass: its lock goes with its rewrite, if one
 * is staged, to be released after the commit; otherwise now.
 */
static void
release(struct dispatcher *d, const char *id, int lock)
{
	if (commit_has(&d->batch, id)) {
		commit_hold(&d->batch, id, lock);
		return;
	}
	spool_clean_up_if_gone(&d->sp, id);
	close(lock);
}

/*
 * Adopting a batch call's intents (intents.h): the job in memory whose
 * lock the caller holds, or none (then each job's lock is taken here).
 */
struct adoption {
	struct dispatcher *d;
	struct job *j;
	int lock;
};

/*
 * An intents_fn: the intent of job id, whose dispatcher may have died
 * during the batch call, becomes its record if the record is older (fewer
 * attempts): then the next step asks again under the same attempt at the
 * same server, as after a job's own intent. 1 while another holds the
 * job's lock, or its record could not be read or written.
 */
static int
adopt_intent(void *arg, const char *file, const char *id, const char *rec,
    size_t len)
{
	struct adoption *a = arg;
	struct dispatcher *d = a->d;
	struct job intent, cur, *j = a->j;
	char why[200];
	int lock = a->lock, rc = 0;

	(void)file;
	if (j == NULL) {
		if (spool_lock(&d->sp, id, &lock) != SPOOL_LOCKED)
			return 1;
		if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, true,
		    &cur) != 0) {
			/* Gone on from processing/, with a newer record. */
			release(d, id, lock);
			return 0;
		}
		j = &cur;
	}
	if (job_parse(rec, len, true, &intent, NULL, why, sizeof why) != 0 ||
	    strcmp(intent.id, id) != 0) {
		ct_warn("%s: its intent in %s/state/intents/%s cannot be "
		    "read: %s", id, d->sp.path, file, why);
		rc = 1;
	} else if (j->attempts < intent.attempts) {
		event(d, &intent, JOB_PROCESSING, LOG_NOTICE, "attempt %u: "
		    "the intent to submit it to %s in a batch outlived the "
		    "dispatcher that made it; taken as its record",
		    intent.attempts, intent.provider != NULL ?
		    intent.provider : "?");
		if (save_now(d, &intent) != 0) {
			unwritten(d, id);
			rc = 1;
		} else {
			job_free(j);
			*j = intent;
			memset(&intent, 0, sizeof intent);
		}
	}
	job_free(&intent);
	if (a->j == NULL) {
		job_free(&cur);
		release(d, id, lock);
	}
	return rc;
}

/*
 * j, whose lock the caller holds, has no server: had it one in a batch
 * call's intent, it takes it.
 */
static void
adopt_intent_of(struct dispatcher *d, struct job *j, int lock)
{
	if (j->provider == NULL)
		intents_each(&d->sp, j->id, false, adopt_intent,
		    &(struct adoption){ .d = d, .j = j, .lock = lock });
}

/*
 * At the start of a pass: the intents of batch calls whose dispatcher
 * died are adopted by their jobs, and each file whose jobs all have
 * theirs goes. A job whose lock is held is being driven: its file stays,
 * and whoever then finds the job without a server adopts it
 * (adopt_intent_of).
 */
static void
adopt_intents(struct dispatcher *d)
{
	intents_each(&d->sp, NULL, true, adopt_intent,
	    &(struct adoption){ .d = d, .j = NULL, .lock = -1 });
}

/*
 * Drive job id under its lock, which the caller has taken and which goes
 * with it; intended, if this pass has just claimed it and recorded its
 * intent (intend()).
 */
static void
drive_locked(struct dispatcher *d, const char *id, struct policies *ps,
    bool intended, int lock)
{
	struct job j;

	if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, true, &j) == 0) {
		if (!intended)
			adopt_intent_of(d, &j, lock);
		d->lock = lock;
		advance(d, &j, policy_for(d, ps, j.service), intended);
		d->lock = -1;
		job_free(&j);
	}
	release(d, id, lock);
}

/* Drive job id, if no other dispatcher holds its lock. */
static void
drive(struct dispatcher *d, const char *id, struct policies *ps)
{
	int lock;

	if (spool_lock(&d->sp, id, &lock) == SPOOL_LOCKED)
		drive_locked(d, id, ps, false, lock);
	/* else another dispatcher drives it, or said why not */
}

/*
 * A job's work directory outlived its record in processing/: a pass was
 * killed between the job's end and its clean-up. A Failed job that still
 * names a handle, or whose submit may have reached its server, was
 * withdrawn (cancelled, or past its deadline), and the cancel of its work,
 * which comes after the verdict, may never have been sent: it is now. A
 * cancel sent twice is harmless (ct-wrapper(7)).
 */
static void
withdraw_left_work(void *arg, const char *id, int lock)
{
	struct dispatcher *d = arg;
	struct job j;
	bool reached;

	/* A completed job's second attempt, if it lost: the cancel's too. */
	if (spool_read_in(&d->sp, SPOOL_COMPLETED, id, true, &j) == 0) {
		d->lock = lock;
		cancel_second(d, &j);
		d->lock = -1;
		job_free(&j);
		return;
	}
	if (spool_read_in(&d->sp, SPOOL_FAILED, id, true, &j) != 0)
		return;
	reached = submit_may_have_reached(&j);
	if (j.provider != NULL && (j.handle != NULL || reached)) {
		logmsg(d, LOG_NOTICE, "%s: %s: attempt %u may have been left "
		    "running when the job failed: cancelling it", id,
		    j.provider, j.attempts);
		d->lock = lock;
		withdraw_work(d, &j, reached);
		d->lock = -1;
	}
	d->lock = lock;
	cancel_second(d, &j);
	d->lock = -1;
	job_free(&j);
}

/*
 * A job whose deadline passes while the pass is busy with others must not
 * wait for the rest of the pass: a hung call lasts up to its timeout, and
 * each hung call after it as long again. So before each call, and while
 * each runs, once a deadline the pass knows of has passed, every job past
 * its deadline whose lock is free gets its verdict; each keeps its lock
 * until its work is withdrawn (withdraw_owed), before the next call or at
 * the end of the pass. Whatever else hangs, a job thus fails on time; only
 * the cancel of its work waits.
 */
static void
expire_due(struct dispatcher *d)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_PROCESSING);
	int64_t now = now_usec(), next = INT64_MAX;
	const char *id;

	d->expiring = true;
	while ((id = spool_walk_next(&d->sp, &w)) != NULL) {
		struct job j;
		int64_t deadline;
		int lock;

		if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, false, &j) != 0)
			continue;
		deadline = j.deadline_usec;
		job_free(&j);
		if (deadline == 0)
			continue;
		if (deadline > now) {
			if (deadline < next)
				next = deadline;
			continue;
		}
		/*
		 * The job being driven is locked here too, and skipped, as is
		 * one whose step awaits its commit: looked at again a second
		 * on, not at the next deadline, or it would keep its verdict
		 * only at the next pass.
		 */
		if (spool_lock(&d->sp, id, &lock) != SPOOL_LOCKED) {
			if (now + 1000000 < next)
				next = now + 1000000;
			continue;
		}
		if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, true, &j) != 0) {
			release(d, id, lock);
			continue;
		}
		adopt_intent_of(d, &j, lock);
		/* A final record not yet moved is advance()'s to finish. */
		if (last_state(&j) == JOB_COMPLETED ||
		    last_state(&j) == JOB_FAILED) {
			job_free(&j);
			release(d, id, lock);
			continue;
		}
		withdraw_verdict(d, &j, DEADLINE_PASSED);
		d->owed = xrealloc(d->owed, (d->nowed + 1) * sizeof *d->owed);
		d->owed[d->nowed].j = j;
		d->owed[d->nowed++].lock = lock;
	}
	spool_walk_free(&w);
	d->due_usec = next;
	d->expiring = false;
}

/*
 * Withdraw the work of the jobs expire_due() failed, and let them go. A
 * cancel is a call, and while it runs more jobs may fail and be owed:
 * until none is.
 */
static void
withdraw_owed(struct dispatcher *d)
{
	int driven = d->lock;

	if (d->withdrawing)
		return;
	d->withdrawing = true;
	while (d->nowed > 0) {
		struct owed o = d->owed[--d->nowed];

		d->lock = o.lock;
		withdraw_work(d, &o.j, submit_may_have_reached(&o.j));
		cancel_second(d, &o.j);
		release(d, o.j.id, o.lock);
		job_free(&o.j);
	}
	d->lock = driven;
	d->withdrawing = false;
}

/*
 * A job just claimed: its first attempt chosen and the intent to submit
 * it staged (submitting), so that the chunk's commit makes every intent
 * durable at once, before any of its wrappers runs; a per-job write
 * before each submit would cost the pass a directory fsync a job. A job
 * that may go in a batch call is left in *out instead, *pending set: its
 * intent is written with its batch's, in one file (submit_batches).
 *
 * Returns the job's lock, kept past the commit for the caller to drive
 * the job with: a job whose intent is on record and whose lock is free has
 * lost its dispatcher, so no other may find it so while this one has yet
 * to get to it. Returns -1 if there is no such job to drive.
 */
static int
intend(struct dispatcher *d, const char *id, struct policies *ps,
    struct job *out, bool *pending)
{
	struct job j;
	int lock, si = -1;

	*pending = false;
	if (spool_lock(&d->sp, id, &lock) != SPOOL_LOCKED)
		return -1;
	if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, true, &j) == 0) {
		event(d, &j, JOB_PROCESSING, LOG_DEBUG, "claimed by "
		    "ct-dispatch on %s", d->host);
		settle_deadline(d, &j, now_usec());
		if (j.provider == NULL && now_usec() < j.deadline_usec &&
		    !spool_cancel_requested(&d->sp, id) &&
		    place(d, &j, policy_for(d, ps, j.service), &si) ==
		    CHOICE_SERVER)
			j.submitting = true;
		if (j.submitting && j.handle == NULL && si >= 0 &&
		    batchcall_eligible(&d->reg.servers[si], &j)) {
			*out = j;
			*pending = true;
			return lock;
		}
		save(d, &j);
		job_free(&j);
		return lock;
	}
	release(d, id, lock);
	return -1;
}

/*
 * Jobs just claimed that one search could serve go to their server
 * together, in batch calls (batchcall.h), before each is driven: a job a
 * batch started has its handle then, and its step for this pass is over,
 * as a job's is once submitted alone; any other is driven, and so
 * submitted alone, under the same attempt, as every job is without
 * <batch>. Each job's intent is on record already.
 */
static void
submit_batch(struct dispatcher *d, int si, struct job **jobs,
    const int *locks, bool **started, size_t n)
{
	const struct registry_server *s = &d->reg.servers[si];
	char **wds = xcalloc(n, sizeof *wds), **handles = xcalloc(n,
	    sizeof *handles), why[700] = "";
	enum contract_outcome o = CONTRACT_TRANSIENT;
	const struct account *as = NULL;
	struct account owner;
	int64_t open_usec, bound;
	size_t k, sent = 0;

	/* Whom the call runs as: the jobs share it (batchcall_alike). */
	if (runner(d, s, jobs[0], &owner, &as, why, sizeof why) != 0)
		as = NULL;
	for (k = 0; k < n && why[0] == '\0'; k++)
		if ((wds[k] = spool_workdir(&d->sp, jobs[k]->id,
		    jobs[k]->attempts, as)) == NULL)
			snprintf(why, sizeof why, "no work directory");
	if (why[0] == '\0' && request_allowed(d, si, &open_usec, &bound)) {
		o = batchcall_submit(&(struct batchcall){ .wrapper_dir =
		    d->wrapper_dir, .server = s, .jobs = jobs, .workdirs = wds,
		    .locks = locks, .as = as, .n = n,
		    .meanwhile = commit_meanwhile,
		    .meanwhile_arg = d, .meanwhile_ms = CHUNK_MAX_AGE_USEC /
		    4000 }, handles, why, sizeof why);
		if (bound != 0)
			gate_done(&d->sp, s->id, bound, now_usec());
	} else if (why[0] == '\0')
		snprintf(why, sizeof why, "%s: request-interval", s->id);
	for (k = 0; k < n; k++) {
		struct job *j = jobs[k];

		if (handles[k] == NULL) {
			event(d, j, JOB_PROCESSING, LOG_INFO, "not started by "
			    "a batch of %zu at %s%s%s; submitted alone", n,
			    s->id, o != CONTRACT_OK ? ": " : "",
			    o != CONTRACT_OK ? why : "");
		} else {
			job_set(&j->handle, handles[k]);
			note(d, j, FIG_ANSWER);
			j->next_usec = now_usec() + (int64_t)s->poll_interval *
			    1000000;
			j->submitting = false;
			event(d, j, JOB_PROCESSING, LOG_INFO, "sent to %s in a "
			    "batch of %zu (handle %s)", s->id, n, j->handle);
			*started[k] = true;
			sent++;
		}
		save(d, j);
		free(handles[k]);
		free(wds[k]);
	}
	logmsg(d, LOG_INFO, "%s: a batch of %zu: %zu started", s->id, n, sent);
	free(handles);
	free(wds);
}

/*
 * The jobs of a claimed chunk (their locks in locks, -1 for none) put in
 * batches: each job whose intent is pending (intend()) with the first
 * alike ones after it, within its server's <batch> bounds. The intents of
 * the jobs of every batch are made durable in one file (intents.h), those
 * of the others in their records, all before any call; once each job's
 * record is durable again after the calls, the file goes. started[k]: job
 * k was, and its step is over for this pass, as a job's is once it is
 * submitted alone. Every pending job's record is rewritten here; js[k]
 * is the caller's to free.
 */
static void
submit_batches(struct dispatcher *d, struct job *js, const bool *pending,
    const int *locks, bool *started, size_t m)
{
	struct job **group = xcalloc(m, sizeof *group);
	bool **gstarted = xcalloc(m, sizeof *gstarted);
	int *si = xcalloc(m, sizeof *si), *glocks = xcalloc(m,
	    sizeof *glocks);
	size_t *leader = xcalloc(m, sizeof *leader), k, i, n, letters;
	struct intents in = { 0 };
	char name[JOBID_MAX + 1] = "";

	for (k = 0; k < m; k++) {
		leader[k] = SIZE_MAX;
		si[k] = pending[k] ? server_index(d, js[k].provider) : -1;
	}
	for (k = 0; k < m; k++) {
		const struct registry_server *s;

		if (si[k] < 0 || leader[k] != SIZE_MAX)
			continue;
		s = &d->reg.servers[si[k]];
		letters = batchcall_residues(&js[k]);
		for (n = 1, i = k + 1; i < m && n < s->batch_queries; i++) {
			size_t r = batchcall_residues(&js[i]);

			if (si[i] != si[k] || leader[i] != SIZE_MAX ||
			    !batchcall_alike(s, &js[k], &js[i]) ||
			    letters + r > s->batch_residues)
				continue;
			letters += r;
			leader[i] = k;
			n++;
		}
		if (n > 1)
			leader[k] = k;
	}
	/* The intents: a batch's in its file, any other in its record. */
	for (k = 0; k < m; k++) {
		struct buf rec = { 0 };

		if (!pending[k])
			continue;
		if (leader[k] == SIZE_MAX) {
			save(d, &js[k]);
			continue;
		}
		job_format(&js[k], js[k].input, js[k].input_len, &rec);
		intents_add(&in, js[k].id, rec.data, rec.len);
		buf_free(&rec);
		if (name[0] == '\0')
			snprintf(name, sizeof name, "%s", js[k].id);
	}
	if (in.n > 0 && intents_write(&d->sp, name, &in) != 0) {
		name[0] = '\0';	/* in each record, then */
		for (k = 0; k < m; k++)
			if (pending[k] && leader[k] != SIZE_MAX)
				save(d, &js[k]);
	}
	commit(d);	/* every intent durable before any call */
	for (k = 0; k < m; k++) {
		if (leader[k] != k)
			continue;
		for (n = 0, i = k; i < m; i++) {
			if (leader[i] != k)
				continue;
			group[n] = &js[i];
			gstarted[n] = &started[i];
			glocks[n++] = locks[i];
		}
		if (stop_requested || d->cannot_write) {
			/* Not called: each is driven, or left, alone. */
			for (i = 0; i < n; i++)
				save(d, group[i]);
		} else
			submit_batch(d, si[k], group, glocks, gstarted, n);
	}
	commit(d);	/* before drive_locked() reads them again */
	if (name[0] != '\0' && !d->cannot_write)
		intents_remove(&d->sp, name);
	intents_free(&in);
	free(group);
	free(gstarted);
	free(si);
	free(glocks);
	free(leader);
}

/*
 * How many more jobs of this service the servers could take now: the free
 * places under the enabled ones' caps (none while every one is disabled:
 * its jobs wait New). SIZE_MAX if no server offers it at all, so that
 * such a job is claimed, to fail it with a reason.
 */
static size_t
room_for(struct dispatcher *d, const char *service)
{
	bool offered = false;
	size_t i, room = 0;

	for (i = 0; i < d->reg.nservers; i++) {
		const struct registry_server *s = &d->reg.servers[i];

		if (registry_weight(s, service) == 0)
			continue;
		offered = true;
		if (in_service(d, i) && route_open(&d->route, i) &&
		    d->in_flight[i] < s->max_jobs)
			room += route_is_probe(&d->route, i) ? 1 :
			    s->max_jobs - d->in_flight[i];
	}
	return offered ? room : SIZE_MAX;
}

/* What -n -x prints for the New jobs, without touching anything. */
static void
explain_new(struct dispatcher *d, struct policies *ps)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_NEW);
	const char *id;

	while (!stop_requested && (id = spool_walk_next(&d->sp, &w)) != NULL) {
		enum job_state s;
		struct job j;
		int si;

		if (spool_load(&d->sp, id, false, &j, &s) != SPOOL_FOUND)
			continue;
		if (s == JOB_NEW && choose(d, &j, policy_for(d, ps,
		    j.service), &si) == CHOICE_SERVER)
			d->in_flight[si]++;
		job_free(&j);
	}
	spool_walk_free(&w);
}

/*
 * What -n -x prints, with hedge set, for each job in flight: whether it
 * would get a second attempt now, and why (hedge_wanted, and the bound).
 */
static void
explain_hedges(struct dispatcher *d, struct policies *ps)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_PROCESSING);
	double begun = 0, hedged = 0;
	const char *id;
	char why[700];

	(void)hedge_budget_read(&d->sp, now_usec(), &begun, &hedged);
	while (!stop_requested && (id = spool_walk_next(&d->sp, &w)) != NULL) {
		struct job j;
		bool want;
		int to;

		if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, false, &j) != 0)
			continue;
		if (j.hedge.provider != NULL)
			printf("%s\t%s\t(hedged)\tat %s and %s\n", j.id,
			    j.service, j.provider, j.hedge.provider);
		else if (j.provider != NULL && j.handle != NULL) {
			want = hedge_wanted(d, &j, policy_for(d, ps,
			    j.service), &to, why, sizeof why);
			if (want && !hedge_budget_allows(begun, hedged,
			    d->reg.hedge)) {
				want = false;
				snprintf(why + strlen(why), sizeof why -
				    strlen(why), "; but %u%% of the jobs begun "
				    "have had one", d->reg.hedge);
			}
			/* As the pass would take them, one after another. */
			hedged += want;
			explain_hedge(d, &j, want, to, why);
		}
		job_free(&j);
	}
	spool_walk_free(&w);
}

/* Has the deadline of New job j passed (by the clamped clock)? */
static bool
deadline_passed(struct dispatcher *d, const struct job *j)
{
	int64_t now = now_usec(), deadline;

	if (d->reg.deadline == 0)
		return false;
	deadline = submitted_here(d, j, SPOOL_NEW, now) + allowed_usec(d, j);
	wake_by(d, deadline);	/* if it stays New, fail it then */
	return now >= deadline;
}

/*
 * A held job (in held/, ct-hold(1)) is never claimed to be run; but it
 * still fails at its deadline, with a reason that says it was held. Each
 * pass reads the held jobs' headers, as it reads those of New jobs it has
 * no room for, and claims those past their deadline by the same one
 * rename, which a ct-release or ct-cancel may win instead; and those whose
 * owner asked to cancel them (cancel/ID), which a ct-cancel fails itself
 * unless it died first.
 */
static void
fail_held(struct dispatcher *d)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_HELD);
	const char *id;

	while (!stop_requested && !d->cannot_write &&
	    (id = spool_walk_next(&d->sp, &w)) != NULL) {
		int64_t now = now_usec(), deadline;
		bool cancelled;
		struct job j;
		int lock;

		if (spool_read_in(&d->sp, SPOOL_HELD, id, false, &j) != 0)
			continue;
		deadline = submitted_here(d, &j, SPOOL_HELD, now) +
		    allowed_usec(d, &j);
		job_free(&j);
		wake_by(d, deadline);	/* if it stays held, fail it then */
		/* A ct-cancel that died before failing it left its request. */
		cancelled = spool_cancel_requested(&d->sp, id);
		if (now < deadline && !cancelled)
			continue;
		if (spool_move(&d->sp, SPOOL_HELD, SPOOL_PROCESSING, id) != 0) {
			if (errno != ENOENT)
				ct_warnerr("%s: cannot claim", id);
			continue;
		}
		/* Busy: a ct-cancel has it, and fails it. */
		if (spool_lock(&d->sp, id, &lock) != SPOOL_LOCKED)
			continue;
		if (spool_read_in(&d->sp, SPOOL_PROCESSING, id, true, &j) == 0) {
			event(d, &j, JOB_PROCESSING, LOG_DEBUG, "claimed by "
			    "ct-dispatch on %s", d->host);
			settle_deadline(d, &j, now);
			fail_job(d, &j, "%s", cancelled ? CANCELLED :
			    DEADLINE_PASSED_HELD);
			job_free(&j);
		}
		release(d, id, lock);
	}
	spool_walk_free(&w);
}

/*
 * Does New job j wait for jobs to share a batch call with: some server
 * that takes its service in batches asks for a wait (<batch wait>), and j
 * is younger than that? Then it stays New, and a -f dispatcher wakes when
 * the wait is over; one past its deadline waits for nothing.
 */
static bool
waits_for_batch(struct dispatcher *d, const struct job *j)
{
	int64_t now = now_usec(), at = submitted_here(d, j, SPOOL_NEW, now),
	    until = 0;
	size_t i;

	for (i = 0; i < d->reg.nservers; i++) {
		const struct registry_server *s = &d->reg.servers[i];
		int64_t end = at + (int64_t)s->batch_wait * 1000000;

		if (s->batch_queries >= 2 && in_service(d, i) &&
		    registry_weight(s, j->service) > 0 && end > until)
			until = end;
	}
	if (now >= until || deadline_passed(d, j))
		return false;
	wake_by(d, until);
	return true;
}

/*
 * Claim up to CHUNK New jobs there is room for, from the walk, into
 * claimed. Only one dispatcher's rename of a job can succeed. Returns the
 * number claimed.
 */
static size_t
claim_chunk(struct dispatcher *d, struct spool_walk *w,
    struct spool_walk_id *claimed)
{
	struct strvec service = STRVEC_INIT;
	const char *id;
	size_t m = 0, k, same;

	while (m < CHUNK && !stop_requested &&
	    (id = spool_walk_next(&d->sp, w)) != NULL) {
		enum job_state s;
		struct job j;

		if (spool_load(&d->sp, id, false, &j, &s) != SPOOL_FOUND)
			continue;
		if (s == JOB_NEW && waits_for_batch(d, &j)) {
			job_free(&j);
			continue;
		}
		for (same = 0, k = 0; k < service.n; k++)
			same += strcmp(service.v[k], j.service) == 0;
		/*
		 * Otherwise it stays New until a server is free; unless its
		 * deadline has passed, when it is claimed to be failed.
		 */
		if (s == JOB_NEW && (same < room_for(d, j.service) ||
		    deadline_passed(d, &j))) {
			if (spool_move_unsynced(&d->sp, SPOOL_NEW,
			    SPOOL_PROCESSING, id) == 0) {
				strvec_push(&service, j.service);
				memcpy(claimed[m++].id, id, sizeof claimed->id);
			} else if (errno != ENOENT)
				ct_warnerr("%s: cannot claim", id);
		}
		job_free(&j);
	}
	strvec_free(&service);
	return m;
}

/* Claim the New jobs there is room for, a chunk at a time, and drive them. */
static void
claim_new(struct dispatcher *d, struct policies *ps)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_NEW);
	struct spool_walk_id claimed[CHUNK];
	struct job *js = xcalloc(CHUNK, sizeof *js);
	int locks[CHUNK];
	bool started[CHUNK], pending[CHUNK];
	size_t m, k;

	while (!stop_requested && !d->cannot_write &&
	    (m = claim_chunk(d, &w, claimed)) > 0) {
		/* The claims last before any wrapper acts on them. */
		if (spool_sync(&d->sp, SPOOL_PROCESSING) != 0 ||
		    spool_sync(&d->sp, SPOOL_NEW) != 0) {
			/* Claimed but not driven: the next pass drives them. */
			ct_warn("cannot sync the claims of this pass; stopping");
			for (k = 0; k < m; k++)
				unwritten(d, claimed[k].id);
			stop_requested = 1;
		}
		for (k = 0; k < m; k++) {
			pending[k] = false;
			locks[k] = stop_requested ? -1 :
			    intend(d, claimed[k].id, ps, &js[k], &pending[k]);
		}
		memset(started, 0, sizeof started);
		if (!stop_requested && !d->cannot_write)
			submit_batches(d, js, pending, locks, started, m);
		else {
			for (k = 0; k < m; k++)
				if (pending[k])
					save(d, &js[k]);
			commit(d);
		}
		for (k = 0; k < m; k++)
			if (pending[k])
				job_free(&js[k]);
		for (k = 0; k < m; k++) {
			if (locks[k] < 0)
				continue;
			if (started[k]) {	/* submitted, in a batch */
				release(d, claimed[k].id, locks[k]);
				continue;
			}
			/* Claimed, and driven once the spool takes writes. */
			if (stop_requested || d->cannot_write)
				close(locks[k]);
			else
				drive_locked(d, claimed[k].id, ps, true,
				    locks[k]);
			commit_if_due(d);
		}
		commit(d);
	}
	spool_walk_free(&w);
	free(js);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The jobs of this pass whose step could not be written, said once, each
 * once: each carries on from its last durable record at the next pass,
 * and the run will exit 74.
 */
static void
say_unwritten(struct dispatcher *d)
{
	struct strvec *u = &d->unwritten;
	struct buf ids = { 0 };
	size_t i, n = 0;

	if (u->n == 0)
		return;
	qsort(u->v, u->n, sizeof *u->v, by_string);
	for (i = 0; i < u->n; i++) {
		if (i > 0 && strcmp(u->v[i], u->v[i - 1]) == 0)
			continue;
		if (n++ < UNWRITTEN_NAMED)
			buf_appendf(&ids, " %s", u->v[i]);
	}
	if (n > UNWRITTEN_NAMED)
		buf_appendf(&ids, " and %zu more", n - UNWRITTEN_NAMED);
	ct_warn("could not write the spool for %zu job%s:%s; each carries on "
	    "from its last record", n, n == 1 ? "" : "s", ids.data);
	buf_free(&ids);
	strvec_free(u);
	d->spool_failed = true;
}

/*
 * A dispatcher that is PID 1 of a container inherits every orphan there,
 * a wrapper's detached work among them: reap those that have ended.
 */
static void
reap_strays(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * The registry's retention, applied to every user's finished jobs (at
 * most hourly, whichever dispatcher comes first: purge.h).
 */
static void
expire_finished(struct dispatcher *d)
{
	long n = purge_expired(&d->sp, (int64_t)d->reg.retention * 1000000);

	if (n > 0)
		logmsg(d, LOG_INFO, "removed %ld finished job%s older than %u s, "
		    "with their results", n, n == 1 ? "" : "s",
		    d->reg.retention);
}

/* One pass over the spool. */
static void
one_pass(struct dispatcher *d)
{
	struct spool_walk w = SPOOL_WALK_INIT(SPOOL_PROCESSING);
	struct policies ps = { 0 };
	const char *id;
	size_t i;

	d->wake_usec = INT64_MAX;
	d->cannot_write = false;
	look_at_disabled(d);
	route_look(&d->route, &d->sp, &d->reg, now_usec(), &d->wake_usec);
	if (!d->dry_run)
		adopt_intents(d);
	count_in_flight(d);
	if (d->dry_run) {
		if (d->explain)
			explain_new(d, &ps);
		if (d->explain && d->reg.hedge > 0)
			explain_hedges(d, &ps);
	} else {
		spool_reap_tmp(&d->sp, SPOOL_TMP_MAX_AGE);
		expire_finished(d);
		while (!stop_requested && !d->cannot_write &&
		    (id = spool_walk_next(&d->sp, &w)) != NULL) {
			drive(d, id, &ps);
			commit_if_due(d);
		}
		commit(d);
		spool_walk_free(&w);
		if (!d->cannot_write) {
			spool_reap_orphans(&d->sp, withdraw_left_work, d);
			claim_new(d, &ps);
			fail_held(d);
		}
		/* Jobs that failed during the pass's last call. */
		withdraw_owed(d);
		commit(d);	/* and the figures of its last events */
		reap_strays();
	}
	for (i = 0; i < ps.n; i++) {
		if (!d->dry_run)
			policy_save(&d->sp, &ps.p[i]);
		policy_free(&ps.p[i]);
	}
	free(ps.p);
	say_unwritten(d);
}

/* ---- set-up and the loop ------------------------------------------------ */

/* Sleep until a New job arrives (inotify), or at most max_ms. */
static void
wait_for_work(int ifd, int max_ms)
{
	struct pollfd pfd = { ifd, POLLIN, 0 };
	char events[4096];

	if (poll(&pfd, ifd >= 0 ? 1 : 0, max_ms) > 0 && ifd >= 0)
		while (read(ifd, events, sizeof events) > 0)
			;
}

/* The options; exits on a usage error. */
static void
parse_options(struct dispatcher *d, struct cli *c, int argc, char **argv)
{
	struct poptOption table[] = {
		CLI_STRING_OF('c', "config", &d->config, 0, "file"),
		CLI_FLAG('f', "follow", &d->follow),
		CLI_FLAG('i', "init", &d->init_spool),
		CLI_FLAG('n', "dry-run", &d->dry_run),
		CLI_FLAG('s', "syslog", &d->use_syslog),
		CLI_FLAG('v', "verbose", &d->verbose),
		CLI_FLAG('x', "explain", &d->explain),
		CLI_COMMON_OPTIONS
	};

	cli_start(c, argc, argv, table);
	while (cli_next(c) != -1)
		;
	if (cli_args(c)[0] != NULL)
		cli_usage_error(c, "unexpected argument '%s'", cli_args(c)[0]);
}

/*
 * The wrapper directory and the spool, as absolute paths (wrappers run in
 * their work directory); with -i, the spool made if it does not exist.
 * Returns 0; 1 for a dry run with -i on a spool that does not exist
 * (nothing to do, and nothing made); or exits.
 */
static int
resolve_paths(struct dispatcher *d, const char *spool)
{
	const char *dir = contract_wrapper_dir();

	if ((d->wrapper_dir = realpath(dir, NULL)) == NULL) {
		if (!d->dry_run)	/* a dry run runs no wrapper */
			ct_dieerr(EX_CONFIG, "wrapper directory %s", dir);
		d->wrapper_dir = xstrdup(dir);
	}
	if ((d->spool_path = realpath(spool, NULL)) != NULL)
		return 0;
	/* A typo in -S must not become a spool that no one submits to. */
	if (errno == ENOENT && !d->init_spool)
		ct_die(EX_UNAVAILABLE, "no spool at %s: %s; -i makes one",
		    spool, strerror(errno));
	if (errno == ENOENT && d->dry_run)
		return 1;
	if (errno != ENOENT)
		ct_dieerr(EX_IOERR, "spool %s", spool);
	if (spool_make(spool) != 0)
		exit(EX_IOERR);
	if ((d->spool_path = realpath(spool, NULL)) == NULL)
		ct_dieerr(EX_IOERR, "spool %s", spool);
	return 0;
}

/*
 * What follows each load of the registry (d->reg), at start and on
 * SIGHUP: the tables kept per server, by index, made anew; and, but for
 * a dry run, the services it offers published for ct-submit's warning
 * (offered.h; if that fails, ct-submit only warns less), and the limits
 * for ct-submit to enforce (spoollimits.h; if that fails, the last ones
 * published, or the built-in ones, hold).
 */
static void
take_registry(struct dispatcher *d)
{
	free(d->in_flight);
	free(d->gate_open);
	free(d->out_of_service);
	d->in_flight = xcalloc(d->reg.nservers + 1, sizeof *d->in_flight);
	d->gate_open = xcalloc(d->reg.nservers + 1, sizeof *d->gate_open);
	d->out_of_service = xcalloc(d->reg.nservers + 1,
	    sizeof *d->out_of_service);
	d->looked_at_disabled = false;
	if (!d->dry_run) {
		(void)offered_publish(&d->sp, &d->reg);
		(void)limits_publish(&d->sp, &d->reg.limits);
	}
}

/*
 * Whether the registry at config, the wrapper directory, each server's
 * wrapper and the helper they run can be changed only by root and this
 * account (trust.h): the dispatcher runs what they say, with its rights. Returns the number of
 * those that cannot, each said. A dry run runs nothing, and is not held.
 */
static int
untrusted(struct dispatcher *d, const char *config,
    const struct registry *r)
{
	char why[1024], *path;
	int n = 0;
	size_t i;

	if (d->dry_run)
		return 0;
	if (trust_path(config, why, sizeof why) != 0 && ++n)
		ct_warn("%s", why);
	if (trust_path(d->wrapper_dir, why, sizeof why) != 0 && ++n)
		ct_warn("%s", why);
	for (i = 0; i < r->nservers; i++) {
		path = path_join(d->wrapper_dir, r->servers[i].wrapper);
		/* One that is not there fails its calls, and says so. */
		if (access(path, F_OK) == 0 &&
		    trust_path(path, why, sizeof why) != 0 && ++n)
			ct_warn("%s", why);
		free(path);
	}
	/* The batch wrappers run it, with the rights they have. */
	path = libexec_path("reportsplit");
	if (access(path, F_OK) == 0 && trust_path(path, why, sizeof why) != 0 &&
	    ++n)
		ct_warn("%s", why);
	free(path);
	return n;
}

/*
 * Whom the wrappers run as under registry r (contract_dispatcher_account),
 * into d, if that account exists and can reach the spool's work
 * directories by their paths. A dry run runs nothing. Returns 0, or -1
 * with why.
 */
static int
take_account(struct dispatcher *d, const struct registry *r, char *why,
    size_t whylen)
{
	const struct account *as;
	struct account a;

	if (d->dry_run)
		return 0;
	if (contract_dispatcher_account(r, &a, &as, why, whylen) != 0 ||
	    (as != NULL && spool_reachable(&d->sp, as, why, whylen) != 0))
		return -1;
	d->account = a;
	d->as = as != NULL ? &d->account : NULL;
	return 0;
}

/*
 * Everything a pass needs: the registry, the paths, the spool. Returns -1
 * when all is ready, else the status to exit with.
 */
static int
dispatcher_open(struct dispatcher *d, const char *spool)
{
	const char *config = registry_choose(d->config);
	int problems = registry_load(&d->reg, config), rc;
	char why[2048];

	if (problems != 0) {
		if (problems > 0)
			ct_warn("%s: the registry has problems; nothing "
			    "dispatched", config);
		return problems < 0 ? EX_NOINPUT : EX_CONFIG;
	}
	if (resolve_paths(d, spool) != 0)
		return 0;
	if (untrusted(d, config, &d->reg) > 0) {
		ct_warn("%s: refused: nothing dispatched", config);
		return EX_CONFIG;
	}
	if (gethostname(d->host, sizeof d->host) != 0)
		snprintf(d->host, sizeof d->host, "localhost");
	d->batch.dir = SPOOL_PROCESSING;
	d->results.dir = SPOOL_RESULTS;
	if ((rc = spool_open(&d->sp, d->spool_path, !d->dry_run)) != 0)
		return rc;
	d->sp.see_all = true;	/* every user's jobs are ours to drive */
	if (take_account(d, &d->reg, why, sizeof why) != 0) {
		ct_warn("%s: nothing dispatched", why);
		return EX_CONFIG;
	}
	take_registry(d);
	return -1;
}

static void
dispatcher_close(struct dispatcher *d)
{
	free(d->in_flight);
	free(d->gate_open);
	free(d->out_of_service);
	route_free(&d->route);
	commit_free(&d->batch);
	commit_free(&d->results);
	strvec_free(&d->unwritten);
	free(d->owed);
	registry_free(&d->reg);
	if (d->spool_path != NULL)
		spool_close(&d->sp);
	free(d->spool_path);
	free(d->wrapper_dir);
	free(d->config);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* An inotify watch on new/ for --follow, or -1 (then it polls). */
static int
watch_new(struct dispatcher *d)
{
	char path[4096];
	int ifd;

	snprintf(path, sizeof path, "%s/new", d->sp.path);
	spool_dir(&d->sp, SPOOL_NEW);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd >= 0 && inotify_add_watch(ifd, path, IN_MOVED_TO |
	    IN_CREATE | IN_ONLYDIR) < 0) {
		close(ifd);
		ifd = -1;
	}
	logmsg(d, LOG_INFO, "following %s%s", d->sp.path,
	    ifd < 0 ? " (no inotify: polling each second)" : "");
	return ifd;
}

/*
 * SIGHUP, for a -f dispatcher: the registry read again, between passes,
 * as an administrator changes it (a server disabled, a weight). One that
 * cannot be read or has problems is refused, said so, and the dispatcher
 * goes on with the one it has, rather than stop: under a service manager
 * a stopped dispatcher stays down.
 */
static void
reload_registry(struct dispatcher *d)
{
	const char *config = registry_choose(d->config);
	struct registry r;
	char why[2048];
	int problems;

	reload_requested = 0;
	if ((problems = registry_load(&r, config)) == 0 &&
	    untrusted(d, config, &r) > 0) {
		registry_free(&r);
		logmsg(d, LOG_ERR, "%s: not reloaded: refused; dispatching "
		    "on with the one before", config);
		return;
	}
	if (problems != 0) {
		if (problems > 0)
			registry_free(&r);
		logmsg(d, LOG_ERR, "%s: not reloaded%s; dispatching on with "
		    "the one before", config, problems > 0 ?
		    ": the registry has problems" : "");
		return;
	}
	if (take_account(d, &r, why, sizeof why) != 0) {
		registry_free(&r);
		logmsg(d, LOG_ERR, "%s: not reloaded: %s; dispatching on with "
		    "the one before", config, why);
		return;
	}
	registry_free(&d->reg);
	d->reg = r;
	take_registry(d);
	logmsg(d, LOG_NOTICE, "%s: reloaded, %zu server%s", config,
	    d->reg.nservers, d->reg.nservers == 1 ? "" : "s");
}

/*
 * Passes: one, or with --follow until a signal, sleeping until a job
 * arrives, a poll falls due, or a second passes (for what inotify cannot
 * see: other hosts, cancels).
 */
static void
run(struct dispatcher *d)
{
	int ifd = d->follow ? watch_new(d) : -1;

	do {
		int64_t wait;

		one_pass(d);
		if (!d->follow || stop_requested)
			break;
		wait = d->wake_usec - now_usec();
		wait = wait < 10000 ? 10000 : wait > 1000000 ? 1000000 : wait;
		wait_for_work(ifd, (int)(wait / 1000));
		if (reload_requested && !stop_requested)
			reload_registry(d);
	} while (!stop_requested);
	if (d->follow)
		logmsg(d, LOG_NOTICE, "stopped");
	if (ifd >= 0)
		close(ifd);
}


/*
 * -s: syslog(3) drops every line, and says nothing, where no syslog daemon
 * listens on /dev/log (a container, a minimal host). So ask first, as
 * syslog would connect; where none listens, say so once, and log to
 * standard error instead.
 */
static bool
syslog_listens(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t i;

	snprintf(a.sun_path, sizeof a.sun_path, "%s", _PATH_LOG);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0), e;
		bool reached;

		if (fd < 0)
			return false;
		reached = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		e = errno;
		close(fd);
		errno = e;
		/* A socket of the other type: try that. */
		if (reached || errno != EPROTOTYPE)
			return reached;
	}
	return false;
}

static void
open_syslog(struct dispatcher *d)
{
	if (!syslog_listens()) {
		ct_warn("cannot log to syslog at %s: %s; logging to standard "
		    "error instead", _PATH_LOG, strerror(errno));
		d->use_syslog = 0;
		return;
	}
	openlog("ct-dispatch", LOG_PID, LOG_DAEMON);
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	struct dispatcher d = { .lock = -1 };
	int rc;

	privilege_init();
	ct_setprogname(argv[0]);
	parse_options(&d, &c, argc, argv);
	/* The dispatcher runs as an administrator's account: no setgid. */
	privilege_drop();
	if (d.use_syslog)
		open_syslog(&d);
	if ((rc = dispatcher_open(&d, spool_choose(c.spool))) < 0) {
		catch_signals();
		run(&d);
		rc = d.spool_failed ? EX_IOERR : 0;
	}
	dispatcher_close(&d);
	cli_end(&c);
	return rc;
}
