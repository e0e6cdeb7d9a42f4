/*
 * ct-dispatch: the paper's Queue Processor. One pass (for cron), or
 * --follow: every New job gets a server by the policy and is submitted
 * through the server's wrapper (ct-wrapper(7)); jobs in flight are polled,
 * each server's poll interval respected; finished ones are fetched,
 * checked, and completed. A failed or timed-out attempt moves the job to
 * the next server; when none is left, or its deadline passes, the job
 * fails with a reason that tells the caller to run it locally.
 *
 * Any number of dispatchers, overlapping cron runs or on several hosts,
 * may work on one spool: a New job is claimed by renaming it into
 * processing/, which only one of them can do, and a job in flight is
 * driven only by the holder of its lock, locks/ID. A dispatcher killed at
 * any instant leaves every job in one state, its lock released by the
 * kernel, and the next pass carries on from what the job file says.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "commit.h"
#include "contract.h"
#include "err.h"
#include "exitcodes.h"
#include "gate.h"
#include "job.h"
#include "policy.h"
#include "privilege.h"
#include "registry.h"
#include "result.h"
#include "run.h"
#include "service.h"
#include "spool.h"
#include "strvec.h"

static const char usage[] =
    "usage: ct-dispatch [-fnsvx] [-c file] [-S spool]\n";

static const char help[] =
    "Dispatch New jobs to providers and follow them to the end.\n"
    "  -c file         registry (default $CT_CONFIG, else\n"
    "                  " CT_CONFIG_DEFAULT ")\n"
    "  -f, --follow    run passes until stopped by a signal\n"
    "  -n, --dry-run   change nothing (with -x: what would happen)\n"
    "  -s, --syslog    log to syslog instead of standard error\n"
    "  -S spool        spool directory (default $CT_SPOOL, else\n"
    "                  " CT_SPOOL_DEFAULT ")\n"
    "  -v, --verbose   log every step, not only what changes a job's fate\n"
    "  -x, --explain   the policy's choice for each New job, and why\n"
    "  -h, -V          help, version\n";

/* Transient failures are retried after this, doubling, up to the cap. */
#define BACKOFF_FIRST_USEC (5 * INT64_C(1000000))
#define BACKOFF_MAX_USEC (300 * INT64_C(1000000))

