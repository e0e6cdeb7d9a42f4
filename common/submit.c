/*
 * submit.c: new jobs staged and published as one batch (submit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exitcodes.h"
#include "submit.h"

/*
 * The first event's text. The owner's name is not looked up: that costs a
 * trip to NSS (files, nscd, LDAP) at every submission, and ct-status -l
 * shows the name anyway.
 */
static char *
submitter(void)
{
	char host[256] = "localhost";
	struct buf b = { 0 };

	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	buf_appendf(&b, "submitted by uid %lu on %s", (unsigned long)getuid(),
	    host);
	return b.data;
}

void
submit_begin(struct submit_batch *b, const struct limits *limits)
{
	memset(b, 0, sizeof *b);
	b->usec = now_usec();
	b->event = submitter();
	b->limits = limits;
}

int
submit_stage(struct spool *sp, struct submit_batch *b, struct job *j,
    const char *event, const char *input, size_t len)
{
	struct submit_staged *st;
	struct buf rec = { 0 };
	int rc;

	b->jobs = xrealloc(b->jobs, (b->n + 1) * sizeof *b->jobs);
	st = &b->jobs[b->n];
	/* Job k of the batch at its time plus k microseconds (jobid.h). */
	j->submitted_usec = b->usec + (int64_t)b->n;
	jobid_make(j->id, j->submitted_usec);
	if (b->n == 0)
		jobid_batch(b->id, j->id);
	j->owner = getuid();
	job_set(&j->batch, b->id);
	job_add_event(j, j->submitted_usec, JOB_NEW, event);
	job_format(j, input, len, &rec);
	if (b->limits != NULL && (rc = limits_admit(sp, b->limits,
	    &b->admitted, j->id, rec.len)) != 0) {
		buf_free(&rec);
		return rc;
	}
	rc = spool_stage(sp, rec.data, rec.len, st->tmpname) == 0 ? 0 :
	    EX_IOERR;
	if (rc == 0) {
		memcpy(st->id, j->id, sizeof st->id);
		b->n++;
	}
	buf_free(&rec);
	return rc;
}

int
submit_commit(struct spool *sp, struct submit_batch *b)
{
	return b->limits != NULL ? limits_commit(sp, &b->admitted) : 0;
}

void
submit_unstage(struct spool *sp, struct submit_batch *batch)
{
	size_t i;

	for (i = 0; i < batch->n; i++)
		spool_unstage(sp, batch->jobs[i].tmpname);
	limits_withdraw(&batch->admitted, 0);
}

int
submit_publish(struct spool *sp, struct submit_batch *batch,
    enum spool_dir to)
{
	size_t i, k;
	int status = 0;

	for (i = 0; i < batch->n; i++) {
		if (spool_publish(sp, batch->jobs[i].tmpname, to,
		    batch->jobs[i].id) == 0)
			continue;
		ct_warnerr("cannot publish job %s", batch->jobs[i].id);
		/* Those already published are whole: name them. */
		for (k = i; k < batch->n; k++)
			spool_unstage(sp, batch->jobs[k].tmpname);
		limits_withdraw(&batch->admitted, i);
		batch->n = i;
		status = EX_IOERR;
	}
	if (batch->n > 0 && spool_sync(sp, to) != 0) {
		/*
		 * The jobs are whole and visible, but a crash could still undo
		 * them: stdout promises durable jobs, so name them here.
		 */
		for (k = 0; k < batch->n; k++)
			ct_warn("job %s is in the spool, but may not survive a "
			    "crash", batch->jobs[k].id);
		batch->n = 0;
		return EX_IOERR;
	}
	return status;
}

int
submit_print_ids(const struct submit_batch *batch)
{
	size_t i;

	for (i = 0; i < batch->n; i++)
		printf("%s\n", batch->jobs[i].id);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("%zu jobs submitted, but their IDs could not be "
		    "written", batch->n);
		return EX_IOERR;
	}
	return 0;
}

void
submit_end(struct submit_batch *b)
{
	free(b->jobs);
	free(b->event);
	limits_batch_free(&b->admitted);
	memset(b, 0, sizeof *b);
}
