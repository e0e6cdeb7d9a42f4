/*
 * batch-many.c: submit-batch for the batch-scheduler wrappers, sge(8)
 * and slurm(8) (batch-impl.h says where a batch's files live): one job at
 * the scheduler searches the queries of every job of the batch in one run
 * of the command, so BLAST+ starts, and reads its database, once.
 *
 * The batch script runs the command over all the queries; if it fails,
 * as BLAST+ does for the whole run when one query is bad, the script runs
 * it again for each job alone, in that job's directory, its exit status
 * kept there: one bad query fails only its own job. The report of the
 * whole batch is split (reportsplit.h) on the dispatcher's host, by the
 * first poll of a job of it that finds the scheduler's job ended; each
 * part is written in its job's directory as a job alone's output, and
 * what follows (fetch) is a job alone's.
 *
 * One job at the scheduler, not an array of one task a query: an array's
 * tasks each start BLAST+ and read the database again, the cost a batch
 * is there to save. So cancel of one job of a batch cannot stop a part of
 * the scheduler's job: it marks the job withdrawn (it is then neither run
 * alone nor given a part), and stops the scheduler's job only once every
 * job of the batch is withdrawn. Each cancel marks before it looks at the
 * others' marks, so of two cancels at once one sees both.
 *
 * A submit-batch is idempotent per job, as a submit is: a job's link to
 * its batch and the batch's name are written before the scheduler is
 * asked, so a job's repeated submit, alone or in another batch, finds the
 * batch's job by its name and takes its id as its handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "batch.h"
#include "batch-impl.h"
#include "command.h"
#include "err.h"
#include "exitcodes.h"
#include "fasta.h"
#include "reportsplit.h"
#include "result.h"
#include "statefile.h"
#include "wrapper.h"
#include "wrapper-batch.h"

/* The largest manifest accepted: far above any real query batch. */
#define MAX_MANIFEST_BYTES (64 * 1024 * 1024)
/* The longest handle: a scheduler's job id. */
#define MAX_HANDLE 20

/* One job of a submit-batch call. */
struct member {
	const struct manifest_job *mj;
	struct batch_job j;	/* workdir, dir, name; id once submitted */
	char *staged;		/* staged.N, in its work directory */
	char handle[MAX_HANDLE + 1];
	bool started;		/* it has a handle: printed in the answer */
	bool is_new;		/* staged by this call, for its batch */
};

/* Write data to dir/name, whole or not at all. Returns 0 or -1. */
static int
write_in(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = path_join(dir, name);
	int rc = atomic_write(AT_FDCWD, p, data, len, 0600);

	if (rc != 0)
		ct_warnerr("cannot write %s", p);
	free(p);
	return rc != 0 ? -1 : 0;
}

/* The contents of dir/name, or NULL. */
static char *
read_in(const char *dir, const char *name)
{
	char *p = path_join(dir, name), *s = batch_read_small(p);

	free(p);
	return s;
}

static bool
exists_in(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	bool there = access(p, F_OK) == 0;

	free(p);
	return there;
}

char *
batch_link(const char *dir)
{
	char *link = read_in(dir, BATCH_LINK);

	if (link != NULL && link[0] != '/') {
		free(link);
		link = NULL;
	}
	return link;
}

int
batch_find_staged(struct batch_job *j, char **id)
{
	char *own = j->name, *name = NULL;
	int rc;

	free(j->batchdir);
	j->batchdir = batch_link(j->dir);
	if (j->batchdir != NULL && (name = read_in(j->batchdir,
	    BATCH_NAME)) != NULL)
		j->name = name;
	j->id = j->name;	/* what messages name it by */
	rc = batch_sched->find(j, id);
	j->name = own;
	free(name);
	/* Its batch never reached the scheduler: the job is on its own. */
	if (rc == 0 && *id == NULL && j->batchdir != NULL) {
		char *p = path_join(j->dir, BATCH_LINK);

		if (unlink(p) != 0 && errno != ENOENT) {
			ct_warnerr("cannot remove %s", p);
			rc = EX_IOERR;
		}
		free(p);
		free(j->batchdir);
		j->batchdir = NULL;
	}
	return rc;
}

/*
 * Record m's handle, as submit does: batch.ID, then submitted. Returns
 * 0, or -1 after a message: the job's next submit finds its batch again
 * through what it staged.
 */
