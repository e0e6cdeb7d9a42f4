/*
 * ct-status: the state of jobs. With IDs, those jobs; without, every job
 * of the caller (every job, for root), sorted by submission time. The
 * fields shown are chosen from one table (jobfield.h), as text for people
 * or scripts, or as JSON.
 *
 * The exit status answers for scripts without any parsing: 0 Completed,
 * 1 Failed, 2 Processing, 3 New, 4 not found; with several IDs, the
 * highest of these (so 0 only if every job completed).
 *
 * A listing is sorted in memory proportional to its keys (submission
 * time, state, ID), never to the jobs' records: a first walk keeps the
 * keys of the jobs that pass the filters, and each job is read again when
 * its turn comes to be shown.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "jobfield.h"
#include "json.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"
#include "timefmt.h"

static const char usage[] =
    "usage: ct-status [-jlnq] [-o fields] [-S spool] [-t state]... "
    "[-u user]\n"
    "                 [--since time] [id ...]\n";

static const char help[] =
    "Show the state of jobs: the given ones, or all of yours, oldest first.\n"
    "  -j             one JSON object per job and line\n"
    "  -l             long format: every field and the whole history\n"
    "  -n             states as the paper's numbers (0 New, 1 Processing,\n"
    "                 2 Completed, 3 Failed)\n"
    "  -o fields      the fields to show, separated by commas\n"
    "  -q             print nothing; the exit status tells the state\n"
    "  -S spool       spool directory (default $CT_SPOOL, else\n"
    "                 " CT_SPOOL_DEFAULT ")\n"
    "  -t state       only jobs in this state (a name or number;\n"
    "                 repeatable, or separated by commas)\n"
    "  -u user        only this user's jobs (another's: root only)\n"
    "  --since time   only jobs submitted since: an age (90s, 15m, 2h,\n"
    "                 3d, 1w) or a date (2026-11-22 04:00)\n"
    "  -h, -V         help, version\n"
    "  id -           the job IDs on standard input\n"
    "Exit status: 0 Completed, 1 Failed, 2 Processing, 3 New, 4 not "
    "found.\n";

/* The fields of each line when -o does not choose. */
#define FIELDS_DEFAULT "id,state,service,provider,age"
#define FIELDS_ROOT_TABLE "id,owner,state,service,provider,age"
#define FIELDS_MAX 64

/* Which jobs are shown. */
struct filter {
	unsigned states;	/* bit 1 << s for each state shown */
	int64_t since;		/* submitted at or after; 0: any time */
	bool by_user;
	uid_t uid;
};

/* How a job is printed: aligned for people, tabs for scripts, or JSON. */
struct view {
	int numeric, quiet, table, json, long_format;
	int64_t now;
	int id_width;
	const struct jobfield *fields[FIELDS_MAX];
	size_t nfields;
	unsigned long shown;
	struct spool *sp;
	struct filter filter;
};

/* ---- the fields and the filters, from the command line ----------------- */

/* Split list at commas and blanks, calling each() for every word. */
static void
each_word(struct cli *c, const char *list, const char *opt,
    void (*each)(struct cli *, struct view *, const char *, const char *),
    struct view *v)
{
	char *copy = xstrdup(list), *word, *save = NULL, *p;

	for (p = copy; (word = strtok_r(p, ", \t", &save)) != NULL; p = NULL)
		each(c, v, opt, word);
	free(copy);
}

static void
add_field(struct cli *c, struct view *v, const char *opt, const char *name)
{
	const struct jobfield *f = jobfield_find(name);

	if (f == NULL)
		cli_usage_error(c, "%s: unknown field '%.40s' (the fields: %s%s)",
		    opt, name, jobfield_names(), strcmp(name, "json") == 0 ?
		    "; for JSON, -j" : "");
	if (v->nfields == FIELDS_MAX)
		cli_usage_error(c, "%s: more than %d fields", opt, FIELDS_MAX);
	v->fields[v->nfields++] = f;
}

