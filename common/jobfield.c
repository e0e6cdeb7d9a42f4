/*
 * jobfield.c: the fields of a job (jobfield.h). To add one: a getter and
 * a line in jobfields[], then a line in ct-status(1), FIELDS.
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "jobfield.h"
#include "json.h"
#include "timefmt.h"

#define STR(v, s) ((v)->type = JF_STR, (v)->str = (s))
#define NUM(v, t, n) ((v)->type = (t), (v)->num = (n))

/* A time of 0 is none: a record that never had it. */
static void
time_if_set(struct jobfield_value *v, int64_t usec)
{
	v->type = usec != 0 ? JF_TIME : JF_NONE;
	v->num = usec;
}

static void
get_id(const struct jobfield_row *r, struct jobfield_value *v)
{
	STR(v, r->j->id);
}

/* A held New job's state says so (ct-hold(1)); -n's number does not. */
static void
get_state(const struct jobfield_row *r, struct jobfield_value *v)
{
	static const char *const numbers[] = { "0", "1", "2", "3" };

	if (r->numeric && (unsigned)r->s < JOB_NSTATES)
		STR(v, numbers[r->s]);
	else if (r->j->held && r->s == JOB_NEW)
		STR(v, "New (held)");
	else
		STR(v, job_state_name(r->s));
}

static void
get_number(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_INT, (int64_t)r->s);
}

static void
get_service(const struct jobfield_row *r, struct jobfield_value *v)
{
	STR(v, r->j->service);
}

static void
get_name(const struct jobfield_row *r, struct jobfield_value *v)
{
	if (r->j->name != NULL)
		STR(v, r->j->name);
	else
		v->type = JF_NONE;
}

static void
get_batch(const struct jobfield_row *r, struct jobfield_value *v)
{
	if (r->j->batch != NULL)
		STR(v, r->j->batch);
	else
		v->type = JF_NONE;
}

static void
get_held(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_BOOL, r->j->held);
}

static void
get_database(const struct jobfield_row *r, struct jobfield_value *v)
{
	if (r->j->database != NULL)
		STR(v, r->j->database);
	else
		v->type = JF_NONE;
}

static void
get_provider(const struct jobfield_row *r, struct jobfield_value *v)
{
	if (r->j->provider != NULL)
		STR(v, r->j->provider);
	else
		v->type = JF_NONE;
}

/*
 * The owner's name; the number where the user database has none. A few
 * names are kept, for a listing of a million jobs has few owners.
 */
static void
get_owner(const struct jobfield_row *r, struct jobfield_value *v)
{
	static struct {
		uid_t uid;
		char name[64];
		bool set;
	} cache[16];
	unsigned slot = (unsigned)r->j->owner % 16;
	struct passwd *pw;

	if (!cache[slot].set || cache[slot].uid != r->j->owner) {
		pw = getpwuid(r->j->owner);
		cache[slot].uid = r->j->owner;
		cache[slot].set = true;
		if (pw != NULL && strlen(pw->pw_name) < sizeof cache[slot].name)
			snprintf(cache[slot].name, sizeof cache[slot].name,
			    "%s", pw->pw_name);
		else
			snprintf(cache[slot].name, sizeof cache[slot].name,
			    "%lu", (unsigned long)r->j->owner);
	}
	STR(v, cache[slot].name);
}

static void
get_uid(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_INT, (int64_t)r->j->owner);
}

static void
get_submitted(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_TIME, r->j->submitted_usec);
}

static void
get_age(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_DURATION, r->now - r->j->submitted_usec);
}

static void
get_deadline(const struct jobfield_row *r, struct jobfield_value *v)
{
	time_if_set(v, r->j->deadline_usec);
}

static void
get_finished(const struct jobfield_row *r, struct jobfield_value *v)
{
	time_if_set(v, job_end_usec(r->j));
}

/* From submission to the end: what the caller waited. */
static void
get_turnaround(const struct jobfield_row *r, struct jobfield_value *v)
{
	int64_t end = job_end_usec(r->j);

	if (end != 0)
		NUM(v, JF_DURATION, end - r->j->submitted_usec);
	else
		v->type = JF_NONE;
}

/*
 * From the start of the last attempt to its end (to now, while it runs):
 * what the provider took, without the wait before it.
 */
static void
get_runtime(const struct jobfield_row *r, struct jobfield_value *v)
{
	int64_t end = job_end_usec(r->j);

	if (r->j->attempt_usec == 0 || (end == 0 && r->s != JOB_PROCESSING))
		v->type = JF_NONE;
	else
		NUM(v, JF_DURATION, (end != 0 ? end : r->now) -
		    r->j->attempt_usec);
}

