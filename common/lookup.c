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
 * fn on each job of batch, from its first until one is missing, each read
 * once: the highest answer, 0 if none; *found if there was one.
 */
static int
batch_jobs(struct spool *sp, const char *batch, lookup_fn fn, void *ctx,
    bool *found)
{
	char id[JOBID_MAX + 1];
	unsigned long seq;
	enum job_state s;
	struct job j;
	int status = 0, code;
	bool ours;

	for (seq = 0; jobid_in_batch(id, batch, seq); seq++) {
		if ((code = lookup_job(sp, id, true, &j, &s)) != 0)
			return code == CT_EXIT_NOTFOUND ? status : code;
		/* An ID of that shape made by another tool ends the batch. */
		ours = j.batch != NULL && strcmp(j.batch, batch) == 0;
		code = ours ? fn(sp, &j, s, ctx) : 0;
		job_free(&j);
		if (!ours)
			break;
		*found = true;
		if (code > status)
			status = code;
	}
	return status;
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
	/* A made ID has six dashes; its batch ID, five; a name, neither. */
	if (jobid_is_made(arg))
		return count_char(arg, '-') == 5 ?
		    batch_jobs(sp, arg, fn, ctx, found) : 0;
	/* A file the scan could not read (said) does not hide the others. */
	if (jobname_valid(arg) && named_jobs(sp, arg, &ids) != 0)
		status = EX_IOERR;
	for (i = 0; i < ids.n; i++) {
		/* One removed since the scan is skipped. */
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