static void
add_state(struct cli *c, struct view *v, const char *opt, const char *name)
{
	enum job_state s;

	for (s = JOB_NEW; s < JOB_NSTATES; s++)
		if (strcasecmp(name, job_state_name(s)) == 0 ||
		    (name[0] == '0' + (int)s && name[1] == '\0'))
			break;
	if (s == JOB_NSTATES)
		cli_usage_error(c, "%s %.40s: not a state (New, Processing, "
		    "Completed, Failed, or 0 to 3)", opt, name);
	v->filter.states |= 1u << s;
}

/* -u: a name or a number; another user's jobs are root's alone. */
static void
set_user(struct cli *c, struct view *v, const char *user)
{
	struct passwd *pw = getpwnam(user);
	const char *end;
	int64_t n;

	if (pw != NULL)
		v->filter.uid = pw->pw_uid;
	else if (parse_int64(user, &end, 0, (uid_t)-2, &n) == 0 &&
	    *end == '\0')
		v->filter.uid = (uid_t)n;
	else
		cli_usage_error(c, "-u %.40s: no such user", user);
	if (getuid() != 0 && v->filter.uid != getuid()) {
		ct_warn("-u %s: only root may see another user's jobs", user);
		cli_end(c);
		exit(EX_NOPERM);
	}
	v->filter.by_user = true;
}

static bool
passes(const struct filter *f, const struct job *j, enum job_state s)
{
	return (f->states & (1u << s)) && j->submitted_usec >= f->since &&
	    (!f->by_user || j->owner == f->uid);
}

/* ---- printing one job ---------------------------------------------------- */

/* The width of f's column: the ID's is as wide as the IDs shown. */
static int
width_of(const struct view *v, const struct jobfield *f)
{
	return strcmp(f->name, "id") == 0 ? v->id_width : f->width;
}

static void
print_header(const struct view *v)
{
	size_t i;

	for (i = 0; i < v->nfields; i++) {
		const struct jobfield *f = v->fields[i];
		int w = width_of(v, f);

		if (i + 1 < v->nfields)
			printf("%-*s  ", w, f->heading);
		else
			printf("%s\n", f->heading);
	}
}

static void
print_line(struct view *v, const struct jobfield_row *r)
{
	char tmp[64];
	size_t i;

	if (v->table && v->shown++ == 0)
		print_header(v);
	for (i = 0; i < v->nfields; i++) {
		const struct jobfield *f = v->fields[i];
		struct jobfield_value val;
		const char *text;
		int w = width_of(v, f);

		f->get(r, &val);
		text = jobfield_text(&val, v->table, tmp, sizeof tmp);
		if (i + 1 == v->nfields)
			printf("%s\n", text);
		else if (v->table)
			printf("%-*s  ", w, text);
		else
			printf("%s\t", text);
	}
}

static void
print_json(struct view *v, const struct jobfield_row *r)
{
	const struct job *j = r->j;
	char when[64];
	size_t i;

	putchar('{');
	for (i = 0; i < v->nfields; i++) {
		struct jobfield_value val;

		v->fields[i]->get(r, &val);
		printf("%s\"%s\":", i > 0 ? "," : "", v->fields[i]->name);
		jobfield_json(stdout, &val);
	}
	if (v->long_format) {
		fputs(",\"options\":[", stdout);
		for (i = 0; i < j->noptions; i++) {
			if (i > 0)
				putchar(',');
			jsonw_string(stdout, j->options[i]);
		}
		fputs("],\"history\":[", stdout);
		for (i = 0; i < j->nevents; i++) {
			format_utc(when, sizeof when, j->events[i].usec);
			printf("%s{\"time\":\"%s\",\"state\":\"%s\",\"text\":",
			    i > 0 ? "," : "", when,
			    job_state_name(j->events[i].state));
			jsonw_string(stdout, j->events[i].text);
			putchar('}');
		}
		putchar(']');
	}
	fputs("}\n", stdout);
}

