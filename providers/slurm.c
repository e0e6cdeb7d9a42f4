/*
 * slurm: the wrapper (ct-wrapper(7)) that runs a server's configured
 * command as a Slurm batch job.
 *
 *   slurm submit [key=value ...] <input   sbatch --parsable a batch script
 *   slurm submit-batch [key=value ...] <manifest
 *                                         one sbatch for several jobs
 *   slurm poll JOBID                      squeue -t all, then scontrol
 *                                         show job, then the jobcomp log
 *   slurm fetch JOBID                     the output file
 *   slurm cancel JOBID                    scancel
 *
 * The job's files and the batch script are common/batch.c's; this file
 * says how Slurm is asked. submit names the job ct-JOBID-N (N the
 * attempt); a repeated submit that may have reached slurmctld looks for
 * that name with squeue -n NAME before it submits again. squeue hides finished jobs unless asked for
 * all states, and forgets them after MinJobAge (300 s by default); then
 * the exit code is gone from scontrol too, and only accounting (sacct,
 * which needs slurmdbd) or the jobcomp/filetxt log (parameter
 * "jobcomp-log") remembers. The mapping:
 *
 *   COMPLETED, ExitCode 0:0      done
 *   FAILED, ExitCode N:0         the command exited N (128 + S: signal S)
 *   FAILED, ExitCode 0:S         the job's shell killed by signal S
 *   CANCELLED*                   cancelled (by us, or at the scheduler)
 *   TIMEOUT                      time limit
 *   NODE_FAIL, BOOT_FAIL         node failure
 *   OUT_OF_MEMORY, DEADLINE, PREEMPTED, ...   failed, with the state
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "command.h"
#include "err.h"
#include "exitcodes.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789._-"
/* A resource option's value, as in --gres=gpu:1 or --mem=2G. */
#define VALUE_CHARS NAME_CHARS ",:=+"

static const char *const slurm_env[] = { "SLURM_CONF", NULL };
/* A job that ended, or was never known: nothing left to cancel. */
static const char *const scancel_gone[] = {
	"Invalid job id", "already complet", NULL
};

/*
 * The sbatch options parameter "resources" may hold, each as
 * --name=value: what a job needs, never where its files go or what runs.
 */
static const char *const resource_options[] = {
	"--account", "--constraint", "--cpus-per-task", "--gres", "--gpus",
	"--mem", "--mem-per-cpu", "--nodes", "--ntasks", "--qos", "--tmp",
	"--reservation", "--licenses", "--exclude", "--nodelist", NULL
};

/* States in which the job has not ended. */
static const char *const going[] = {
	"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED",
	"STOPPED", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING",
	"RESV_DEL_HOLD", "SIGNALING", "STAGE_OUT", NULL
};

static int
in_list(const char *const *list, const char *s, size_t len)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/* Parameter "resources" as sbatch arguments; -1 after a message. */
static int
resources(struct strvec *w)
{
	const char *res = getenv("CT_PARAM_RESOURCES"), *eq;
	struct strvec all = { NULL, 0, 0 };
	size_t i;
	int rc = 0;

	strvec_split_blanks(&all, res != NULL ? res : "");
	for (i = 0; i < all.n && rc == 0; i++) {
		eq = strchr(all.v[i], '=');
		if (eq == NULL || !in_list(resource_options, all.v[i],
		    (size_t)(eq - all.v[i])) || eq[1] == '\0' ||
		    eq[1 + strspn(eq + 1, VALUE_CHARS)] != '\0') {
			ct_warn("parameter resources: '%.60s' is not one of "
			    "--account --constraint --cpus-per-task --gres "
			    "--gpus --mem --mem-per-cpu --nodes --ntasks --qos "
			    "--tmp --reservation --licenses --exclude "
			    "--nodelist =VALUE", all.v[i]);
			rc = -1;
		} else if (w != NULL)
			strvec_push_owned(w, xstrdup(all.v[i]));
	}
	strvec_free(&all);
	return rc;
}

static int
check(void)
{
	const char *rq = getenv("CT_PARAM_REQUEUE");
	int rc = 0;

	(void)batch_param_word("CT_PARAM_PARTITION", "partition", NAME_CHARS,
	    &rc);
	if (resources(NULL) != 0)
		rc = EX_CONFIG;
	if (rq != NULL && strcmp(rq, "yes") != 0 && strcmp(rq, "no") != 0) {
		ct_warn("parameter requeue: yes or no");
		rc = EX_CONFIG;
	}
	return rc;
}

