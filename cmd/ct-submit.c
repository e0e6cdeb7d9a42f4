/*
 * ct-submit: put jobs into the spool, one per input file (or one per FASTA
 * record with -r), and print their IDs. The jobs of one call are a batch,
 * whose ID is that of the first job without its last part (jobid.h).
 *
 * Every input is read and checked before any job becomes visible: each job
 * is staged complete and fsynced in tmp/, and only when all are staged are
 * they published, each by one rename, with one fsync of new/ for the lot.
 * A batch with a bad file is refused whole; a crash leaves every job of the
 * batch either whole in new/ or absent (its staged file is reaped later).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "fasta.h"
#include "job.h"
#include "offered.h"
#include "privilege.h"
#include "service.h"
#include "spool.h"
#include "timefmt.h"
#include "submit.h"

#define MAX_INPUT_DEFAULT (8 * 1024 * 1024)
#define MAX_OPTION_KEY 64
#define MAX_OPTION_VALUE 4096
#define MAX_DATABASE 255

static const char usage[] =
    "usage: ct-submit [-Hr] [-d database] [-m size] [-N name]\n"
    "                 [-o key=value]... [-S spool] [-s service]\n"
    "                 [-t deadline] [file ...]\n";

static const char help[] =
    "Submit FASTA queries as jobs and print one job ID per line.\n"
    "  -d database    the database to search\n"
    "  -H             submit held: no provider takes them until ct-release\n"
    "  -m size        largest input accepted (default 8M; k, M, G)\n"
    "  -N name        the jobs' name (with -r: name/record-ID)\n"
    "  -o key=value   a service option, stored with the job (repeatable)\n"
    "  -r             one job per FASTA record instead of per file,\n"
    "                 named after the record's ID\n"
    "  -S spool       spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -s service     blastp (default), blastn, blastx, tblastn, tblastx,\n"
    "                 psiblast, deltablast, rpsblast, rpstblastn, ssearch\n"
    "  -t deadline    fail the jobs if not done this long after submission\n"
    "                 (seconds, or with m, h, d), or earlier by the registry\n"
    "  -h, -V         help, version\n"
    "With no file, or file '-', read standard input.\n";

struct settings {
	const struct service *service;
	const char *database;
	const char **options;
	size_t noptions;
	size_t max_input;	/* -m; 0: the default, under max-input */
	struct limits limits;	/* the spool's (spoollimits.h) */
	int per_record;
	int held;		/* -H: into held/, not new/ */
	char *name;		/* -N, or NULL */
	int64_t within_sec;	/* -t, or 0 */
};

/*
 * BLAST+'s options (and the URL API's) that choose the report's format or
 * where it goes: a result is kept as BLAST XML whatever the provider, and
 * each user chooses its format at fetch time (ct-fetch -f), so a job may
 * set none of them.
 */
static const char *const report_options[] = {
	"outfmt", "out", "html", "line_length", "num_descriptions",
	"export_search_strategy", "out_pssm", "out_ascii_pssm",
	"format_type", "alignment_view",
};

/* Refuse key[0..klen) if it is one of report_options, leading '-' or not. */
static void
check_not_report_option(struct cli *c, const char *key, size_t klen)
{
	size_t i, skip = strspn(key, "-");

	for (i = 0; i < sizeof report_options / sizeof *report_options; i++)
		if (skip < klen && strlen(report_options[i]) == klen - skip &&
		    strncasecmp(report_options[i], key + skip,
		    klen - skip) == 0)
			cli_usage_error(c, "-o %.*s: the report's format is "
			    "chosen at fetch time, with ct-fetch -f: a result "
			    "is kept as BLAST XML", (int)klen, key);
}