static void
get_attempts(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_INT, (int64_t)r->j->attempts);
}

/* Its owner asked to withdraw it, and it has not finished yet. */
static void
get_cancel(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_BOOL, (r->s == JOB_NEW || r->s == JOB_PROCESSING) &&
	    r->sp != NULL && spool_cancel_requested(r->sp, r->j->id));
}

static void
get_reason(const struct jobfield_row *r, struct jobfield_value *v)
{
	if (r->s == JOB_FAILED)
		STR(v, job_failure_reason(r->j));
	else
		v->type = JF_NONE;
}

static void
get_input(const struct jobfield_row *r, struct jobfield_value *v)
{
	NUM(v, JF_INT, (int64_t)r->j->input_len);
}

const struct jobfield jobfields[] = {
	{ "id", "ID", 0, get_id, "the job ID" },
	{ "state", "STATE", 10, get_state, "New, Processing, Completed, "
	    "Failed (with -n, 0 to 3)" },
	{ "number", "NO", 2, get_number, "the state as the paper's number" },
	{ "service", "SERVICE", 10, get_service, "blastp, blastn, ..." },
	{ "database", "DATABASE", 12, get_database, "the database" },
	{ "name", "NAME", 12, get_name, "its name (ct-submit -N, or its "
	    "record's ID with -r)" },
	{ "batch", "BATCH", 0, get_batch, "the ID of its ct-submit call" },
	{ "held", "HELD", 4, get_held, "held back (ct-hold)" },
	{ "provider", "PROVIDER", 12, get_provider,
	    "the server of the attempt" },
	{ "owner", "OWNER", 10, get_owner, "the owner's name" },
	{ "uid", "UID", 6, get_uid, "the owner's user ID" },
	{ "submitted", "SUBMITTED", 19, get_submitted, "when submitted" },
	{ "age", "AGE", 6, get_age, "time since submission" },
	{ "deadline", "DEADLINE", 19, get_deadline,
	    "when it must have ended" },
	{ "finished", "FINISHED", 19, get_finished,
	    "when it completed or failed" },
	{ "turnaround", "TURNAROUND", 10, get_turnaround,
	    "from submission to its end" },
	{ "runtime", "RUNTIME", 7, get_runtime,
	    "from the last attempt's start to its end" },
	{ "attempts", "ATTEMPTS", 8, get_attempts, "attempts begun" },
	{ "cancel", "CANCEL", 6, get_cancel,
	    "its owner asked to withdraw it" },
	{ "reason", "REASON", 0, get_reason, "why it failed" },
	{ "input", "INPUT", 8, get_input, "the input's size in bytes" },
	{ NULL, NULL, 0, NULL, NULL },
};

const struct jobfield *
jobfield_find(const char *name)
{
	const struct jobfield *f;

	for (f = jobfields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const char *
jobfield_names(void)
{
	static char names[512];
	const struct jobfield *f;
	size_t len = 0;

	if (names[0] == '\0')
		for (f = jobfields; f->name != NULL; f++)
			len += (size_t)snprintf(names + len, sizeof names - len,
			    "%s%s", f == jobfields ? "" : " ", f->name);
	return names;
}

const char *
jobfield_text(const struct jobfield_value *v, bool human, char *tmp,
    size_t n)
{
	switch (v->type) {
	case JF_STR:
		return v->str;
	case JF_INT:
		snprintf(tmp, n, "%" PRId64, v->num);
		return tmp;
	case JF_TIME:
		if (human)
			format_timestamp(tmp, n, v->num);
		else
			format_utc(tmp, n, v->num);
		return tmp;
	case JF_DURATION:
		if (human)
			format_age(tmp, n, v->num);
		else
			snprintf(tmp, n, "%" PRId64, v->num < 0 ? 0 :
			    v->num / 1000000);
		return tmp;
	case JF_BOOL:
		return v->num ? "yes" : "no";
	case JF_NONE:
	default:
		return "-";
	}
}

void
jobfield_json(FILE *f, const struct jobfield_value *v)
{
	char tmp[64];

	switch (v->type) {
	case JF_STR:
		jsonw_string(f, v->str);
		break;
	case JF_INT:
		fprintf(f, "%" PRId64, v->num);
		break;
	case JF_TIME:
		format_utc(tmp, sizeof tmp, v->num);
		jsonw_string(f, tmp);
		break;
	case JF_DURATION:
		fprintf(f, "%" PRId64, v->num < 0 ? 0 : v->num / 1000000);
		break;
	case JF_BOOL:
		fputs(v->num ? "true" : "false", f);
		break;
	case JF_NONE:
	default:
		fputs("null", f);
		break;
	}
}