/*
 * slurmctld cannot be reached (down, restarting), or takes no more jobs
 * for now: worth another try.
 */
static const char *const busy[] = {
	"Unable to contact", "Socket timed out", "Connection refused",
	"temporarily unavailable", "Resource temporarily", "job limit", NULL
};

static int
submit(const struct batch_job *j, char **id)
{
	struct strvec w = { NULL, 0, 0 };
	const char *part = getenv("CT_PARAM_PARTITION");
	long limit = batch_time_limit();
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	const char *rq = getenv("CT_PARAM_REQUEUE");
	int requeue = rq == NULL || strcmp(rq, "no") != 0;
	char t[64];
	int rc;

	strvec_push_owned(&w, xstrdup("--parsable"));
	strvec_push_owned(&w, xstrdup("--job-name"));
	strvec_push_owned(&w, xstrdup(j->name));
	strvec_push_owned(&w, xstrdup("--chdir"));
	strvec_push_owned(&w, xstrdup(j->dir));
	strvec_push_owned(&w, xstrdup("--output"));
	strvec_push_owned(&w, path_join(j->dir, BATCH_SCHED_OUT));
	strvec_push_owned(&w, xstrdup("--error"));
	strvec_push_owned(&w, path_join(j->dir, BATCH_SCHED_ERR));
	if (part != NULL && *part != '\0') {
		strvec_push_owned(&w, xstrdup("--partition"));
		strvec_push_owned(&w, xstrdup(part));
	}
	if (limit > 0) {
		/* minutes:seconds; Slurm counts whole minutes, rounding up. */
		snprintf(t, sizeof t, "--time=%ld:%02ld", limit / 60,
		    limit % 60);
		strvec_push_owned(&w, xstrdup(t));
	}
	/*
	 * Slurm requeues a batch job whose node failed, and runs it again;
	 * with requeue=no it ends NODE_FAIL and the job moves on.
	 */
	if (requeue == 0)
		strvec_push_owned(&w, xstrdup("--no-requeue"));
	(void)resources(&w);
	strvec_push_owned(&w, xstrdup(j->script));
	rc = batch_run("sbatch", (const char *const *)w.v, &o, &r);
	strvec_free(&w);
	if (rc == 0 && !(r.exited && r.code == 0)) {
		ct_warn("sbatch: %s", r.err_tail[0] ? r.err_tail :
		    "failed without a message");
		rc = batch_text_has(r.err_text, busy) ? EX_TEMPFAIL :
		    EX_UNAVAILABLE;
	}
	if (rc == 0)
		*id = batch_submitted_id(&o, ";");
	buf_free(&o);
	return rc;
}

/* The value of " key=" in a one-line record, up to a blank, into out. */
static int
field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), n;
	const char *p = text;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') &&
		    p[klen] == '=') {
			p += klen + 1;
			n = strcspn(p, " \n");
			if (n >= size)
				n = size - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p += klen;
	}
	return -1;
}

/*
 * The job ended in state with ExitCode exit ("N:S", "" if unknown);
 * said is what the scheduler said, for the reason.
 */
static int
ended(const struct batch_job *j, const char *state, const char *exit,
    const char *said)
{
	int64_t code = 0, sig = 0;
	const char *end;

	/* ExitCode is "status:signal". */
	if (*exit != '\0' &&
	    (parse_int64(exit, &end, 0, INT_MAX, &code) != 0 ||
	    *end != ':' || parse_int64(end + 1, NULL, 0, INT_MAX, &sig) != 0)) {
		batch_answer("failed Slurm gave no exit status (%s)", said);
		return 0;
	}
	if (strcmp(state, "COMPLETED") == 0 || strcmp(state, "FAILED") == 0)
		return batch_ended(j, (int)code, (int)sig, said);
	if (strncmp(state, "CANCELLED", 9) == 0)
		batch_answer(j->cancelled ? "failed cancelled (%s)" :
		    "failed cancelled at the scheduler (%s)", said);
	else if (strcmp(state, "TIMEOUT") == 0)
		batch_answer("failed time limit (%s)", said);
	else if (strcmp(state, "NODE_FAIL") == 0 ||
	    strcmp(state, "BOOT_FAIL") == 0)
		batch_answer("failed node failure (%s)", said);
	else if (strcmp(state, "OUT_OF_MEMORY") == 0)
		batch_answer("failed out of memory (%s)", said);
	else
		batch_answer("failed Slurm ended the job (%s)", said);
	return 0;
}