static void
check_option(struct cli *c, const char *kv)
{
	const char *eq = strchr(kv, '='), *p;
	size_t klen;

	if (eq == NULL || eq == kv)
		cli_usage_error(c, "-o %s: expected key=value", kv);
	klen = (size_t)(eq - kv);
	if (klen > MAX_OPTION_KEY)
		cli_usage_error(c, "-o %s: key longer than %d characters", kv,
		    MAX_OPTION_KEY);
	for (p = kv; p < eq; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-' &&
		    *p != '.')
			cli_usage_error(c, "-o %s: a key may only contain "
			    "letters, digits, '_', '-' and '.'", kv);
	check_not_report_option(c, kv, klen);
	if (strlen(eq + 1) > MAX_OPTION_VALUE)
		cli_usage_error(c, "-o %.*s: value longer than %d bytes",
		    (int)klen, kv, MAX_OPTION_VALUE);
	for (p = eq + 1; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			cli_usage_error(c, "-o %.*s: value contains a control "
			    "character", (int)klen, kv);
}

static void
check_database(struct cli *c, const char *db)
{
	const char *p;

	/*
	 * A name, never a path: the registry maps names to databases, so a
	 * job cannot point a provider at an arbitrary file.
	 */
	if (*db == '\0' || *db == '-' || *db == '.' ||
	    strlen(db) > MAX_DATABASE)
		cli_usage_error(c, "-d '%s': not a database name", db);
	for (p = db; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_-.", *p))
			cli_usage_error(c, "-d '%s': a database name may only "
			    "contain letters, digits, '_', '-' and '.'", db);
}

static void
check_name(struct cli *c, const char *name, int per_record)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			cli_usage_error(c, "-N: a name may not contain the byte "
			    "0x%02x", *p);
	/* With -r, room is left for "/" and some of the record's ID. */
	if (!jobname_valid(name) ||
	    (per_record && strlen(name) > JOBNAME_MAX / 2))
		cli_usage_error(c, "-N '%s': not a job name: 1 to %d letters, "
		    "digits and '%s', beginning with a letter, digit or '_', "
		    "and not with eight digits and '-' as job IDs do", name,
		    per_record ? JOBNAME_MAX / 2 : JOBNAME_MAX, JOBNAME_PUNCT);
}

/*
 * Read one input with the caller's own rights. Returns 0, or after a
 * message the exit status: EX_NOINPUT, EX_DATAERR (too large), EX_IOERR.
 */
static int
read_input(const char *file, size_t max, struct buf *b)
{
	int fd, rc, saved;

	if (strcmp(file, "-") == 0)
		fd = STDIN_FILENO;
	else {
		privilege_suspend();
		fd = open(file, O_RDONLY | O_NOCTTY | O_CLOEXEC);
		saved = errno;
		privilege_resume();
		if (fd < 0) {
			errno = saved;
			ct_warnerr("cannot open %s", file);
			return EX_NOINPUT;
		}
	}
	rc = read_bounded(fd, b, max);
	if (rc < 0)
		ct_warnerr("cannot read %s", file);
	else if (rc > 0)
		ct_warn("%s: larger than the limit of %zu bytes (-m)", file,
		    max);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc == 0 ? 0 : rc < 0 ? EX_IOERR : EX_DATAERR;
}

/*
 * Stage one job holding input[0..len), named name (or nameless if NULL);
 * 0, or EX_IOERR after a message.
 */
static int
stage_job(struct spool *sp, const struct settings *set, const char *name,
    const char *input, size_t len, struct submit_batch *batch)
{
	struct job j = { 0 };
	size_t i;
	int rc;

	j.service = xstrdup(set->service->name);
	j.database = set->database ? xstrdup(set->database) : NULL;
	j.name = name != NULL ? xstrdup(name) : NULL;
	j.within_sec = set->within_sec;
	for (i = 0; i < set->noptions; i++)
		job_add_option(&j, set->options[i]);
	rc = submit_stage(sp, batch, &j, batch->event, input, len);
	job_free(&j);
	return rc;
}

/*
 * The name of the job of FASTA record rec[0..len) into name: the record's
 * ID (the header's first word), after prefix and '/' if prefix is set,
 * made a valid name (jobid.h). False if it gives none.
 */
static bool
record_name(char *name, const char *prefix, const char *rec, size_t len)
{
	size_t n;

	/* A record starts with '>' (fasta_check made sure). */
	for (n = 1; n < len && rec[n] != ' ' && rec[n] != '\t' &&
	    rec[n] != '\n' && rec[n] != '\r'; n++)
		;
	return jobname_from_record(name, prefix, rec + 1, n - 1);
}

/* Check one input file and stage its jobs: 0, or the exit status. */
static int
stage_file(struct spool *sp, const struct settings *set, const char *file,
    struct submit_batch *batch)
{
	const char *name = strcmp(file, "-") == 0 ? "stdin" : file;
	struct fasta_record *recs = NULL;
	struct fasta_error ferr;
	struct buf in = { 0 };
	size_t nrecs = 0, i;
	int rc;

	if ((rc = read_input(file, set->max_input, &in)) != 0)
		goto out;
	if (fasta_check(in.data, in.len, set->service->query, &recs, &nrecs,
	    &ferr) != 0) {
		ct_warn("%s:%zu: %s", name, ferr.line, ferr.msg);
		rc = EX_DATAERR;
		goto out;
	}
	if (!set->per_record)
		rc = stage_job(sp, set, set->name, in.data, in.len, batch);
	else
		for (i = 0, rc = 0; i < nrecs && rc == 0; i++) {
			const char *rec = in.data + recs[i].off;
			char job_name[JOBNAME_MAX + 1];

			rc = stage_job(sp, set, record_name(job_name,
			    set->name, rec, recs[i].len) ? job_name : NULL,
			    rec, recs[i].len, batch);
		}
out:
	free(recs);
	buf_free(&in);
	return rc;
}

/* The inputs named, checked: no file means standard input, named once. */
static const char *const *
input_files(struct cli *c)
{
	static const char *stdin_only[] = { "-", NULL };
	const char *const *files = cli_args(c);
	size_t i, stdin_uses = 0;

	if (files[0] == NULL)
		return stdin_only;
	for (i = 0; files[i] != NULL; i++)
		if (strcmp(files[i], "-") == 0 && ++stdin_uses > 1)
			cli_usage_error(c, "standard input named twice");
	return files;
}

/* Parse the options into set, then check them; returns the inputs. */
static const char *const *
parse_command_line(struct cli *c, struct settings *set, char **opt_arg,
    char **service_arg)
{
	int64_t usec;
	int opt;

	while ((opt = cli_next(c)) != -1) {
		switch (opt) {
		case 'm':
			if (parse_size(*opt_arg, &set->max_input) != 0 ||
			    set->max_input == 0)
				cli_usage_error(c, "-m %s: not a size",
				    *opt_arg);
			break;
		case 't':
			if (parse_duration(*opt_arg, &usec) != 0 ||
			    usec < 1000000 || usec / 1000000 > JOB_WITHIN_MAX)
				cli_usage_error(c, "-t %s: not a duration (a "
				    "positive number of seconds, or of m, h or "
				    "d, at most ten years)", *opt_arg);
			set->within_sec = usec / 1000000;
			break;
		case 'o':
			check_option(c, *opt_arg);
			set->options = xrealloc(set->options,
			    (set->noptions + 1) * sizeof *set->options);
			set->options[set->noptions++] = *opt_arg;
			*opt_arg = NULL;	/* kept in set->options */
			continue;
		}
		free(*opt_arg);
		*opt_arg = NULL;
	}
	set->service = service_find(*service_arg ? *service_arg :
	    SERVICE_DEFAULT);
	if (set->service == NULL)
		cli_usage_error(c, "-s %s: unknown service (try --help)",
		    *service_arg);
	if (set->database != NULL)
		check_database(c, set->database);
	if (set->name != NULL)
		check_name(c, set->name, set->per_record);
	return input_files(c);
}


/* Stage a job for every input: 0, or the exit status, nothing staged. */
static int
stage_all(struct spool *sp, const struct settings *set,
    const char *const *files, struct submit_batch *batch)
{
	size_t i;
	int status = 0;

	for (i = 0; files[i] != NULL && status == 0; i++)
		status = stage_file(sp, set, files[i], batch);
	if (status == 0)
		status = submit_commit(sp, batch);
	if (status != 0) {
		submit_unstage(sp, batch);
		ct_warn("nothing submitted");
	}
	return status;
}

/*
 * A job that no server will take fails at its first pass, "no provider
 * left": say so now, while the user is here. What servers offer is what
 * the dispatcher last published (offered.h); before any dispatcher has,
 * nothing is said.
 */
static void
warn_if_not_offered(struct spool *sp, const struct settings *set, size_t n)
{
	if (offered_check(sp, set->service->name) == 0)
		ct_warn("warning: no enabled server offers %s (as the "
		    "dispatcher last read its registry): unless one does, it "
		    "fails %s", set->service->name, n == 1 ? "the job" :
		    "these jobs");
}

int
main(int argc, char **argv)
{
	struct settings set = { 0 };
	struct submit_batch batch;
	char *service_arg = NULL, *opt_arg = NULL;
	const char *const *files;
	struct spool sp;
	struct cli c = { .usage = usage, .help = help, .args = "file" };
	struct poptOption table[] = {
		CLI_STRING('d', "database", &set.database, 0),
		CLI_FLAG('H', "hold", &set.held),
		CLI_STRING('m', "max-input", &opt_arg, 'm'),
		CLI_STRING('N', "name", &set.name, 0),
		CLI_STRING('o', "option", &opt_arg, 'o'),
		CLI_FLAG('r', "per-record", &set.per_record),
		CLI_STRING_WORDS('s', "service", &service_arg, 0,
		    service_names()),
		CLI_STRING('t', "deadline", &opt_arg, 't'),
		CLI_COMMON_OPTIONS
	};
	size_t i;
	int status, printed;

	privilege_init();
	ct_setprogname(argv[0]);
	cli_start(&c, argc, argv, table);
	files = parse_command_line(&c, &set, &opt_arg, &service_arg);
	if ((status = spool_open(&sp, spool_choose(c.spool), true)) != 0)
		exit(status);
	limits_load(&sp, &set.limits);
	if (set.max_input == 0)
		set.max_input = MAX_INPUT_DEFAULT < set.limits.max_input ?
		    MAX_INPUT_DEFAULT : (size_t)set.limits.max_input;
	submit_begin(&batch, &set.limits);
	if ((status = limits_check_static(&set.limits, set.max_input,
	    set.options, set.noptions)) == 0 &&
	    (status = stage_all(&sp, &set, files, &batch)) == 0) {
		status = submit_publish(&sp, &batch, set.held ? SPOOL_HELD :
		    SPOOL_NEW);
		if ((printed = submit_print_ids(&batch)) != 0)
			status = printed;
		if (batch.n > 0)
			warn_if_not_offered(&sp, &set, batch.n);
		spool_reap_tmp(&sp, SPOOL_TMP_MAX_AGE);
	}
	submit_end(&batch);
	for (i = 0; i < set.noptions; i++)
		free((char *)set.options[i]);
	free(set.options);
	free((char *)set.database);
	free(set.name);
	free(service_arg);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
