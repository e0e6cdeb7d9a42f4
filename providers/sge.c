/*
 * sge: the wrapper (ct-wrapper(7)) that runs a server's configured
 * command as a Grid Engine batch job, the paper's Local Server.
 *
 *   sge submit [key=value ...] <input   qsub -terse a batch script
 *   sge submit-batch [key=value ...] <manifest
 *                                       one qsub for several jobs
 *   sge poll JOBID                      qstat -j, then qacct -j
 *   sge fetch JOBID                     the output file
 *   sge cancel JOBID                    qdel
 *
 * The job's files and the batch script are common/batch.c's; this file
 * says how Grid Engine is asked. How a job ended is read back from qacct:
 *
 *   failed 0, exit_status 0        done
 *   failed 0, exit_status N        the command exited N (128 + S: signal S)
 *   failed 100 (assumedly after job)  cancelled: qdel, or the job's shell
 *                                  killed by a signal
 *   failed 37 (h_rt ... limit)     time limit
 *   any other failed               the scheduler failed it (a node, a
 *                                  queue, the shepherd): see sge_status(5)
 *
 * submit names the job ct-JOBID-N (N the attempt); a repeated submit
 * that may have reached qmaster looks for that name with qstat -j NAME,
 * then qacct -j NAME (a job that has ended), before it submits again.
 *
 * A finished job leaves qstat at once but reaches qacct only after the
 * flush time; in between it is in neither, hence batch_missing()'s grace
 * window. A job qdel'ed while pending never reaches qacct at all.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "command.h"
#include "err.h"
#include "exitcodes.h"

/* Queue names ("all.q", "all.q@host") and -l lists ("h_vmem=1G,arch=x"). */
#define QUEUE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789._@-"
#define RESOURCE_CHARS QUEUE_CHARS "=,:"

static const char *const sge_env[] = { "SGE_ROOT", "SGE_CELL", NULL };
/* 'denied: job "12" does not exist': nothing left to cancel. */
static const char *const qdel_gone[] = { "does not exist", NULL };

static int
check(void)
{
	int rc = 0;

	(void)batch_param_word("CT_PARAM_QUEUE", "queue", QUEUE_CHARS, &rc);
	(void)batch_param_word("CT_PARAM_RESOURCES", "resources",
	    RESOURCE_CHARS, &rc);
	return rc;
}

/* qmaster cannot be reached (down, restarting): worth another try. */
static const char *const unreachable[] = {
	"commlib", "unable to contact", "unable to send message",
	"gdi request", NULL
};

static int
submit(const struct batch_job *j, char **id)
{
	const char *args[24];
	char hrt[40], *out, *err, line[256];
	const char *queue = getenv("CT_PARAM_QUEUE"),
	    *res = getenv("CT_PARAM_RESOURCES");
	long limit = batch_time_limit();
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	size_t n = 0;
	int rc;

	out = path_join(j->dir, BATCH_SCHED_OUT);
	err = path_join(j->dir, BATCH_SCHED_ERR);
	args[n++] = "-terse";
	args[n++] = "-N";
	args[n++] = j->name;
	args[n++] = "-S";
	args[n++] = "/bin/sh";
	args[n++] = "-wd";
	args[n++] = j->dir;
	args[n++] = "-o";
	args[n++] = out;
	args[n++] = "-e";
	args[n++] = err;
	if (queue != NULL && *queue != '\0') {
		args[n++] = "-q";
		args[n++] = queue;
	}
	if (limit > 0) {
		snprintf(hrt, sizeof hrt, "h_rt=%ld", limit);
		args[n++] = "-l";
		args[n++] = hrt;
	}
	if (res != NULL && *res != '\0') {
		args[n++] = "-l";
		args[n++] = res;
	}
	args[n++] = j->script;
	args[n] = NULL;
	rc = batch_run("qsub", args, &o, &r);
	free(out);
	free(err);
	if (rc == 0 && !(r.exited && r.code == 0)) {
		/* The reason comes first; the last line says "Exiting." */
		batch_first_line(strstr(r.err_text, "Unable to run job") ?
		    strstr(r.err_text, "Unable to run job") : r.err_tail, line,
		    sizeof line);
		ct_warn("qsub: %s", line[0] ? line :
		    "failed without a message");
		/* 25: max_u_jobs or max_jobs reached, for now. */
		rc = (r.exited && r.code == 25) || batch_text_has(r.err_text, unreachable) ?
		    EX_TEMPFAIL : EX_UNAVAILABLE;
	}
	if (rc == 0)
		*id = batch_submitted_id(&o, ".");
	buf_free(&o);
	return rc;
}

/*
 * The value of key in qacct's or qstat's "key   value" lines, trimmed,
 * into out; 0 if found.
 */