static int
record_member(struct member *m, const char *id)
{
	char *rec = batch_record_name(id, "");
	int rc = 0;

	if (atomic_write(AT_FDCWD, rec, m->j.dir, strlen(m->j.dir), 0600) !=
	    0 || statefile_submitted_write(m->mj->attempt, id, true) != 0) {
		ct_warnerr("%s: cannot record its handle", m->mj->id);
		rc = -1;
	}
	free(rec);
	if (rc == 0) {
		snprintf(m->handle, sizeof m->handle, "%s", id);
		m->started = true;
	}
	return rc;
}

/*
 * Job m taken on: its handle, if a submit of its attempt recorded one or
 * the scheduler has the job it staged before; else its directory with its
 * query, to be in this call's batch. A job left out (a message said why)
 * is submitted alone after the call.
 */
static void
take_member(struct member *m, const char *shared)
{
	size_t n = strlen(m->mj->id) + 16;
	char *id = NULL;
	int earlier = 0;

	m->j.workdir = m->mj->workdir;
	if (wrapper_batch_enter(m->mj) != 0)
		return;
	if (wrapper_submitted(m->mj->attempt, m->handle, sizeof m->handle)) {
		m->started = true;
		return;
	}
	m->j.name = xmalloc(n);
	snprintf(m->j.name, n, "ct-%s-%u", m->mj->id, m->mj->attempt);
	m->staged = batch_staged_name(m->mj->attempt);
	if (batch_job_dir(&m->j, shared, m->staged, &earlier) != 0)
		return;
	if (earlier && batch_find_staged(&m->j, &id) != 0)
		return;
	if (id != NULL) {
		if (batch_id_ok(id))
			(void)record_member(m, id);
		free(id);
		return;
	}
	m->is_new = write_in(m->j.dir, CMD_INPUT, m->mj->input,
	    m->mj->input_len) == 0;
}

/*
 * The batch's script: the command over all the queries, in dir; if it
 * fails, the command for each job alone, in the job's directory, unless
 * the job was withdrawn meanwhile. Returns 0, or the exit status.
 */
static int
make_script(struct buf *s, const struct member *ms, size_t n,
    const char *dir, int nopts, char **opts)
{
	struct strvec w = { NULL, 0, 0 };
	char what[64];
	int rc, has_output;
	size_t k, count = 0;

	for (k = 0; k < n; k++)
		count += ms[k].is_new;
	if ((rc = command_expand(dir, nopts, opts, &w, &has_output)) != 0)
		return rc;
	snprintf(what, sizeof what, "batch of %zu jobs", count);
	batch_script_begin(s, dir, what);
	batch_script_command(s, &w, has_output);
	strvec_free(&w);
	buf_appendf(s, " && exit 0\n# The search failed: each job alone.\n"
	    ": >%s || exit 70\n", BATCH_ALONE);
	for (k = 0; k < n; k++) {
		if (!ms[k].is_new)
			continue;
		if ((rc = command_expand(ms[k].j.dir, nopts, opts, &w,
		    &has_output)) != 0)
			return rc;
		buf_appendf(s, "cd ");
		batch_quote(s, ms[k].j.dir);
		buf_appendf(s, " && ! test -e %s && { ", BATCH_CANCELLED);
		batch_script_command(s, &w, has_output);
		buf_appendf(s, "; echo $? >%s; }\n", BATCH_STATUS);
		strvec_free(&w);
	}
	buf_appendf(s, "exit 0\n");
	return 0;
}

/*
 * The batch's directory, in the first new job's, and its files; then each
 * new job's link to it. A job whose link cannot be written is left out.
 * Returns 0, or the exit status.
 */
