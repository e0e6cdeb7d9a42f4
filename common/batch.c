/*
 * batch.c: the verbs of the batch-scheduler wrappers (batch.h), the part
 * Grid Engine and Slurm share: the job's shared directory, its input and
 * batch script, the handle's record in $CT_WORKDIR, reading back how the
 * command ended, the grace window, fetch.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "jobid.h"
#include "batch.h"
#include "batch-impl.h"
#include "command.h"
#include "contract.h"
#include "err.h"
#include "exitcodes.h"
#include "lastline.h"
#include "reportsplit.h"
#include "statefile.h"
#include "wrapper.h"
#include "wrapper-batch.h"

/* The largest input accepted: far above any real query batch. */
#define MAX_INPUT_BYTES (64 * 1024 * 1024)
/* A scheduler command's output: a job's status is a few KiB. */
#define MAX_TOOL_OUT (1024 * 1024)
/* A scheduler command must answer within this; the call timeout is 60 s. */
#define TOOL_TIMEOUT_MS (30 * 1000)
/* How long a finished job may be missing from the scheduler's records. */
#define DEFAULT_GRACE 60
/* The longest handle: a scheduler's job id is a decimal number. */
#define MAX_ID 20
/* What the shared directory's path may hold: nothing a scheduler's -o or
 * a shell would read as syntax (':' is host:path to qsub, '%' a pattern
 * to sbatch). */
#define PATH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789._+-/"

const struct batch_ops *batch_sched;
/* poll's answer, kept until it is known whether it says "done". */
static struct buf answer;

/* The usage text, with the program's name: sge or slurm. */
static char usage[320];

static noreturn void
usage_error(const char *what)
{
	wrapper_usage_error(usage, what);
}