static int
field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' ||
		    p[klen] == '\t' || p[klen] == ':')) {
			p += klen;
			p += strspn(p, " \t:");
			batch_first_line(p, out, size);
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* The job ended: map qacct's failed and exit_status. */
static int
ended(const struct batch_job *j, const char *acct)
{
	char failed[256], status[256], said[600];
	const char *fend, *cend;
	int64_t f, code;

	if (field(acct, "failed", failed, sizeof failed) != 0 ||
	    field(acct, "exit_status", status, sizeof status) != 0) {
		ct_warn("qacct -j %s: no failed or exit_status line", j->id);
		return EX_TEMPFAIL;
	}
	snprintf(said, sizeof said, "qacct: failed %s, exit_status %s",
	    failed, status);
	/* SoGE appends text to the numbers; classic SGE does not. */
	if (parse_int64(failed, &fend, 0, INT_MAX, &f) != 0 ||
	    parse_int64(status, &cend, 0, INT_MAX, &code) != 0 ||
	    (*fend != '\0' && *fend != ' ') ||
	    (*cend != '\0' && *cend != ' ')) {
		batch_answer("failed Grid Engine gave no exit status (%s)",
		    said);
		return 0;
	}
	if (f == 0)
		return batch_ended(j, (int)code, 0, said);
	if (f == 100 && j->cancelled)
		batch_answer("failed cancelled (%s)", said);
	else if (f == 100)
		batch_answer("failed cancelled at the scheduler, by qdel or a "
		    "signal to the job (%s)", said);
	else if (f == 37)
		batch_answer("failed time limit (%s)", said);
	else
		batch_answer("failed Grid Engine failed the job (%s)", said);
	return 0;
}

/*
 * A job of j->name: qstat -j NAME while it waits or runs, qacct -j NAME
 * once it has ended. Neither knowing it (or no accounting file yet, on a
 * cluster that has run no job) is none.
 */
static int
find(const struct batch_job *j, char **id)
{
	const char *args[] = { "-j", j->name, NULL };
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	char n[64];
	int rc;

	*id = NULL;
	if ((rc = batch_run("qstat", args, &o, &r)) != 0)
		goto out;
	if (r.exited && r.code == 0) {
		if (field(o.data != NULL ? o.data : "", "job_number", n,
		    sizeof n) == 0)
			*id = xstrdup(n);
		goto out;
	}
	if (!(r.exited && r.code == 1 && strstr(r.err_text, "do not exist"))) {
		rc = batch_tool_failed("qstat -j", j, &r);
		goto out;
	}
	buf_free(&o);
	if ((rc = batch_run("qacct", args, &o, &r)) != 0)
		goto out;
	if (r.exited && r.code == 0 && field(o.data != NULL ? o.data : "",
	    "jobnumber", n, sizeof n) == 0)
		*id = xstrdup(n);
	else if (!(r.exited && (strstr(r.err_text, "not found") != NULL ||
	    strstr(r.err_text, "No such file") != NULL)))
		rc = batch_tool_failed("qacct -j", j, &r);
out:
	buf_free(&o);
	return rc;
}

static int
poll_job(const struct batch_job *j)
{
	const char *qstat[] = { "-j", j->id, NULL };
	const char *qacct[] = { "-j", j->id, NULL };
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	char reason[256];
	int rc;

	if ((rc = batch_run("qstat", qstat, &o, &r)) != 0)
		goto out;
	if (r.exited && r.code == 0) {
		/* Eqw: it will not run until someone clears the error. */
		if (field(o.data, "error reason", reason, sizeof reason) == 0)
			batch_answer("failed Grid Engine holds the job in "
			    "error: %s", reason);
		else
			batch_answer("running");
		goto out;
	}
	/* "Following jobs do not exist:", then the id on a line alone. */
	if (!(r.exited && r.code == 1 && o.len == 0 &&
	    (strcmp(r.err_tail, j->id) == 0 ||
	    strstr(r.err_text, "do not exist") != NULL))) {
		rc = batch_tool_failed("qstat -j", j, &r);
		goto out;
	}
	buf_free(&o);
	if ((rc = batch_run("qacct", qacct, &o, &r)) != 0)
		goto out;
	if (r.exited && r.code == 0)
		rc = ended(j, o.data != NULL ? o.data : "");
	else if (r.exited && strstr(r.err_text, "not found") != NULL)
		rc = batch_missing(j, "qstat -j: no such job; qacct -j: "
		    "not found");
	else
		rc = batch_tool_failed("qacct -j", j, &r);
out:
	buf_free(&o);
	return rc;
}

/* Every tool batch_run() is given, and cancel_tool. */
static const char *const sge_tools[] = { "qsub", "qstat", "qacct", "qdel",
    NULL };

static const struct batch_ops sge_ops = {
	.scheduler = "Grid Engine",
	.env = sge_env,
	.tools = sge_tools,
	.check = check,
	.submit = submit,
	.find = find,
	.poll = poll_job,
	.cancel_tool = "qdel",
	.cancel_gone = qdel_gone,
};

int
main(int argc, char **argv)
{
	return batch_main(argc, argv, &sge_ops);
}