static int
stage_batch(struct member *ms, size_t n, const char *dir, const char *name,
    int nopts, char **opts)
{
	struct buf queries = { NULL, 0, 0 }, dirs = { NULL, 0, 0 },
	    script = { NULL, 0, 0 };
	char *p;
	size_t k;
	int rc = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot make %s", dir);
		return EX_IOERR;
	}
	for (k = 0; k < n; k++)
		if (ms[k].is_new && write_in(ms[k].j.dir, BATCH_LINK, dir,
		    strlen(dir)) != 0)
			ms[k].is_new = false;
	for (k = 0; k < n; k++) {
		if (!ms[k].is_new)
			continue;
		buf_append(&queries, ms[k].mj->input, ms[k].mj->input_len);
		if (queries.len > 0 && queries.data[queries.len - 1] != '\n')
			buf_append(&queries, "\n", 1);
		buf_appendf(&dirs, "%s\n", ms[k].j.dir);
	}
	if (dirs.len == 0)
		rc = EX_IOERR;
	else if ((rc = make_script(&script, ms, n, dir, nopts, opts)) == 0) {
		p = path_join(dir, BATCH_SCRIPT);
		if (write_in(dir, CMD_INPUT, queries.data, queries.len) != 0 ||
		    write_in(dir, BATCH_MEMBERS, dirs.data, dirs.len) != 0 ||
		    write_in(dir, BATCH_NAME, name, strlen(name)) != 0 ||
		    atomic_write(AT_FDCWD, p, script.data, script.len, 0700) !=
		    0)
			rc = EX_IOERR;
		free(p);
	}
	buf_free(&queries);
	buf_free(&dirs);
	buf_free(&script);
	return rc;
}

/*
 * Submit the batch of the new jobs of ms as one scheduler's job, named
 * as its first job alone would be, and record each job's handle. Returns
 * 0, or after a message the exit status: then no job is recorded.
 */
static int
submit_batch(struct member *ms, size_t n, int nopts, char **opts)
{
	struct member *lead = NULL;
	struct batch_job b = { 0 };
	char *id = NULL;
	size_t k;
	int rc;

	for (k = 0; k < n && lead == NULL; k++)
		if (ms[k].is_new)
			lead = &ms[k];
	b.workdir = lead->j.workdir;
	b.dir = path_join(lead->j.dir, BATCH_DIR);
	b.script = path_join(b.dir, BATCH_SCRIPT);
	b.name = xstrdup(lead->j.name);
	if ((rc = stage_batch(ms, n, b.dir, b.name, nopts, opts)) == 0 &&
	    (rc = wrapper_batch_enter(lead->mj) != 0 ? EX_OSERR : 0) == 0)
		rc = batch_sched->submit(&b, &id);
	if (rc == 0 && !batch_id_ok(id)) {
		ct_warn("%s gave a job id that is not a number",
		    batch_sched->scheduler);
		rc = EX_TEMPFAIL;
	}
	for (k = 0; k < n && rc == 0; k++)
		if (ms[k].is_new && wrapper_batch_enter(ms[k].mj) == 0)
			(void)record_member(&ms[k], id);
	free(id);
	batch_job_free(&b);
	return rc;
}

int
batch_submit_many(int nopts, char **opts)
{
	struct batch_manifest bm;
	struct member *ms;
	const char *shared;
	size_t k, fresh = 0;
	int rc;

	if ((rc = batch_check_params(&shared)) != 0)
		return rc;
	if ((rc = wrapper_batch_read(&bm, MAX_MANIFEST_BYTES)) != 0)
		return rc;
	ms = xcalloc(bm.n, sizeof *ms);
	for (k = 0; k < bm.n; k++) {
		ms[k].mj = &bm.jobs[k];
		take_member(&ms[k], shared);
		fresh += ms[k].is_new;
	}
	if (fresh > 0)
		rc = submit_batch(ms, bm.n, nopts, opts);
	for (k = 0; k < bm.n; k++) {
		if (rc == 0 && ms[k].started &&
		    printf("%s %s\n", ms[k].mj->id, ms[k].handle) < 0)
			rc = EX_IOERR;
		free(ms[k].staged);
		batch_job_free(&ms[k].j);
	}
	if (rc == 0 && fflush(stdout) != 0)
		rc = EX_IOERR;
	if (rc == EX_IOERR)
		ct_warnerr("cannot write standard output");
	free(ms);
	wrapper_batch_free(&bm);
	return rc;
}

/*
 * Split the batch's report among its jobs, each part the output in its
 * job's directory; a job with none gets why in BATCH_NO_PART. Done once
 * (BATCH_SPLIT); two polls at once write the same files, each whole.
 */