void
batch_answer(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(&answer, (size_t)n + 2);
	va_start(ap, fmt);
	vsnprintf(answer.data + answer.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	answer.len += (size_t)n;
	buf_append(&answer, "\n", 1);
}

void
batch_first_line(const char *text, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; text[i] != '\0' && text[i] != '\n' && n + 1 < size &&
	    n < LAST_LINE_MAX; i++) {
		char c = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ?
		    ' ' : text[i];

		/* Columns padded with blanks read as one blank. */
		if (c != ' ' || (n > 0 && out[n - 1] != ' '))
			out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

const char *
batch_param_word(const char *var, const char *name, const char *allowed,
    int *rc)
{
	const char *v = env_nonempty(var);
	char *shown;

	if (v == NULL || v[strspn(v, allowed)] == '\0')
		return v;
	shown = wrapper_printable(v, strlen(v), 100);
	ct_warn("parameter %s: '%s' has characters other than [%s]", name,
	    shown, allowed);
	free(shown);
	*rc = EX_CONFIG;
	return NULL;
}

/* A whole number of seconds, 1 to a year; -1 if v is not one. */
static long
seconds(const char *v)
{
	char *end;
	long n;

	if (v[0] < '1' || v[0] > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > 366L * 86400)
		return -1;
	return n;
}

long
batch_time_limit(void)
{
	const char *v = env_nonempty("CT_PARAM_TIME_LIMIT");

	return v == NULL ? 0 : seconds(v);
}

/* The scheduler's command tool, by its full path. */
static char *
tool_path(const char *tool)
{
	const char *bin = env_nonempty("CT_PARAM_BIN_DIR");

	return path_join(bin != NULL ? bin : "/usr/bin", tool);
}

/* The contract's environment for a scheduler command, plus batch_sched->env. */
static void
tool_env(struct strvec *env)
{
	static const char *const fixed[] = { "PATH", "LANG", "LC_ALL",
	    "HOME", "TMPDIR" };
	const char *v;
	char *var;
	size_t i;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if ((v = getenv(fixed[i])) != NULL)
			strvec_pushf(env, "%s=%s", fixed[i], v);
	for (i = 0; batch_sched->env != NULL && batch_sched->env[i] != NULL; i++) {
		var = contract_param_var("", batch_sched->env[i]);
		v = env_nonempty(var);
		free(var);
		if (v != NULL)
			strvec_pushf(env, "%s=%s", batch_sched->env[i], v);
	}
}

int
batch_run(const char *tool, const char *const args[], struct buf *out,
    struct run_result *r)
{
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	char *path = tool_path(tool);
	size_t i;
	int rc = 0;

	if (access(path, X_OK) != 0) {
		ct_warnerr("%s", path);
		free(path);
		return EX_CONFIG;
	}
	strvec_push(&argv, tool);
	for (i = 0; args[i] != NULL; i++)
		strvec_push(&argv, args[i]);
	tool_env(&env);
	if (run_program(&(struct child){ .path = path,
	    .argv = strvec_vector(&argv), .envp = strvec_vector(&env),
	    .out = out, .max_out = MAX_TOOL_OUT,
	    .timeout_ms = TOOL_TIMEOUT_MS }, r) != 0)
		rc = EX_TEMPFAIL;
	else if (r->timed_out) {
		ct_warn("%s did not answer within %d s", tool,
		    TOOL_TIMEOUT_MS / 1000);
		rc = EX_TEMPFAIL;
	} else if (r->overflow) {
		ct_warn("%s wrote more than %d bytes", tool, MAX_TOOL_OUT);
		rc = EX_TEMPFAIL;
	}
	strvec_free(&argv);
	strvec_free(&env);
	free(path);
	return rc;
}

int
batch_tool_failed(const char *tool, const struct batch_job *j,
    const struct run_result *r)
{
	ct_warn("%s %s: %s", tool, j->id, r->err_tail[0] ? r->err_tail :
	    "failed without a message");
	return EX_TEMPFAIL;
}

bool
batch_text_has(const char *text, const char *const phrases[])
{
	size_t i;

	for (i = 0; phrases[i] != NULL; i++)
		if (strstr(text, phrases[i]) != NULL)
			return true;
	return false;
}

char *
batch_submitted_id(const struct buf *out, const char *ends)
{
	char line[256];

	batch_first_line(out->data != NULL ? out->data : "", line,
	    sizeof line);
	line[strcspn(line, ends)] = '\0';
	return xstrdup(line);
}

int
batch_cancel_at_scheduler(const struct batch_job *j)
{
	const char *args[] = { j->id, NULL };
	struct buf o = { NULL, 0, 0 };
	struct run_result r;
	int rc;

	rc = batch_run(batch_sched->cancel_tool, args, &o, &r);
	buf_free(&o);
	if (rc != 0 || (r.exited && r.code == 0))
		return rc;
	if (batch_text_has(r.err_text, batch_sched->cancel_gone))
		return 0;
	return batch_tool_failed(batch_sched->cancel_tool, j, &r);
}

char *
batch_record_name(const char *id, const char *suffix)
{
	size_t n = sizeof "batch." + strlen(id) + strlen(suffix);
	char *p = xmalloc(n);

	snprintf(p, n, "batch.%s%s", id, suffix);
	return p;
}

char *
batch_read_small(const char *path)
{
	struct buf b = { NULL, 0, 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;

	if (fd < 0)
		return NULL;
	rc = read_bounded(fd, &b, 4096);
	close(fd);
	if (rc != 0) {
		buf_free(&b);
		errno = rc > 0 ? EFBIG : errno;
		return NULL;
	}
	buf_append(&b, "", 0);
	return b.data;
}

void
batch_quote(struct buf *script, const char *word)
{
	const char *p;

	buf_append(script, "'", 1);
	for (p = word; *p != '\0'; p++)
		if (*p == '\'')
			buf_append(script, "'\\''", 4);
		else
			buf_append(script, p, 1);
	buf_append(script, "'", 1);
}

void
batch_script_begin(struct buf *s, const char *dir, const char *what)
{
	const char *path = env_nonempty("CT_PARAM_PATH");
	const char *server = getenv("CT_SERVER");
	char *shown;

	/* A comment line: no newline may end it early. */
	shown = wrapper_printable(server != NULL ? server : "", server != NULL ?
	    strlen(server) : 0, 100);
	buf_appendf(s, "#!/bin/sh\n# cputorrent %s at server %s, "
	    "written by %s.\nPATH=", what, shown, ct_progname);
	free(shown);
	batch_quote(s, path != NULL ? path : CONTRACT_PATH);
	buf_appendf(s, "\nexport PATH\ncd ");
	batch_quote(s, dir);
	buf_appendf(s, " || exit 70\n");
}

void
batch_script_command(struct buf *s, const struct strvec *w, int has_output)
{
	size_t i;

	/*
	 * Not exec: should something kill the command, the shell lives on
	 * to exit 128 + the signal, which the scheduler records; qdel and
	 * scancel kill the shell too, and say so.
	 */
	for (i = 0; i < w->n; i++) {
		batch_quote(s, w->v[i]);
		buf_append(s, " ", 1);
	}
	buf_appendf(s, "<'/dev/null' >'%s' 2>'%s'",
	    has_output ? BATCH_STDOUT : CMD_OUTPUT, BATCH_STDERR);
}

/*
 * The batch script: the command, its words quoted, in the job's
 * directory, its standard output and error in files there. Without an
 * {output} word its standard output is the result.
 */
static void
make_script(struct buf *s, const struct batch_job *j, const struct strvec *w,
    int has_output)
{
	char what[JOBID_MAX + 16];

	snprintf(what, sizeof what, "job %s", getenv("CT_JOB_ID"));
	batch_script_begin(s, j->dir, what);
	batch_script_command(s, w, has_output);
	buf_append(s, "\n", 1);
}

/* The shared directory: an absolute path of plain characters. */
static const char *
shared_dir(int *rc)
{
	const char *d;
	struct stat st;

	d = batch_param_word("CT_PARAM_SHARED_DIR", "shared-dir", PATH_CHARS,
	    rc);
	if (*rc != 0)
		return NULL;
	if (d == NULL) {
		ct_warn("parameter shared-dir is not set");
		*rc = EX_CONFIG;
	} else if (d[0] != '/') {
		ct_warn("parameter shared-dir: %s is not an absolute path", d);
		*rc = EX_CONFIG;
	} else if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ct_warn("parameter shared-dir: %s is not a directory", d);
		*rc = EX_CONFIG;
	}
	return *rc == 0 ? d : NULL;
}

/* Remove the job's directory and what submit put there. */
static void
remove_job_dir(const struct batch_job *j)
{
	static const char *const files[] = { CMD_INPUT, BATCH_SCRIPT };
	char *p;
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		p = path_join(j->dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(j->dir);
}

void
batch_job_free(struct batch_job *j)
{
	free(j->dir);
	free(j->script);
	free(j->batchdir);
	free(j->name);
}

int
batch_id_ok(const char *id)
{
	size_t n = strspn(id, "0123456789");

	return n >= 1 && n <= MAX_ID && id[n] == '\0';
}

static int
stage(struct batch_job *j, const struct strvec *w, int has_output)
{
	struct buf input = { NULL, 0, 0 }, script = { NULL, 0, 0 };
	char *p;
	int rc;

	rc = wrapper_read_input(&input, MAX_INPUT_BYTES, NULL);
	p = path_join(j->dir, CMD_INPUT);
	if (rc == 0 && atomic_write(AT_FDCWD, p, input.data, input.len,
	    0600) != 0) {
		ct_warnerr("cannot write %s", p);
		rc = EX_IOERR;
	}
	free(p);
	make_script(&script, j, w, has_output);
	if (rc == 0 && atomic_write(AT_FDCWD, j->script, script.data,
	    script.len, 0700) != 0) {
		ct_warnerr("cannot write %s", j->script);
		rc = EX_IOERR;
	}
	buf_free(&input);
	buf_free(&script);
	return rc;
}

char *
batch_staged_name(unsigned attempt)
{
	char *p = xmalloc(32);

	snprintf(p, 32, "staged.%u", attempt);
	return p;
}

int
batch_job_dir(struct batch_job *j, const char *shared, const char *staged,
    int *earlier)
{
	const char *job = getenv("CT_JOB_ID");
	struct stat st;
	size_t n;

	j->dir = batch_read_small(staged);
	*earlier = j->dir != NULL && j->dir[0] == '/' &&
	    stat(j->dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (*earlier)
		return 0;
	free(j->dir);
	n = strlen(shared) + strlen(job) + sizeof "/.XXXXXX";
	j->dir = xmalloc(n);
	snprintf(j->dir, n, "%s/%s.XXXXXX", shared, job);
	if (mkdtemp(j->dir) == NULL) {
		ct_warnerr("cannot make a directory in %s", shared);
		return EX_IOERR;
	}
	if (atomic_write(AT_FDCWD, staged, j->dir, strlen(j->dir), 0600) !=
	    0) {
		ct_warnerr("cannot write %s/%s", j->workdir, staged);
		rmdir(j->dir);
		return EX_IOERR;
	}
	return 0;
}

/*
 * The handle leads to the directory (batch.ID), then the attempt to the
 * handle (submitted). Returns 0, or after a message EX_IOERR: then no
 * record leads to the job, and it must not run.
 */
static int
record_job(struct batch_job *j, unsigned attempt, const char *staged,
    char *id)
{
	char *rec = batch_record_name(id, "");
	int rc = 0;

	if (atomic_write(AT_FDCWD, rec, j->dir, strlen(j->dir), 0600) != 0) {
		ct_warnerr("cannot write %s/%s", j->workdir, rec);
		rc = EX_IOERR;
	} else if (statefile_submitted_write(attempt, id, true) != 0) {
		ct_warnerr("cannot write %s/%s", j->workdir,
		    STATEFILE_SUBMITTED);
		rc = EX_IOERR;
	}
	/*
	 * A batch's job goes on for its other jobs; this one's next submit
	 * finds it again through what it staged.
	 */
	if (rc != 0 && j->batchdir == NULL) {
		j->id = id;
		(void)batch_cancel_at_scheduler(j);
		unlink(staged);
	}
	free(rec);
	return rc;
}

int
batch_check_params(const char **shared)
{
	int rc = 0;

	*shared = shared_dir(&rc);
	if (rc == 0 && batch_time_limit() < 0) {
		ct_warn("parameter time-limit: a whole number of seconds, "
		    "1 to a year");
		rc = EX_CONFIG;
	}
	if (rc == 0 && batch_sched->check != NULL)
		rc = batch_sched->check();
	return rc;
}

/*
 * The check verb: every problem submit could find without a job, and
 * the tools and the command's program and databases, which submit finds
 * missing only when it runs them, or the job's script does on a node.
 */
static int
check(void)
{
	const char *bin = env_nonempty("CT_PARAM_BIN_DIR");
	size_t i;
	char *p;
	int rc = 0;

	wrapper_check_begin();
	(void)shared_dir(&rc);
	if (batch_time_limit() < 0)
		ct_warn("parameter time-limit: a whole number of seconds, "
		    "1 to a year");
	if (batch_sched->check != NULL)
		(void)batch_sched->check();
	for (i = 0; batch_sched->tools[i] != NULL; i++) {
		p = tool_path(batch_sched->tools[i]);
		if (access(p, X_OK) != 0)
			ct_warnerr("parameter bin-dir: %s%s", p, bin == NULL ?
			    " (bin-dir is not set)" : "");
		free(p);
	}
	(void)command_check(env_nonempty("CT_PARAM_PATH"));
	(void)report_split_check();
	return wrapper_check_end();
}

static int
submit(const char *workdir, int nopts, char **opts)
{
	struct batch_job j = { .workdir = workdir };
	struct strvec w = { NULL, 0, 0 };
	const char *shared, *job = getenv("CT_JOB_ID");
	unsigned attempt = wrapper_attempt();
	char *id = NULL, *staged, handle[MAX_ID + 1];
	int rc, has_output, earlier = 0;
	size_t n;

	/* This attempt's job was submitted already: its handle. */
	if (wrapper_submitted(attempt, handle, sizeof handle)) {
		if (printf("%s\n", handle) < 0 || fflush(stdout) != 0)
			ct_dieerr(EX_IOERR, "cannot write standard output");
		return 0;
	}
	if ((rc = batch_check_params(&shared)) != 0)
		return rc;
	n = strlen(job) + 16;
	j.name = xmalloc(n);
	snprintf(j.name, n, "ct-%s-%u", job, attempt);
	staged = batch_staged_name(attempt);
	rc = batch_job_dir(&j, shared, staged, &earlier);
	if (rc == 0) {
		j.script = path_join(j.dir, BATCH_SCRIPT);
		rc = command_expand(j.dir, nopts, opts, &w, &has_output);
	}
	/* Staged before: the scheduler may have it, its answer lost. */
	if (rc == 0 && earlier)
		rc = batch_find_staged(&j, &id);
	if (rc == 0 && id == NULL && (rc = stage(&j, &w, has_output)) == 0)
		rc = batch_sched->submit(&j, &id);
	if (rc == 0 && !batch_id_ok(id)) {
		ct_warn("%s gave a job id that is not a number",
		    batch_sched->scheduler);
		rc = EX_TEMPFAIL;
	}
	if (rc == 0 && (rc = record_job(&j, attempt, staged, id)) == 0 &&
	    (printf("%s\n", id) < 0 || fflush(stdout) != 0)) {
		ct_warnerr("cannot write standard output");
		rc = EX_IOERR;
	}
	/*
	 * Refused: nothing of it is left. A submit that may have reached
	 * the scheduler (75: no answer in time, say) keeps its directory,
	 * for the next one to find the job by its name.
	 */
	if (rc != 0 && rc != EX_TEMPFAIL && id == NULL && j.dir != NULL) {
		remove_job_dir(&j);
		unlink(staged);
	}
	strvec_free(&w);
	free(staged);
	free(id);
	batch_job_free(&j);
	return rc;
}

/*
 * Find the job of handle id: 0, or 1 for a handle this work directory
 * never had. A handle that is no job id at all is a usage error (64).
 */
static int
find_job(struct batch_job *j, const char *workdir, const char *id)
{
	char *rec, *mark;

	if (!batch_id_ok(id))
		usage_error("handle: expected a job id (digits)");
	memset(j, 0, sizeof *j);
	j->workdir = workdir;
	j->id = id;
	rec = batch_record_name(id, "");
	j->dir = batch_read_small(rec);
	if (j->dir == NULL) {
		if (errno != ENOENT)
			ct_dieerr(EX_IOERR, "cannot read %s/%s", workdir, rec);
		free(rec);
		return 1;
	}
	free(rec);
	j->script = path_join(j->dir, BATCH_SCRIPT);
	j->batchdir = batch_link(j->dir);
	mark = batch_record_name(id, ".cancelled");
	j->cancelled = access(mark, F_OK) == 0;
	free(mark);
	return 0;
}

int
batch_ended(const struct batch_job *j, int code, int sig, const char *source)
{
	char line[LAST_LINE_MAX + 1], *p;
	const char *name, *dir;

	/* A job of a batch: what its script did for this job. */
	if (sig == 0 && code == 0 && j->batchdir != NULL)
		return batch_member_ended(j, source);
	p = path_join(j->dir, CMD_OUTPUT);
	if (sig == 0 && code == 0) {
		if (access(p, F_OK) == 0)
			batch_answer("done");
		else
			batch_answer("failed command exited with status 0 but "
			    "wrote no output file (%s)", source);
		free(p);
		return 0;
	}
	free(p);
	/* The batch script's shell says "killed by signal N" as 128 + N. */
	if (sig == 0 && code > 128 && code < 128 + 65)
		sig = code - 128;
	if (sig != 0) {
		name = sigabbrev_np(sig);
		batch_answer("failed command killed by signal %d%s%s%s (%s)",
		    sig, name ? " (SIG" : "", name ? name : "", name ? ")" : "",
		    source);
		return 0;
	}
	/* The script of a batch failed: its words are the batch's. */
	dir = j->batchdir != NULL ? j->batchdir : j->dir;
	p = path_join(dir, BATCH_STDERR);
	last_line_of(p, line);
	free(p);
	if (line[0] == '\0') {
		/* Nothing from the command: perhaps the script's own words. */
		p = path_join(dir, BATCH_SCHED_ERR);
		last_line_of(p, line);
		free(p);
	}
	batch_answer("failed command exited with status %d%s%s", code,
	    line[0] ? ": " : "", line);
	return 0;
}

int
batch_missing(const struct batch_job *j, const char *said)
{
	const char *g = env_nonempty("CT_PARAM_GRACE");
	long grace = g != NULL ? seconds(g) : DEFAULT_GRACE;
	char *mark = batch_record_name(j->id, ".missing"), *since, stamp[32];
	int64_t now = time(NULL), first = -1;
	int n;

	if (grace < 0)
		grace = DEFAULT_GRACE;
	/* Since when it has been missing; a damaged mark is made again. */
	if ((since = batch_read_small(mark)) != NULL &&
	    parse_int64(since, NULL, 0, now, &first) != 0)
		first = -1;
	free(since);
	if (first < 0) {
		n = snprintf(stamp, sizeof stamp, "%lld", (long long)now);
		if (atomic_write(AT_FDCWD, mark, stamp, (size_t)n, 0600) != 0)
			ct_warnerr("cannot write %s", mark);
		first = now;
	}
	free(mark);
	if (now - first < grace) {
		batch_answer("running");
		return 0;
	}
	if (j->cancelled)
		batch_answer("failed cancelled before it ran (%s)", said);
	else
		batch_answer("failed lost: %s has no record of job %s "
		    "after %ld s (%s)", batch_sched->scheduler, j->id, grace, said);
	return 0;
}

static int
fetch(const struct batch_job *j)
{
	char *p, *done = batch_record_name(j->id, ".done");
	int fd;

	if (access(done, F_OK) != 0)
		ct_die(EX_TEMPFAIL, "job %s has not been seen done (poll "
		    "first)", j->id);
	free(done);
	p = path_join(j->dir, CMD_OUTPUT);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			ct_die(EX_UNAVAILABLE, "no result: %s is gone", p);
		ct_dieerr(EX_IOERR, "cannot open %s", p);
	}
	free(p);
	wrapper_copy_out(fd, "the output");
	close(fd);
	return 0;
}

/* poll, with "done" kept in a mark in the work directory for fetch. */
static int
poll_job(const struct batch_job *j)
{
	char *done;
	int rc;

	rc = batch_sched->poll(j);
	if (rc == 0 && answer.len == 5 &&
	    memcmp(answer.data, "done\n", 5) == 0) {
		done = batch_record_name(j->id, ".done");
		if (atomic_write(AT_FDCWD, done, "", 0, 0600) != 0) {
			ct_warnerr("cannot write %s", done);
			rc = EX_IOERR;
		}
		free(done);
	}
	if (rc == 0 && write_all(STDOUT_FILENO, answer.data, answer.len) != 0)
		ct_dieerr(EX_IOERR, "cannot write standard output");
	buf_free(&answer);
	return rc;
}

static int
cancel(const struct batch_job *j)
{
	char *mark = batch_record_name(j->id, ".cancelled");
	int rc = 0;

	/* Said first: a job qdel'ed while pending leaves no record at all. */
	if (atomic_write(AT_FDCWD, mark, "", 0, 0600) != 0) {
		ct_warnerr("cannot write %s", mark);
		rc = EX_IOERR;
	}
	free(mark);
	/* A job of a batch is withdrawn alone, while others want the rest. */
	if (rc == 0 && j->batchdir != NULL)
		rc = batch_member_cancel(j);
	else if (rc == 0)
		rc = batch_cancel_at_scheduler(j);
	return rc;
}

int
batch_main(int argc, char **argv, const struct batch_ops *o)
{
	struct batch_job j;
	const char *verb, *workdir;
	int rc;

	ct_setprogname(argv[0]);
	snprintf(usage, sizeof usage, "usage: %s submit [key=value ...] "
	    "<input\n       %s submit-batch [key=value ...] <manifest\n"
	    "       %s poll | fetch | cancel jobid\n       %s check\n",
	    ct_progname, ct_progname, ct_progname, ct_progname);
	batch_sched = o;
	if (wrapper_batch_verb(argc, argv, usage)) {
		(void)wrapper_env("CT_JOB_ID");
		return batch_submit_many(argc - 2, argv + 2);
	}
	verb = wrapper_verb(argc, argv, usage, "handle");
	if (strcmp(verb, "check") == 0)
		return check();
	(void)wrapper_env("CT_JOB_ID");
	/* The handle's records are named relative to the work directory. */
	workdir = wrapper_enter_workdir();
	if (strcmp(verb, "submit") == 0)
		return submit(workdir, argc - 2, argv + 2);
	if (find_job(&j, workdir, argv[2]) != 0) {
		/* Nothing of ours to cancel: an attempt whose records are gone. */
		if (strcmp(verb, "cancel") == 0)
			return 0;
		ct_die(EX_USAGE, "handle %s: not a job submitted from this "
		    "work directory", argv[2]);
	}
	if (strcmp(verb, "poll") == 0)
		rc = poll_job(&j);
	else if (strcmp(verb, "fetch") == 0)
		rc = fetch(&j);
	else
		rc = cancel(&j);
	batch_job_free(&j);
	return rc;
}