/* After squeue: scontrol knows the exit code until MinJobAge. */
static int
from_scontrol(const struct batch_job *j, const char *state)
{
	const char *args[] = { "show", "job", "-o", j->id, NULL };
	char exit[64] = "", reason[128] = "", said[512];
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	int rc;

	rc = batch_run("scontrol", args, &o, &r);
	if (rc == 0 && r.exited && r.code == 0 && o.data != NULL) {
		(void)field(o.data, "ExitCode", exit, sizeof exit);
		(void)field(o.data, "Reason", reason, sizeof reason);
	}
	buf_free(&o);
	if (rc != 0)
		return rc;
	snprintf(said, sizeof said, "squeue: %s; scontrol: JobState=%s "
	    "Reason=%s ExitCode=%s", state, state, reason[0] ? reason : "?",
	    exit[0] ? exit : "?");
	return ended(j, state, exit, said);
}

/*
 * After MinJobAge: the last line for the job in the jobcomp/filetxt log,
 * if parameter jobcomp-log names one. 1 if it answered.
 */
static int
from_jobcomp(const struct batch_job *j, int *rc)
{
	const char *log = getenv("CT_PARAM_JOBCOMP_LOG");
	char key[64], state[64], exit[64] = "", said[300], *line = NULL;
	const char *p;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int found = 0;

	if (log == NULL || *log == '\0')
		return 0;
	if ((f = fopen(log, "re")) == NULL) {
		ct_warnerr("cannot open jobcomp-log %s", log);
		*rc = EX_TEMPFAIL;
		return 1;
	}
	snprintf(key, sizeof key, "JobId=%s ", j->id);
	/* The last line: an id may come again after a controller reset. */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, key, strlen(key)) != 0)
			continue;
		p = line;
		if (field(p, "JobState", state, sizeof state) == 0) {
			found = 1;
			exit[0] = '\0';
			(void)field(p, "ExitCode", exit, sizeof exit);
		}
	}
	free(line);
	fclose(f);
	if (!found)
		return 0;
	snprintf(said, sizeof said, "jobcomp log: JobState=%s ExitCode=%s",
	    state, exit[0] ? exit : "?");
	*rc = ended(j, state, exit, said);
	return 1;
}

/* A job of j->name that slurmctld knows (until MinJobAge after its end). */
static int
find(const struct batch_job *j, char **id)
{
	const char *args[] = { "-h", "-t", "all", "-n", j->name, "-o", "%i",
	    NULL };
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	int rc;

	*id = NULL;
	if ((rc = batch_run("squeue", args, &o, &r)) != 0)
		goto out;
	if (!(r.exited && r.code == 0))
		rc = batch_tool_failed("squeue -n", j, &r);
	else if (o.len > 0)
		*id = batch_submitted_id(&o, " ");
out:
	buf_free(&o);
	return rc;
}

static int
poll_job(const struct batch_job *j)
{
	const char *args[] = { "-h", "-t", "all", "-j", j->id, "-o", "%T",
	    NULL };
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	char state[64];
	int rc;

	if ((rc = batch_run("squeue", args, &o, &r)) != 0)
		goto out;
	if (r.exited && r.code == 0 && o.len > 0) {
		batch_first_line(o.data, state, sizeof state);
		if (in_list(going, state, strlen(state)))
			batch_answer("running");
		else
			rc = from_scontrol(j, state);
		goto out;
	}
	/* Purged after MinJobAge, or never known. */
	if (!(r.exited && ((r.code == 0 && o.len == 0) ||
	    strstr(r.err_text, "Invalid job id") != NULL))) {
		rc = batch_tool_failed("squeue -j", j, &r);
		goto out;
	}
	if (!from_jobcomp(j, &rc))
		rc = batch_missing(j, "squeue: Invalid job id specified");
out:
	buf_free(&o);
	return rc;
}

/* Every tool batch_run() is given, and cancel_tool. */
static const char *const slurm_tools[] = { "sbatch", "squeue", "scontrol",
    "scancel", NULL };

static const struct batch_ops slurm_ops = {
	.scheduler = "Slurm",
	.env = slurm_env,
	.tools = slurm_tools,
	.check = check,
	.submit = submit,
	.find = find,
	.poll = poll_job,
	.cancel_tool = "scancel",
	.cancel_gone = scancel_gone,
};

int
main(int argc, char **argv)
{
	return batch_main(argc, argv, &slurm_ops);
}
