/*
 * lookup.c: a job looked up for a user command, and the jobs an argument
 * names (lookup.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exitcodes.h"
#include "lookup.h"

int
lookup_job(struct spool *sp, const char *id, bool quiet, struct job *j,
    enum job_state *state)
{
	switch (spool_load(sp, id, false, j, state)) {
	case SPOOL_FOUND:
		return 0;
	case SPOOL_NOTFOUND:
		/* Another user's job is one that does not exist. */
		if (!quiet)
			ct_warn("%s: job not found", id);
		return CT_EXIT_NOTFOUND;
	default:
		return EX_IOERR;	/* spool_load said why */
	}
}

/* How many times c occurs in s. */
static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

/*
 * Does the caller have job id? 1 yes, 0 no, -1 on a spool error
 * (printed). With batch, it must also belong to that batch.
 */
static int
have_job(struct spool *sp, const char *id, const char *batch)
{
	enum job_state s;
	struct job j;
	int rc;

	switch (spool_load(sp, id, false, &j, &s)) {
	case SPOOL_FOUND:
		rc = batch == NULL ||
		    (j.batch != NULL && strcmp(j.batch, batch) == 0);
		job_free(&j);
		return rc;
	case SPOOL_NOTFOUND:
		return 0;
	default:
		return -1;
	}
}

/* The jobs of batch, from its first until one is missing: -1, or 0. */
static int
batch_jobs(struct spool *sp, const char *batch, struct strvec *ids)
{
	char id[JOBID_MAX + 1];
	unsigned long seq;
	int rc;

	for (seq = 0; jobid_in_batch(id, batch, seq); seq++) {
		if ((rc = have_job(sp, id, batch)) <= 0)
			return rc;
		strvec_push(ids, id);
	}
	return 0;
}

struct by_name {
	const char *name;
	struct strvec *ids;
};

static int
match_name(struct job *j, enum job_state s, void *ctx)
{
	struct by_name *b = ctx;

	(void)s;
	if (j->name != NULL && strcmp(j->name, b->name) == 0)
		strvec_push(b->ids, j->id);
	return 0;
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The caller's jobs named name, in ID order, each once (a job that moves
 * during the walk may be visited twice): -1, or 0.
 */
static int
named_jobs(struct spool *sp, const char *name, struct strvec *ids)
{
	struct strvec found = STRVEC_INIT;
	struct by_name b = { name, &found };
	size_t i;
	int rc;

	rc = spool_foreach(sp, match_name, &b) != 0 ? -1 : 0;
	if (found.n > 0)
		qsort(found.v, found.n, sizeof *found.v, by_string);
	for (i = 0; i < found.n; i++)
		if (i == 0 || strcmp(found.v[i], found.v[i - 1]) != 0)
			strvec_push(ids, found.v[i]);
	strvec_free(&found);
	return rc;
}

/*
 * The IDs of the jobs arg names as a batch or a name, appended to ids: -1
 * on a spool error, else 0.
 */
static int
expand(struct spool *sp, const char *arg, struct strvec *ids)
{
	if (jobid_is_made(arg))
		/* A made ID has six dashes; its batch ID, five. */
		return count_char(arg, '-') == 5 ? batch_jobs(sp, arg, ids) : 0;
	return jobname_valid(arg) ? named_jobs(sp, arg, ids) : 0;
}

/* fn on each job arg names: the highest answer, or 0 if none. */
static int
each_job(struct spool *sp, const char *arg, lookup_fn fn, void *ctx,
    bool *found)
{
	struct strvec ids = STRVEC_INIT;
	enum job_state s;
	struct job j;
	size_t i;
	int status = 0, code;

	/* An ID first: one lookup, whatever the spool holds. */
	if (jobid_valid(arg) &&
	    (code = lookup_job(sp, arg, true, &j, &s)) != CT_EXIT_NOTFOUND) {
		if (code != 0)
			return code;
		*found = true;
		code = fn(sp, &j, s, ctx);
		job_free(&j);
		return code;
	}
	if (expand(sp, arg, &ids) != 0)
		status = EX_IOERR;
	for (i = 0; i < ids.n && status != EX_IOERR; i++) {
		/* One that is gone since (a job is never deleted) is skipped. */
		if ((code = lookup_job(sp, ids.v[i], true, &j, &s)) ==
		    CT_EXIT_NOTFOUND)
			continue;
		if (code == 0) {
			*found = true;
			code = fn(sp, &j, s, ctx);
			job_free(&j);
		}
		if (code > status)
			status = code;
	}
	strvec_free(&ids);
	return status;
}

int
lookup_args(struct spool *sp, const char *const *args, bool quiet,
    lookup_fn fn, void *ctx)
{
	int status = 0, code;
	bool found;

	for (; *args != NULL; args++) {
		found = false;
		code = each_job(sp, *args, fn, ctx, &found);
		if (!found && code == 0) {
			if (!quiet)
				ct_warn("%s: job not found", *args);
			code = CT_EXIT_NOTFOUND;
		}
		if (code > status)
			status = code;
	}
	return status;
}

int
lookup_collect(struct spool *sp, struct job *j, enum job_state s, void *ctx)
{
	(void)sp;
	(void)s;
	strvec_push(ctx, j->id);
	return 0;
}

int
lookup_one(struct spool *sp, const char *arg, char *id)
{
	const char *const args[] = { arg, NULL };
	struct strvec ids = STRVEC_INIT;
	size_t i;
	int status;

	if ((status = lookup_args(sp, args, false, lookup_collect, &ids)) == 0 &&
	    ids.n > 1) {
		ct_warn("%s: names %zu jobs; give one of their IDs:", arg,
		    ids.n);
		for (i = 0; i < ids.n; i++)
			ct_warn("  %s", ids.v[i]);
		status = EX_USAGE;
	}
	if (status == 0)
		snprintf(id, JOBID_MAX + 1, "%s", ids.v[0]);
	strvec_free(&ids);
	return status;
}