/* "2h05m" or "in 2h05m", from now to usec. */
static void
relative(char *out, size_t n, int64_t now, int64_t usec)
{
	char age[32];

	format_age(age, sizeof age, usec > now ? usec - now : now - usec);
	snprintf(out, n, usec > now ? "in %s" : "%s ago", age);
}

static void
print_long(struct view *v, const struct jobfield_row *r)
{
	const struct job *j = r->j;
	struct passwd *pw = getpwuid(j->owner);
	struct jobfield_value val;
	char when[32], age[32], span[32], tmp[64];
	int64_t end = job_end_usec(j);
	size_t i;

	if (v->shown++ > 0)
		putchar('\n');
	format_timestamp(when, sizeof when, j->submitted_usec);
	format_age(age, sizeof age, v->now - j->submitted_usec);
	printf("job        %s\n", j->id);
	printf("state      %s (%d)\n", job_state_name(r->s), (int)r->s);
	printf("owner      %s (%lu)\n", pw ? pw->pw_name : "?",
	    (unsigned long)j->owner);
	printf("service    %s\n", j->service);
	printf("database   %s\n", j->database ? j->database : "-");
	printf("provider   %s\n", j->provider ? j->provider : "-");
	printf("submitted  %s (%s ago)\n", when, age);
	if (j->deadline_usec != 0) {
		format_timestamp(when, sizeof when, j->deadline_usec);
		relative(tmp, sizeof tmp, v->now, j->deadline_usec);
		printf("deadline   %s (%s)\n", when, tmp);
	}
	if (j->attempts != 0)
		printf("attempts   %u\n", j->attempts);
	jobfield_find("cancel")->get(r, &val);
	if (val.num)
		printf("cancel     requested by its owner, not yet done\n");
	if (end != 0) {
		format_timestamp(when, sizeof when, end);
		format_age(span, sizeof span, end - j->submitted_usec);
		printf("finished   %s (turnaround %s)\n", when, span);
	}
	jobfield_find("runtime")->get(r, &val);
	if (val.type == JF_DURATION) {
		format_timestamp(when, sizeof when, j->attempt_usec);
		format_age(span, sizeof span, val.num);
		printf("runtime    %s (attempt %u, started %s)\n", span,
		    j->attempts, when);
	}
	if (r->s == JOB_FAILED)
		printf("reason     %s\n", job_failure_reason(j));
	for (i = 0; i < j->noptions; i++)
		printf("option     %s\n", j->options[i]);
	printf("input      %zu bytes\n", j->input_len);
	printf("history\n");
	for (i = 0; i < j->nevents; i++) {
		format_timestamp(when, sizeof when, j->events[i].usec);
		printf("  %s  %-10s  %s\n", when,
		    job_state_name(j->events[i].state), j->events[i].text);
	}
}

/* Print job j, in state s, as v says. */
static void
print_job(struct view *v, const struct job *j, enum job_state s)
{
	struct jobfield_row r = { j, s, v->now, v->sp, v->numeric };

	if (v->json)
		print_json(v, &r);
	else if (v->long_format)
		print_long(v, &r);
	else
		print_line(v, &r);
}

static void
show(struct view *v, struct job *j, enum job_state s)
{
	if (v->quiet || !passes(&v->filter, j, s))
		return;
	job_make_printable(j);
	print_job(v, j, s);
}

/* Show each of ids; the exit status is the highest of their answers. */
static int
show_ids(struct spool *sp, const char *const *ids, struct view *v)
{
	size_t i;
	int status = CT_EXIT_COMPLETED, code;

	for (i = 0; ids[i] != NULL; i++) {
		enum job_state s;
		struct job j;

		if ((code = lookup_job(sp, ids[i], v->quiet, &j, &s)) == 0) {
			show(v, &j, s);
			job_free(&j);
			code = job_state_exit(s);
		}
		if (code > status)
			status = code;
	}
	return status;
}