struct dispatcher {
	struct spool sp;
	struct registry reg;
	const char *wrapper_dir;
	int dry_run, explain, verbose, use_syslog;
	unsigned *in_flight;		/* per server, by registry index */
	int64_t *gate_open;		/* per server: no request before */
	struct commit batch;		/* job rewrites not yet committed */
	int64_t wake_usec;		/* the earliest "next" saved this pass */
	char host[256];
	volatile sig_atomic_t *stop;
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
logmsg(struct dispatcher *d, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
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

static int
server_index(const struct dispatcher *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->reg.nservers; i++)
		if (strcmp(d->reg.servers[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* ---- the job file ------------------------------------------------------ */

/*
 * Rewrite the job where it is (processing/), with everything in j: staged
 * in the pass's batch, and durable when the batch is committed, before
 * the job's lock is released (commit.h). A crash before then loses only
 * this step, which the contract lets the next pass do again.
 */
static int
save(struct dispatcher *d, struct job *j)
{
	struct buf rec = { 0 };
	int rc;

	if (j->next_usec != 0 && j->next_usec < d->wake_usec)
		d->wake_usec = j->next_usec;
	job_format(j, j->input, j->input_len, &rec);
	rc = commit_add(&d->sp, &d->batch, j->id, rec.data, rec.len);
	buf_free(&rec);
	return rc;
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

static void
event(struct dispatcher *d, struct job *j, enum job_state s, int prio,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
event(struct dispatcher *d, struct job *j, enum job_state s, int prio,
    const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	job_add_event(j, now_usec(), s, text);
	logmsg(d, prio, "%s: %s", j->id, text);
}

/*
 * Finish the job in state s: the final record is written in processing/
 * first, then renamed into completed/ or failed/. A crash between the two
 * leaves a job in processing/ whose last event is terminal, and the next
 * pass only does the rename.
 */
static int
finish(struct dispatcher *d, struct job *j, enum job_state s)
{
	enum spool_dir to = spool_state_dir(s);

	if (j->nevents == 0 || j->events[j->nevents - 1].state != s)
		return -1;
	if (save_now(d, j) != 0)
		return -1;
	if (spool_move(&d->sp, SPOOL_PROCESSING, to, j->id) != 0) {
		ct_warnerr("%s: cannot move to %s", j->id,
		    spool_dir_name(to));
		return -1;
	}
	return 0;
}

static void
fail_job(struct dispatcher *d, struct job *j, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail_job(struct dispatcher *d, struct job *j, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	event(d, j, JOB_FAILED, LOG_NOTICE, "%s", text);
	finish(d, j, JOB_FAILED);
}

/* ---- wrappers ---------------------------------------------------------- */

/* work/ID, made on first use. */
static char *
workdir(struct dispatcher *d, const struct job *j)
{
	struct buf b = { 0 };
	int wd = spool_dir(&d->sp, SPOOL_WORK);

	if (wd < 0) {
		ct_warnerr("cannot open %s/work", d->sp.path);
		return NULL;
	}
	if (mkdirat(wd, j->id, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot make %s/work/%s", d->sp.path, j->id);
		return NULL;
	}
	buf_appendf(&b, "%s/work/%s", d->sp.path, j->id);
	return b.data;
}

/*
 * Remove name under directory fd and everything below it, never following
 * a symbolic link (a wrapper's leftovers are not to be trusted). depth
 * bounds the recursion.
 */
static void
remove_tree(int fd, const char *name, int depth)
{
	struct dirent *de;
	DIR *dir;
	int sub;

	if (unlinkat(fd, name, 0) == 0 || errno == ENOENT || depth <= 0)
		return;
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub < 0)
		return;
	if ((dir = fdopendir(sub)) == NULL) {
		close(sub);
		return;
	}
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_tree(sub, de->d_name, depth - 1);
	closedir(dir);
	unlinkat(fd, name, AT_REMOVEDIR);
}

/* Remove work/ID: each attempt starts with an empty one. */
static void
remove_workdir(struct dispatcher *d, const char *id)
{
	int wd = spool_dir(&d->sp, SPOOL_WORK);

	if (wd >= 0)
		remove_tree(wd, id, 32);
}

/* CALL_DEFERRED: not made, the server's request-interval forbids it now. */
enum call_outcome { CALL_OK, CALL_TRANSIENT, CALL_PERMANENT, CALL_DEFERRED };

/*
 * May a call, which is one request, go to server si now? If not, the job
 * is not to be touched again before *open_usec (also the pass's wake-up).
 */
static bool
request_allowed(struct dispatcher *d, int si, int64_t *open_usec)
{
	const struct registry_server *s = &d->reg.servers[si];
	int64_t now = now_usec();

	*open_usec = 0;
	if (s->request_interval == 0)
		return true;
	/* Known closed this pass: no need to ask the spool again. */
	if (now < d->gate_open[si]) {
		*open_usec = d->gate_open[si];
	} else if (gate_pass(&d->sp, s->id, s->request_interval, now,
	    open_usec) == 1) {
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
 * Call the server's wrapper: verb, with the handle or the job's options.
 * stdout goes to out (or out_fd); a failure's reason to why.
 */
static enum call_outcome
call(struct dispatcher *d, const struct registry_server *s, struct job *j,
    const char *verb, struct buf *out, int out_fd, char *why, size_t whylen)
{
	struct strvec argv = STRVEC_INIT, envp = STRVEC_INIT;
	struct run_result r;
	char *name, path[4096], *wd;
	int64_t open_usec;
	size_t i;
	int rc;

	if (!request_allowed(d, (int)(s - d->reg.servers), &open_usec)) {
		j->next_usec = open_usec;
		snprintf(why, whylen, "%s: request-interval", s->id);
		return CALL_DEFERRED;
	}
	snprintf(path, sizeof path, "%s/%s", d->wrapper_dir, s->wrapper);
	if ((wd = workdir(d, j)) == NULL) {
		snprintf(why, whylen, "no work directory");
		return CALL_TRANSIENT;
	}
	strvec_pushf(&argv, "%s", s->wrapper);
	strvec_pushf(&argv, "%s", verb);
	if (strcmp(verb, "submit") == 0)
		for (i = 0; i < j->noptions; i++)
			strvec_pushf(&argv, "%s", j->options[i]);
	else
		strvec_pushf(&argv, "%s", j->handle ? j->handle : "");
	strvec_pushf(&envp, "PATH=/usr/local/bin:/usr/bin:/bin");
	strvec_pushf(&envp, "LANG=C");
	strvec_pushf(&envp, "LC_ALL=C");
	strvec_pushf(&envp, "HOME=%s", wd);
	strvec_pushf(&envp, "TMPDIR=%s", wd);
	strvec_pushf(&envp, "CT_CONTRACT=1");
	strvec_pushf(&envp, "CT_JOB_ID=%s", j->id);
	strvec_pushf(&envp, "CT_SERVER=%s", s->id);
	strvec_pushf(&envp, "CT_SERVICE=%s", j->service);
	strvec_pushf(&envp, "CT_DATABASE=%s", j->database ? j->database : "");
	strvec_pushf(&envp, "CT_WORKDIR=%s", wd);
	strvec_pushf(&envp, "CT_DEADLINE=%lld",
	    (long long)(j->deadline_usec / 1000000));
	for (i = 0; i < s->nparams; i++) {
		name = contract_param_var("", s->params[i].name);
		strvec_pushf(&envp, "%s=%s", name, s->params[i].value);
		free(name);
	}
	(void)out_fd;
	rc = run_program(&(struct child){ .path = path, .argv = argv.v,
	    .envp = envp.v, .dir = wd,
	    .in = strcmp(verb, "submit") == 0 ? j->input : NULL,
	    .inlen = strcmp(verb, "submit") == 0 ? j->input_len : 0,
	    .out = out,
	    .max_out = strcmp(verb, "fetch") == 0 ? RESULT_MAX_SIZE : 64 * 1024,
	    .timeout_ms = (int)s->call_timeout * 1000 }, &r);
	strvec_free(&argv);
	strvec_free(&envp);
	free(wd);
	if (rc != 0) {
		snprintf(why, whylen, "cannot run wrapper %.200s", path);
		return CALL_TRANSIENT;
	}
	if (r.timed_out) {
		snprintf(why, whylen, "%s %s timed out after %u s", s->wrapper,
		    verb, s->call_timeout);
		return CALL_TRANSIENT;
	}
	if (r.overflow) {
		snprintf(why, whylen, "%s %s wrote too much", s->wrapper,
		    verb);
		return CALL_PERMANENT;
	}
	if (!r.exited) {
		snprintf(why, whylen, "%s %s killed by signal %d", s->wrapper,
		    verb, r.code);
		return CALL_TRANSIENT;
	}
	if (r.code == 0)
		return CALL_OK;
	snprintf(why, whylen, "%s %s exit %d%s%s", s->wrapper, verb, r.code,
	    r.err_tail[0] ? ": " : "", r.err_tail);
	if (r.code == 127 && strstr(r.err_tail, "cannot run") != NULL)
		return CALL_PERMANENT;
	return r.code == EX_TEMPFAIL ? CALL_TRANSIENT : CALL_PERMANENT;
}

static bool
handle_valid(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 200)
		return false;
	return strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:/=+-") == n;
}

/* ---- the life of a job -------------------------------------------------- */

/* The attempt at the current server is over for good: on to the next. */
static void
give_up_server(struct dispatcher *d, struct job *j, int si)
{
	if (si >= 0 && d->in_flight[si] > 0 && j->handle != NULL)
		d->in_flight[si]--;
	job_add_tried(j, j->provider);
	/* The next server's wrapper must not see this one's files. */
	remove_workdir(d, j->id);
	job_set(&j->provider, NULL);
	job_set(&j->handle, NULL);
	j->attempt_usec = j->next_usec = 0;
	j->retries = 0;
	j->ready = false;
}

static void
transient(struct dispatcher *d, struct job *j, const char *why)
{
	int64_t backoff = BACKOFF_FIRST_USEC << (j->retries < 6 ?
	    j->retries : 6);

	if (backoff > BACKOFF_MAX_USEC)
		backoff = BACKOFF_MAX_USEC;
	j->retries++;
	j->next_usec = now_usec() + backoff;
	event(d, j, JOB_PROCESSING, LOG_INFO, "%s: will retry in %lld s: %s",
	    j->provider, (long long)(backoff / 1000000), why);
}

/* Candidates for j's service: enabled, weighted, untried, under the cap. */
static size_t
candidates(struct dispatcher *d, const struct job *j, const char **ids,
    unsigned *weights, int *index, bool *any_left)
{
	size_t i, n = 0;

	*any_left = false;
	for (i = 0; i < d->reg.nservers; i++) {
		const struct registry_server *s = &d->reg.servers[i];
		unsigned w = registry_weight(s, j->service);

		if (!s->enabled || w == 0 || job_tried(j, s->id))
			continue;
		*any_left = true;
		if (d->in_flight[i] >= s->max_jobs)
			continue;
		ids[n] = s->id;
		weights[n] = w;
		index[n++] = (int)i;
	}
	return n;
}

/*
 * Choose a server for j by the policy. Returns its index, -1 if every
 * server is busy (try again later), -2 if none is left at all.
 */
static int
choose(struct dispatcher *d, struct job *j, struct policy *pol)
{
	size_t n = d->reg.nservers ? d->reg.nservers : 1;
	const char **ids = xcalloc(n, sizeof *ids);
	unsigned *weights = xcalloc(n, sizeof *weights);
	int *index = xcalloc(n, sizeof *index), pick, rc;
	bool any_left;

	n = candidates(d, j, ids, weights, index, &any_left);
	pick = policy_pick(pol, ids, weights, n);
	rc = pick >= 0 ? index[pick] : any_left ? -1 : -2;
	if (d->explain) {
		size_t i;

		printf("%s\t%s\t", j->id, j->service);
		if (rc >= 0)
			printf("%s\tweights", d->reg.servers[rc].id);
		else
			printf("%s\t", rc == -1 ? "(wait: all at their cap)" :
			    "(none left: fail)");
		for (i = 0; i < n; i++)
			printf(" %s=%u", ids[i], weights[i]);
		for (i = 0; i < j->ntried; i++)
			printf(" %s:tried", j->tried[i]);
		putchar('\n');
	}
	free(ids);
	free(weights);
	free(index);
	return rc;
}

/* Send j to a server; on to the next if one cannot take it. */
static void
submit(struct dispatcher *d, struct job *j, struct policy *pol)
{
	char why[700];

	for (;;) {
		struct buf out = { 0 };
		const struct registry_server *s;
		enum call_outcome o;
		int si = j->provider ? server_index(d, j->provider) : -1;

		/* A retry after a transient failure stays with its server. */
		if (si < 0 || !d->reg.servers[si].enabled)
			si = choose(d, j, pol);

		if (si == -1) {
			save(d, j);
			return;	/* waits in processing/ for a free server */
		}
		if (si == -2) {
			fail_job(d, j, "no provider left%s; run it locally",
			    j->ntried ? " (every one failed it)" : "");
			return;
		}
		s = &d->reg.servers[si];
		job_set(&j->provider, s->id);
		if (j->attempt_usec == 0)
			j->attempt_usec = now_usec();
		o = call(d, s, j, "submit", &out, -1, why, sizeof why);
		if (o == CALL_DEFERRED) {
			buf_free(&out);
			save(d, j);	/* with its server, until the gate opens */
			return;
		}
		if (o == CALL_OK) {
			while (out.len > 0 && (out.data[out.len - 1] == '\n' ||
			    out.data[out.len - 1] == '\r'))
				out.data[--out.len] = '\0';
			if (out.data == NULL || !handle_valid(out.data)) {
				o = CALL_PERMANENT;
				snprintf(why, sizeof why, "%s submit gave no "
				    "valid handle", s->wrapper);
			}
		}
		if (o == CALL_OK) {
			job_set(&j->handle, out.data);
			j->next_usec = now_usec() +
			    (int64_t)s->poll_interval * 1000000;
			j->retries = 0;
			d->in_flight[si]++;
			event(d, j, JOB_PROCESSING, LOG_INFO,
			    "sent to %s (handle %s)", s->id, j->handle);
			buf_free(&out);
			save(d, j);
			return;
		}
		buf_free(&out);
		if (o == CALL_TRANSIENT && now_usec() - j->attempt_usec <
		    (int64_t)s->attempt_timeout * 1000000) {
			transient(d, j, why);
			save(d, j);
			return;
		}
		event(d, j, JOB_PROCESSING, LOG_NOTICE, "%s cannot run it: %s",
		    s->id, why);
		give_up_server(d, j, -1);
	}
}

/*
 * Fetch, check and publish the result; complete the job. Returns 0 when
 * completed, 1 to fetch again later, 2 if the fetch may not be sent yet,
 * -1 for a bad result.
 */
static int
collect(struct dispatcher *d, struct job *j, const struct registry_server *s,
    char *why, size_t whylen)
{
	char tmpname[SPOOL_TMPNAME_MAX];
	struct buf out = { 0 };
	enum call_outcome o;
	int rd, td;

	o = call(d, s, j, "fetch", &out, -1, why, whylen);
	if (o == CALL_TRANSIENT || o == CALL_DEFERRED) {
		buf_free(&out);
		return o == CALL_DEFERRED ? 2 : 1;
	}
	if (o == CALL_OK && result_check(out.data, out.len, j, why,
	    whylen) == 0) {
		if (spool_stage(&d->sp, out.data, out.len, tmpname) != 0 ||
		    (td = spool_dir(&d->sp, SPOOL_TMP)) < 0 ||
		    (rd = spool_dir(&d->sp, SPOOL_RESULTS)) < 0 ||
		    renameat(td, tmpname, rd, j->id) != 0 ||
		    spool_sync(&d->sp, SPOOL_RESULTS) != 0) {
			buf_free(&out);
			snprintf(why, whylen, "cannot store the result");
			return 1;
		}
		buf_free(&out);
		j->ready = false;
		event(d, j, JOB_COMPLETED, LOG_NOTICE, "completed by %s in "
		    "%lld s", s->id, (long long)((now_usec() -
		    j->submitted_usec) / 1000000));
		if (d->in_flight[server_index(d, s->id)] > 0)
			d->in_flight[server_index(d, s->id)]--;
		/*
		 * If the final write or the rename fails, the next pass finds
		 * the result, or the terminal event, and does what is left.
		 */
		finish(d, j, JOB_COMPLETED);
		return 0;
	}
	buf_free(&out);
	return -1;
}

/* Poll j at its server and act on the answer. */
static void
follow_up(struct dispatcher *d, struct job *j, struct policy *pol)
{
	int si = server_index(d, j->provider);
	const struct registry_server *s;
	struct buf out = { 0 };
	enum call_outcome o;
	char why[700] = "";
	int rc;

	if (si < 0) {
		event(d, j, JOB_PROCESSING, LOG_NOTICE, "server %s is no "
		    "longer in the registry", j->provider);
		give_up_server(d, j, -1);
		submit(d, j, pol);
		return;
	}
	s = &d->reg.servers[si];
	if (now_usec() - j->attempt_usec >
	    (int64_t)s->attempt_timeout * 1000000) {
		o = call(d, s, j, "cancel", &out, -1, why, sizeof why);
		buf_free(&out);
		if (o == CALL_DEFERRED)
			return;
		event(d, j, JOB_PROCESSING, LOG_NOTICE, "%s: attempt timed "
		    "out after %u s", s->id, s->attempt_timeout);
		give_up_server(d, j, si);
		submit(d, j, pol);
		return;
	}
	/* Said done before, but the fetch had to wait: fetch, not poll. */
	o = j->ready ? CALL_OK : call(d, s, j, "poll", &out, -1, why,
	    sizeof why);
	if (o == CALL_DEFERRED)
		return;
	if (o == CALL_OK) {
		char *nl = out.data ? strchr(out.data, '\n') : NULL;

		if (nl != NULL)
			*nl = '\0';
		if (j->ready || (out.data != NULL &&
		    strcmp(out.data, "done") == 0)) {
			buf_free(&out);
			j->ready = true;
			rc = collect(d, j, s, why, sizeof why);
			if (rc == 0)
				return;
			if (rc == 2) {
				save(d, j);
				return;
			}
			if (rc > 0) {
				transient(d, j, why);
				save(d, j);
				return;
			}
			event(d, j, JOB_PROCESSING, LOG_NOTICE, "%s delivered "
			    "a bad result: %s", s->id, why);
			give_up_server(d, j, si);
			submit(d, j, pol);
			return;
		}
		if (out.data != NULL && strcmp(out.data, "running") == 0) {
			j->next_usec = now_usec() +
			    (int64_t)s->poll_interval * 1000000;
			logmsg(d, LOG_DEBUG, "%s: running at %s", j->id, s->id);
			buf_free(&out);
			save(d, j);
			return;
		}
		if (out.data != NULL &&
		    strncmp(out.data, "failed", 6) == 0 &&
		    (out.data[6] == '\0' || out.data[6] == ' ')) {
			event(d, j, JOB_PROCESSING, LOG_NOTICE, "%s failed "
			    "it: %.500s", s->id, out.data[6] ? out.data + 7 :
			    "no reason given");
			buf_free(&out);
		} else {
			event(d, j, JOB_PROCESSING, LOG_NOTICE, "%s poll "
			    "broke the contract: '%.80s'", s->id,
			    out.data ? out.data : "");
			buf_free(&out);
		}
		give_up_server(d, j, si);
		submit(d, j, pol);
		return;
	}
	buf_free(&out);
	if (o == CALL_TRANSIENT) {
		transient(d, j, why);
		save(d, j);
		return;
	}
	event(d, j, JOB_PROCESSING, LOG_NOTICE, "%s: %s", s->id, why);
	give_up_server(d, j, si);
	submit(d, j, pol);
}

/*
 * Withdraw j at its server (if it has one there) and fail it; unless the
 * server's request-interval holds the cancel back, when a later pass does.
 */
static void
withdraw(struct dispatcher *d, struct job *j, const char *reason)
{
	int si = j->provider ? server_index(d, j->provider) : -1;
	struct buf out = { 0 };
	char why[700];

	if (si >= 0 && j->handle != NULL) {
		enum call_outcome o = call(d, &d->reg.servers[si], j, "cancel",
		    &out, -1, why, sizeof why);

		buf_free(&out);
		if (o == CALL_DEFERRED)
			return;
		if (d->in_flight[si] > 0)
			d->in_flight[si]--;
	}
	fail_job(d, j, "%s", reason);
}

static bool
cancel_requested(struct dispatcher *d, const char *id)
{
	int cd = spool_dir(&d->sp, SPOOL_CANCEL);

	return cd >= 0 && faccessat(cd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Drive one job in processing/ as far as it goes now. The caller holds
 * its lock. Policies are per service, loaded on demand.
 */
static void
advance(struct dispatcher *d, struct job *j, struct policy *pol)
{
	int64_t now = now_usec();
	enum job_state last = j->nevents ?
	    j->events[j->nevents - 1].state : JOB_NEW;

	if (last == JOB_COMPLETED || last == JOB_FAILED) {
		/* A pass died between the final write and the rename. */
		finish(d, j, last);
		return;
	}
	if (j->deadline_usec == 0)
		j->deadline_usec = j->submitted_usec +
		    (int64_t)d->reg.deadline * 1000000;
	if (cancel_requested(d, j->id)) {
		withdraw(d, j, "cancelled by its owner");
		return;
	}
	if (j->deadline_usec != 0 && now >= j->deadline_usec) {
		withdraw(d, j, "deadline passed; run it locally");
		return;
	}
	if (j->provider == NULL || j->handle == NULL) {
		if (j->next_usec != 0 && now < j->next_usec)
			return;
		submit(d, j, pol);
	} else if (now >= j->next_usec)
		follow_up(d, j, pol);
}

/* ---- the pass ----------------------------------------------------------- */

struct job_ref {
	char id[JOBID_MAX + 1];
};

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct job_ref *)a)->id,
	    ((const struct job_ref *)b)->id);
}

/*
 * The IDs of a spool directory, oldest first (IDs sort by time), a window
 * at a time: each refill reads the directory for the WINDOW smallest IDs
 * after the last one handed out. Memory stays the same however many jobs
 * wait, for one readdir(3) per WINDOW jobs, which costs little beside
 * what the pass does with each job.
 */
#define WINDOW 4096

struct id_walk {
	enum spool_dir sd;
	char last[JOBID_MAX + 1];	/* the last handed out; "" at first */
	struct job_ref *ref;		/* the window, sorted */
	size_t n, next, cap;
	bool started, done;
};

/* Keep the WINDOW smallest of w->ref[0..n): sort, and drop the rest. */
static void
walk_trim(struct id_walk *w)
{
	if (w->n > 1)
		qsort(w->ref, w->n, sizeof *w->ref, by_id);
	if (w->n > WINDOW)
		w->n = WINDOW;
}

static void
walk_refill(struct dispatcher *d, struct id_walk *w)
{
	struct dirent *de;
	size_t total = 0;
	DIR *dir;
	int fd = spool_dir(&d->sp, w->sd), dfd = -1;

	w->n = w->next = 0;
	if (w->ref == NULL) {
		w->cap = 2 * WINDOW;
		w->ref = xcalloc(w->cap, sizeof *w->ref);
	}
	if (fd < 0 || (dfd = dup(fd)) < 0 ||
	    (dir = fdopendir(dfd)) == NULL) {
		if (fd >= 0 && dfd >= 0)
			close(dfd);
		w->done = true;
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		if (!jobid_valid(de->d_name) ||
		    (w->started && strcmp(de->d_name, w->last) <= 0))
			continue;
		total++;
		if (w->n == w->cap)
			walk_trim(w);
		/* jobid_valid() bounds the name to JOBID_MAX. */
		memcpy(w->ref[w->n++].id, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(dir);
	walk_trim(w);
	/* What is past this window waits for the next refill. */
	w->done = total <= WINDOW;
}

/* The next ID of the walk, or NULL at the end. */
static const char *
walk_next(struct dispatcher *d, struct id_walk *w)
{
	if (w->next == w->n) {
		if (w->started && w->done)
			return NULL;
		walk_refill(d, w);
		w->started = true;
		if (w->n == 0)
			return NULL;
	}
	memcpy(w->last, w->ref[w->next].id, sizeof w->last);
	return w->ref[w->next++].id;
}

static void
walk_free(struct id_walk *w)
{
	free(w->ref);
	memset(w, 0, sizeof *w);
}

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

/* Load job id from processing/ with its input, for the lock holder. */
static int
load_processing(struct dispatcher *d, const char *id, struct job *j)
{
	char path[4096];
	int dd = spool_dir(&d->sp, SPOOL_PROCESSING), fd;

	if (dd < 0)
		return -1;
	fd = openat(dd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;	/* moved on: not ours to drive */
	snprintf(path, sizeof path, "%s/processing/%s", d->sp.path, id);
	if (spool_read_job(fd, path, true, j) != 0)
		return -1;
	if (strcmp(j->id, id) != 0) {
		job_free(j);
		return -1;
	}
	return 0;
}

/* Count jobs in flight per server from processing/ (headers only). */
static void
count_in_flight(struct dispatcher *d)
{
	struct id_walk w = { .sd = SPOOL_PROCESSING };
	char path[4096];
	const char *id;
	int dd = spool_dir(&d->sp, SPOOL_PROCESSING);

	while (dd >= 0 && (id = walk_next(d, &w)) != NULL) {
		struct job j;
		int fd = openat(dd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC), si;

		if (fd < 0)
			continue;
		snprintf(path, sizeof path, "%s/processing/%s", d->sp.path,
		    id);
		if (spool_read_job(fd, path, false, &j) != 0)
			continue;
		if (j.provider != NULL && j.handle != NULL &&
		    (si = server_index(d, j.provider)) >= 0)
			d->in_flight[si]++;
		job_free(&j);
	}
	walk_free(&w);
}

/*
 * Once job id has left processing/ nobody will lock it again: its lock
 * file goes, while still held, so no one can take a stale one; so do its
 * work directory and any cancel request.
 */
static void
clean_up_if_gone(struct dispatcher *d, const char *id)
{
	int cd;

	if (faccessat(spool_dir(&d->sp, SPOOL_PROCESSING), id, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0)
		return;
	unlinkat(spool_dir(&d->sp, SPOOL_LOCKS), id, 0);
	remove_workdir(d, id);
	if ((cd = spool_dir(&d->sp, SPOOL_CANCEL)) >= 0)
		unlinkat(cd, id, 0);
}

/*
 * Lock files, work directories and cancel requests whose job has left
 * processing/ (a pass killed between a job's last move and its clean-up
 * leaves them): take the lock, look again, and clean up.
 */
static void
reap_orphans(struct dispatcher *d)
{
	static const enum spool_dir dirs[] = { SPOOL_LOCKS, SPOOL_WORK,
	    SPOOL_CANCEL };
	int pd = spool_dir(&d->sp, SPOOL_PROCESSING);
	int nd = spool_dir(&d->sp, SPOOL_NEW);
	size_t k;

	for (k = 0; pd >= 0 && k < sizeof dirs / sizeof dirs[0]; k++) {
		struct id_walk w = { .sd = dirs[k] };
		const char *id;

		while ((id = walk_next(d, &w)) != NULL) {
			int lock;

			if (faccessat(pd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
			    (dirs[k] == SPOOL_CANCEL && nd >= 0 &&
			    faccessat(nd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0))
				continue;
			if ((lock = spool_lock(&d->sp, id)) < 0)
				continue;
			clean_up_if_gone(d, id);
			close(lock);
		}
		walk_free(&w);
	}
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
	clean_up_if_gone(d, id);
	close(lock);
}

/* Drive job id under its lock, if no other dispatcher holds it. */
static void
drive(struct dispatcher *d, const char *id, struct policies *ps)
{
	struct job j;
	int lock = spool_lock(&d->sp, id);

	if (lock < 0)
		return;	/* another dispatcher drives it */
	if (load_processing(d, id, &j) == 0) {
		advance(d, &j, policy_for(d, ps, j.service));
		job_free(&j);
	}
	release(d, id, lock);
}

/*
 * How many more jobs of this service the servers could take now: the free
 * places under their caps. SIZE_MAX if no server offers it at all, so
 * that such a job is claimed, to fail it with a reason.
 */
static size_t
room_for(struct dispatcher *d, const char *service)
{
	bool offered = false;
	size_t i, room = 0;

	for (i = 0; i < d->reg.nservers; i++) {
		const struct registry_server *s = &d->reg.servers[i];

		if (!s->enabled || registry_weight(s, service) == 0)
			continue;
		offered = true;
		if (d->in_flight[i] < s->max_jobs)
			room += s->max_jobs - d->in_flight[i];
	}
	return offered ? room : SIZE_MAX;
}

/* What -n -x prints for a New job, without touching anything. */
static void
explain_new(struct dispatcher *d, const char *id, struct policies *ps)
{
	enum job_state s;
	struct job j;

	if (spool_load(&d->sp, id, false, &j, &s) != SPOOL_FOUND)
		return;
	if (s == JOB_NEW) {
		int si = choose(d, &j, policy_for(d, ps, j.service));

		if (si >= 0)
			d->in_flight[si]++;
	}
	job_free(&j);
}

static void claim_and_drive(struct dispatcher *d, const char *id,
    struct policies *ps);

/*
 * Jobs are driven, and New ones claimed, a chunk at a time: a chunk's
 * claims are made durable together before any of its wrappers runs, and
 * rewrites are committed together (commit.h), every CHUNK jobs or 100 ms,
 * whichever comes first: so one fsync of the directory serves many jobs,
 * while no job's lock is held much longer than its own step.
 */
#define CHUNK 128
#define CHUNK_MAX_AGE_USEC 100000

/* Claim the New jobs there is room for, a chunk at a time, and drive them. */
static void
claim_new(struct dispatcher *d, struct policies *ps)
{
	struct id_walk w = { .sd = SPOOL_NEW };
	struct job_ref claimed[CHUNK];
	char *service[CHUNK];
	const char *id = "";
	size_t m, k, same;

	while (id != NULL && !stop_requested) {
		for (m = 0; m < CHUNK && !stop_requested &&
		    (id = walk_next(d, &w)) != NULL;) {
			enum job_state s;
			struct job j;

			if (spool_load(&d->sp, id, false, &j, &s) !=
			    SPOOL_FOUND)
				continue;
			for (same = 0, k = 0; k < m; k++)
				same += strcmp(service[k], j.service) == 0;
			/* Otherwise it stays New until a server is free. */
			if (s == JOB_NEW && same < room_for(d, j.service)) {
				/* Only one dispatcher's rename can succeed. */
				if (spool_move_unsynced(&d->sp, SPOOL_NEW,
				    SPOOL_PROCESSING, id) == 0) {
					service[m] = xstrdup(j.service);
					memcpy(claimed[m++].id, id,
					    sizeof claimed[0].id);
				} else if (errno != ENOENT)
					ct_warnerr("%s: cannot claim", id);
			}
			job_free(&j);
		}
		/* The claims last before any wrapper acts on them. */
		if (m > 0 && (spool_sync(&d->sp, SPOOL_PROCESSING) != 0 ||
		    spool_sync(&d->sp, SPOOL_NEW) != 0)) {
			/* Claimed but not driven: the next pass drives them. */
			ct_warn("cannot sync the claims of this pass; stopping");
			stop_requested = 1;
		}
		for (k = 0; k < m; k++) {
			if (!stop_requested)
				claim_and_drive(d, claimed[k].id, ps);
			free(service[k]);
			if (commit_due(&d->batch, CHUNK, CHUNK_MAX_AGE_USEC))
				commit_flush(&d->sp, &d->batch);
		}
		commit_flush(&d->sp, &d->batch);
	}
	walk_free(&w);
}

static int
one_pass(struct dispatcher *d)
{
	struct id_walk w = { .sd = SPOOL_PROCESSING };
	struct policies ps = { 0 };
	const char *id;
	size_t i;

	if (!d->dry_run)
		spool_reap_tmp(&d->sp, SPOOL_TMP_MAX_AGE);
	d->wake_usec = INT64_MAX;
	memset(d->in_flight, 0, d->reg.nservers * sizeof *d->in_flight);
	count_in_flight(d);
	while (!d->dry_run && !stop_requested &&
	    (id = walk_next(d, &w)) != NULL) {
		drive(d, id, &ps);
		if (commit_due(&d->batch, CHUNK, CHUNK_MAX_AGE_USEC))
			commit_flush(&d->sp, &d->batch);
	}
	commit_flush(&d->sp, &d->batch);
	walk_free(&w);
	if (!d->dry_run)
		reap_orphans(d);

	if (d->dry_run) {
		w.sd = SPOOL_NEW;
		while (d->explain && !stop_requested &&
		    (id = walk_next(d, &w)) != NULL)
			explain_new(d, id, &ps);
		walk_free(&w);
	} else
		claim_new(d, &ps);
	for (i = 0; i < ps.n; i++) {
		if (!d->dry_run)
			policy_save(&d->sp, &ps.p[i]);
		policy_free(&ps.p[i]);
	}
	free(ps.p);
	return 0;
}

/* A New job just claimed: note it, give it a deadline, and drive it. */
static void
claim_and_drive(struct dispatcher *d, const char *id, struct policies *ps)
{
	struct job j;
	int lock = spool_lock(&d->sp, id);

	if (lock < 0)
		return;	/* someone in phase one got it first: theirs */
	if (load_processing(d, id, &j) == 0) {
		event(d, &j, JOB_PROCESSING, LOG_DEBUG, "claimed by "
		    "ct-dispatch on %s", d->host);
		advance(d, &j, policy_for(d, ps, j.service));
		job_free(&j);
	}
	release(d, id, lock);
}

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

int
main(int argc, char **argv)
{
	struct cli c = { usage, help, NULL, NULL };
	struct dispatcher d = { 0 };
	char *config = NULL, path[4096], *wrapper_dir, *spool_path;
	int follow = 0, ifd = -1, problems;
	struct poptOption table[] = {
		{ NULL, 'c', POPT_ARG_STRING, &config, 0, NULL, NULL },
		{ "follow", 'f', POPT_ARG_NONE, &follow, 0, NULL, NULL },
		{ "dry-run", 'n', POPT_ARG_NONE, &d.dry_run, 0, NULL, NULL },
		{ "syslog", 's', POPT_ARG_NONE, &d.use_syslog, 0, NULL, NULL },
		{ "verbose", 'v', POPT_ARG_NONE, &d.verbose, 0, NULL, NULL },
		{ "explain", 'x', POPT_ARG_NONE, &d.explain, 0, NULL, NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_common_options, 0,
		    NULL, NULL },
		POPT_TABLEEND
	};
	struct sigaction sa;

	privilege_init();
	ct_setprogname(argv[0]);
	cli_start(&c, argc, argv, table);
	while (cli_next(&c) != -1)
		;
	if (cli_args(&c)[0] != NULL)
		cli_usage_error(&c, "unexpected argument '%s'",
		    cli_args(&c)[0]);
	/* The dispatcher runs as an administrator's account: no setgid. */
	privilege_drop();
	if (d.use_syslog)
		openlog("ct-dispatch", LOG_PID, LOG_DAEMON);
	problems = registry_load(&d.reg, registry_choose(config));
	if (problems != 0) {
		if (problems > 0)
			ct_warn("%s: the registry has problems; nothing "
			    "dispatched", registry_choose(config));
		cli_end(&c);
		free(config);
		return problems < 0 ? EX_NOINPUT : EX_CONFIG;
	}
	d.wrapper_dir = getenv("CT_WRAPPER_DIR");
	if (d.wrapper_dir == NULL || *d.wrapper_dir == '\0')
		d.wrapper_dir = CT_WRAPPER_DIR_DEFAULT;
	/* Wrappers run in their work directory: no path may be relative. */
	if ((wrapper_dir = realpath(d.wrapper_dir, NULL)) == NULL) {
		if (!d.dry_run)	/* a dry run runs no wrapper */
			ct_dieerr(EX_CONFIG, "wrapper directory %s",
			    d.wrapper_dir);
		wrapper_dir = xstrdup(d.wrapper_dir);
	}
	d.wrapper_dir = wrapper_dir;
	if ((spool_path = realpath(spool_choose(c.spool), NULL)) == NULL) {
		if (errno == ENOENT && d.dry_run) {
			/* Nothing to dispatch, and nothing made. */
			free(wrapper_dir);
			registry_free(&d.reg);
			free(config);
			cli_end(&c);
			return 0;
		}
		if (errno != ENOENT || mkdir(spool_choose(c.spool), 0700) != 0 ||
		    (spool_path = realpath(spool_choose(c.spool), NULL)) == NULL)
			ct_dieerr(EX_IOERR, "spool %s", spool_choose(c.spool));
	}
	if (gethostname(d.host, sizeof d.host) != 0)
		snprintf(d.host, sizeof d.host, "localhost");
	d.in_flight = xcalloc(d.reg.nservers + 1, sizeof *d.in_flight);
	d.gate_open = xcalloc(d.reg.nservers + 1, sizeof *d.gate_open);
	d.batch.dir = SPOOL_PROCESSING;
	if (spool_open(&d.sp, spool_path, !d.dry_run) != 0)
		return EX_IOERR;
	d.sp.see_all = true;	/* every user's jobs are ours to drive */

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (follow) {
		snprintf(path, sizeof path, "%s/new", d.sp.path);
		spool_dir(&d.sp, SPOOL_NEW);
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ifd >= 0 && inotify_add_watch(ifd, path, IN_MOVED_TO |
		    IN_CREATE | IN_ONLYDIR) < 0) {
			close(ifd);
			ifd = -1;
		}
		logmsg(&d, LOG_INFO, "following %s%s", d.sp.path,
		    ifd < 0 ? " (no inotify: polling each second)" : "");
	}
	do {
		int64_t wait;

		one_pass(&d);
		if (!follow || stop_requested)
			break;
		/*
		 * Sleep until a job arrives, a poll falls due, or a second
		 * passes (for what inotify cannot see: other hosts, cancels).
		 */
		wait = d.wake_usec - now_usec();
		wait = wait < 10000 ? 10000 : wait > 1000000 ? 1000000 : wait;
		wait_for_work(ifd, (int)(wait / 1000));
	} while (!stop_requested);
	if (follow)
		logmsg(&d, LOG_NOTICE, "stopped");
	if (ifd >= 0)
		close(ifd);
	free(d.in_flight);
	free(d.gate_open);
	commit_free(&d.batch);
	registry_free(&d.reg);
	spool_close(&d.sp);
	free(spool_path);
	free(wrapper_dir);
	free(config);
	cli_end(&c);
	return 0;
}