static void
split_report(const char *batchdir)
{
	struct buf report = { NULL, 0, 0 }, list = { NULL, 0, 0 }, *parts;
	char **dirs = NULL, *line, *nl, why[256], *out, *p;
	const char **ids = NULL;
	char (*qid)[256] = NULL;
	size_t n = 0, k;
	int fd;

	p = path_join(batchdir, BATCH_MEMBERS);
	if (statefile_read(p, &list, 1024 * 1024) != 0)
		list.len = 0;
	free(p);
	for (line = list.len > 0 ? list.data : NULL; line != NULL &&
	    *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		dirs = xrealloc(dirs, (n + 1) * sizeof *dirs);
		dirs[n++] = line;
	}
	parts = xcalloc(n + 1, sizeof *parts);
	ids = xcalloc(n + 1, sizeof *ids);
	qid = xcalloc(n + 1, sizeof *qid);
	for (k = 0; k < n; k++) {
		char *in = path_join(dirs[k], CMD_INPUT);
		struct buf q = { NULL, 0, 0 };

		if ((fd = open(in, O_RDONLY | O_CLOEXEC)) >= 0 &&
		    read_bounded(fd, &q, RESULT_MAX_SIZE) == 0)
			(void)fasta_id(q.data, q.data + q.len, qid[k],
			    sizeof qid[k]);
		if (fd >= 0)
			close(fd);
		ids[k] = qid[k];
		buf_free(&q);
		free(in);
	}
	out = path_join(batchdir, CMD_OUTPUT);
	snprintf(why, sizeof why, "the batch's command wrote no report");
	if ((fd = open(out, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0 &&
	    read_bounded(fd, &report, RESULT_MAX_SIZE) == 0 &&
	    report_split_apart(report.data, report.len, ids, n, parts, why,
	    sizeof why) == 0)
		snprintf(why, sizeof why, "no report for its query in the "
		    "batch's output");
	if (fd >= 0)
		close(fd);
	for (k = 0; k < n; k++)
		if (parts[k].len > 0)
			(void)write_in(dirs[k], CMD_OUTPUT, parts[k].data,
			    parts[k].len);
		else
			(void)write_in(dirs[k], BATCH_NO_PART, why, strlen(why));
	(void)write_in(batchdir, BATCH_SPLIT, "", 0);
	for (k = 0; k < n; k++)
		buf_free(&parts[k]);
	free(out);
	free(parts);
	free(ids);
	free(qid);
	free(dirs);
	buf_free(&list);
	buf_free(&report);
}

int
batch_member_ended(const struct batch_job *j, const char *source)
{
	struct batch_job alone = *j;
	const char *end;
	char *s, said[600];
	int64_t code;

	if (exists_in(j->batchdir, BATCH_ALONE)) {
		/* The search failed; then the job ran alone, or did not. */
		s = read_in(j->dir, BATCH_STATUS);
		snprintf(said, sizeof said, "%s; the batch's search failed, "
		    "the job ran alone", source);
		alone.batchdir = NULL;
		/* "N\n", as the script's echo wrote it. */
		if (s != NULL && parse_int64(s, &end, 0, 255, &code) == 0 &&
		    strcmp(end, "\n") == 0) {
			free(s);
			return batch_ended(&alone, (int)code, 0, said);
		}
		free(s);
		batch_answer("failed the batch's search failed, and the job "
		    "did not run alone (%s)", source);
		return 0;
	}
	if (!exists_in(j->batchdir, BATCH_SPLIT))
		split_report(j->batchdir);
	if (exists_in(j->dir, CMD_OUTPUT)) {
		batch_answer("done");
		return 0;
	}
	s = read_in(j->dir, BATCH_NO_PART);
	batch_answer("failed %s (%s)", s != NULL ? s : "no part of the "
	    "batch's report", source);
	free(s);
	return 0;
}

int
batch_member_cancel(const struct batch_job *j)
{
	struct buf list = { NULL, 0, 0 };
	char *p, *line, *nl;
	bool wanted = false;

	if (write_in(j->dir, BATCH_CANCELLED, "", 0) != 0)
		return EX_IOERR;
	p = path_join(j->batchdir, BATCH_MEMBERS);
	if (statefile_read(p, &list, 1024 * 1024) != 0) {
		/* Not a batch's any more: nothing of it to spare. */
		buf_free(&list);
		free(p);
		return batch_cancel_at_scheduler(j);
	}
	free(p);
	for (line = list.data; line != NULL && *line != '\0' && !wanted;
	    line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		wanted = !exists_in(line, BATCH_CANCELLED);
	}
	buf_free(&list);
	return wanted ? 0 : batch_cancel_at_scheduler(j);
}