/* ---- the listing: keys first, sorted, then each job read again ----------- */

struct key {
	int64_t submitted;
	size_t id;		/* offset of the ID in the listing's names */
	enum job_state s;
};

struct listing {
	struct view *v;
	struct key *keys;
	size_t n, cap;
	struct buf names;	/* the IDs, each ending in a NUL */
};

static int
collect(struct job *j, enum job_state s, void *ctx)
{
	struct listing *l = ctx;
	size_t len = strlen(j->id);

	if (!passes(&l->v->filter, j, s))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->keys = xrealloc(l->keys, l->cap * sizeof *l->keys);
	}
	l->keys[l->n++] = (struct key){ j->submitted_usec, l->names.len, s };
	buf_append(&l->names, j->id, len + 1);
	if ((int)len > l->v->id_width)
		l->v->id_width = (int)len;
	return 0;
}

static const char *sort_names;	/* qsort has no context argument */

/* By submission, then ID; a job seen twice, the later state last. */
static int
by_submission(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c;

	if (x->submitted != y->submitted)
		return x->submitted < y->submitted ? -1 : 1;
	if ((c = strcmp(sort_names + x->id, sort_names + y->id)) != 0)
		return c;
	return (int)x->s - (int)y->s;
}

/*
 * Whether the key alone has every field the view shows, so that no job
 * need be read again: the fields that are the key's, and no -l or -j,
 * which show all.
 */
static bool
key_is_enough(const struct view *v)
{
	static const char *const key_fields[] = { "id", "state", "number",
	    "submitted", "age" };
	size_t i, k;

	if (v->long_format || v->json)
		return false;
	for (i = 0; i < v->nfields; i++) {
		for (k = 0; k < sizeof key_fields / sizeof key_fields[0]; k++)
			if (strcmp(v->fields[i]->name, key_fields[k]) == 0)
				break;
		if (k == sizeof key_fields / sizeof key_fields[0])
			return false;
	}
	return true;
}

/*
 * The job of key k, as the listing shows it: read again (its state may
 * have moved on since), or made from the key alone. Returns 0 with *j
 * and *s set, 1 if it is gone, -1 on an error (printed).
 */
static int
job_of_key(struct spool *sp, const struct key *k, const char *id,
    bool from_key, struct job *j, enum job_state *s)
{
	int found;

	*s = k->s;
	if (from_key) {
		memset(j, 0, sizeof *j);
		memcpy(j->id, id, strlen(id) + 1);
		j->submitted_usec = k->submitted;
		return 0;
	}
	found = spool_read_in(sp, spool_state_dir(*s), id, false, j);
	if (found != 1)
		return found;
	/* Moved on since: find it again. */
	switch (spool_load(sp, id, false, j, s)) {
	case SPOOL_FOUND:
		return 0;
	case SPOOL_NOTFOUND:
		return 1;
	default:
		return -1;
	}
}

/*
 * Every job that passes the filter, oldest first. Returns 0, or EX_IOERR
 * if some job could not be read (printed; the others are shown).
 */
static int
show_all(struct spool *sp, struct view *v)
{
	struct listing l = { .v = v };
	bool from_key = key_is_enough(v);
	int rc = 0;
	size_t i;

	if (spool_foreach_in(sp, v->filter.states, collect, &l) != 0)
		rc = EX_IOERR;
	sort_names = l.names.data;
	if (l.n > 0)
		qsort(l.keys, l.n, sizeof *l.keys, by_submission);
	for (i = 0; i < l.n && !v->quiet; i++) {
		const char *id = l.names.data + l.keys[i].id;
		enum job_state s;
		struct job j;
		int found;

		/* Seen twice, as it moved during the walk: its later state. */
		if (i + 1 < l.n &&
		    strcmp(id, l.names.data + l.keys[i + 1].id) == 0)
			continue;
		found = job_of_key(sp, &l.keys[i], id, from_key, &j, &s);
		if (found < 0)
			rc = EX_IOERR;
		if (found != 0)
			continue;
		if (from_key)
			print_job(v, &j, s);	/* it passed at collect() */
		else
			show(v, &j, s);
		job_free(&j);
	}
	free(l.keys);
	buf_free(&l.names);
	return rc;
}

/* ---- the command line ---------------------------------------------------- */

struct args {
	char *format, *user, *since;
	char **states;
};

static void
settle_options(struct cli *c, struct view *v, struct args *a)
{
	size_t i;

	v->filter.states = a->states == NULL ? SPOOL_ALL_STATES : 0;
	for (i = 0; a->states != NULL && a->states[i] != NULL; i++)
		each_word(c, a->states[i], "-t", add_state, v);
	if (v->filter.states == 0)
		cli_usage_error(c, "-t: no state");
	if (a->since != NULL &&
	    parse_moment(a->since, v->now, &v->filter.since) != 0)
		cli_usage_error(c, "--since %.40s: neither an age (90s, 15m, "
		    "2h, 3d, 1w) nor a date (2026-11-22 04:00)", a->since);
	if (a->user != NULL)
		set_user(c, v, a->user);
	if (a->format == NULL)
		a->format = xstrdup(v->json ? jobfield_names() :
		    v->table && getuid() == 0 ? FIELDS_ROOT_TABLE :
		    FIELDS_DEFAULT);
	each_word(c, a->format, "-o", add_field, v);
	if (v->nfields == 0)
		cli_usage_error(c, "-o: no field");
}

static void
free_args(struct args *a)
{
	size_t i;

	for (i = 0; a->states != NULL && a->states[i] != NULL; i++)
		free(a->states[i]);
	free(a->states);
	free(a->format);
	free(a->user);
	free(a->since);
}

int
main(int argc, char **argv)
{
	struct view v = { 0 };
	struct args a = { 0 };
	/* Static: --help exits from inside the parser, with nothing to free. */
	static char full_help[sizeof help + 1024];
	struct cli c = { .usage = usage, .help = full_help };
	struct poptOption table[] = {
		CLI_FLAG('j', "json", &v.json),
		CLI_FLAG('l', "long", &v.long_format),
		CLI_FLAG('n', "numeric", &v.numeric),
		CLI_STRING_WORDS('o', "format", &a.format, 0,
		    jobfield_names()),
		CLI_FLAG('q', "quiet", &v.quiet),
		CLI_STRINGS_WORDS('t', "state", &a.states,
		    "New Processing Completed Failed"),
		CLI_STRING_OF('u', "user", &a.user, 0, "user"),
		CLI_STRING('\0', "since", &a.since, 0),
		CLI_COMMON_OPTIONS
	};
	const char *const *ids;
	struct spool sp;
	size_t i;
	int status;

	privilege_init();
	ct_setprogname(argv[0]);
	/* The fields from their table, so that --help never misses one. */
	snprintf(full_help, sizeof full_help, "%sFields (-o): %s.\n", help,
	    jobfield_names());
	ids = cli_parse_ids(&c, argc, argv, table, CLI_ANY_IDS);
	v.table = !v.json && isatty(STDOUT_FILENO);
	v.now = now_usec();
	settle_options(&c, &v, &a);
	/* As wide as an ID ct-submit makes: a 7-digit pid, a 4-digit counter. */
	v.id_width = 53;
	for (i = 0; ids[i] != NULL; i++)
		if ((int)strlen(ids[i]) > v.id_width)
			v.id_width = (int)strlen(ids[i]);

	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	v.sp = &sp;
	/* No ID at all: every job; a - that read none: none. */
	if (ids[0] == NULL && !c.ids_given)
		status = show_all(&sp, &v);
	else
		status = show_ids(&sp, ids, &v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		status = EX_IOERR;
	}
	spool_close(&sp);
	free_args(&a);
	cli_end(&c);
	return status;
}
