/*
 * ct-submit: put jobs into the spool, one per input file (or one per FASTA
 * record with -r), and print their IDs.
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
#include "spoollimits.h"

#define MAX_INPUT_DEFAULT (8 * 1024 * 1024)
#define MAX_OPTION_KEY 64
#define MAX_OPTION_VALUE 4096
#define MAX_DATABASE 255

static const char usage[] =
    "usage: ct-submit [-r] [-d database] [-m size] [-o key=value]...\n"
    "                 [-S spool] [-s service] [file ...]\n";

static const char help[] =
    "Submit FASTA queries as jobs and print one job ID per line.\n"
    "  -d database    the database to search\n"
    "  -m size        largest input accepted (default 8M; k, M, G)\n"
    "  -o key=value   a service option, stored with the job (repeatable)\n"
    "  -r             one job per FASTA record instead of per file\n"
    "  -S spool       spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -s service     blastp (default), blastn, blastx, tblastn, tblastx,\n"
    "                 psiblast, deltablast, rpsblast, rpstblastn\n"
    "  -h, -V         help, version\n"
    "With no file, or file '-', read standard input.\n";

struct staged {
	char tmpname[SPOOL_TMPNAME_MAX];
	char id[JOBID_MAX + 1];
};

struct batch {
	struct staged *jobs;
	size_t n;
	struct limits_batch admitted;	/* by the spool's limits */
};

struct settings {
	const struct service *service;
	const char *database;
	const char **options;
	size_t noptions;
	size_t max_input;	/* 0: not given (-m) */
	int per_record;
	struct limits limits;	/* the spool's (spoollimits.h) */
};

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

/* Stage one job holding input[0..len); 0, or EX_IOERR after a message. */
static int
stage_job(struct spool *sp, const struct settings *set, const char *event,
    const char *input, size_t len, struct batch *batch)
{
	struct job j = { 0 };
	struct buf rec = { 0 };
	struct staged *st;
	size_t i;
	int rc;

	batch->jobs = xrealloc(batch->jobs,
	    (batch->n + 1) * sizeof *batch->jobs);
	st = &batch->jobs[batch->n];
	j.submitted_usec = now_usec();
	jobid_make(j.id, j.submitted_usec);
	j.owner = getuid();
	j.service = xstrdup(set->service->name);
	j.database = set->database ? xstrdup(set->database) : NULL;
	for (i = 0; i < set->noptions; i++)
		job_add_option(&j, set->options[i]);
	job_add_event(&j, j.submitted_usec, JOB_NEW, event);
	job_format(&j, input, len, &rec);
	if ((rc = limits_admit(sp, &set->limits, &batch->admitted, j.id,
	    rec.len)) == 0 && spool_stage(sp, rec.data, rec.len,
	    st->tmpname) != 0)
		rc = EX_IOERR;
	if (rc == 0) {
		memcpy(st->id, j.id, sizeof st->id);
		batch->n++;
	}
	buf_free(&rec);
	job_free(&j);
	return rc;
}

/* Check one input file and stage its jobs: 0, or the exit status. */
static int
stage_file(struct spool *sp, const struct settings *set, const char *event,
    const char *file, struct batch *batch)
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
		rc = stage_job(sp, set, event, in.data, in.len, batch);
	else
		for (i = 0, rc = 0; i < nrecs && rc == 0; i++)
			rc = stage_job(sp, set, event, in.data + recs[i].off,
			    recs[i].len, batch);
out:
	free(recs);
	buf_free(&in);
	return rc;
}

static void
unstage_all(struct spool *sp, struct batch *batch)
{
	size_t i;

	for (i = 0; i < batch->n; i++)
		spool_unstage(sp, batch->jobs[i].tmpname);
	limits_withdraw(&batch->admitted, 0);
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
	int opt;

	while ((opt = cli_next(c)) != -1) {
		switch (opt) {
		case 'm':
			if (parse_size(*opt_arg, &set->max_input) != 0 ||
			    set->max_input == 0)
				cli_usage_error(c, "-m %s: not a size",
				    *opt_arg);
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
	return input_files(c);
}

/* Stage a job for every input: 0, or the exit status, nothing staged. */
static int
stage_all(struct spool *sp, const struct settings *set,
    const char *const *files, struct batch *batch)
{
	char *event = submitter();
	size_t i;
	int status = 0;

	for (i = 0; files[i] != NULL && status == 0; i++)
		status = stage_file(sp, set, event, files[i], batch);
	if (status == 0)
		status = limits_commit(sp, &batch->admitted);
	if (status != 0) {
		unstage_all(sp, batch);
		ct_warn("nothing submitted");
	}
	free(event);
	return status;
}

/*
 * Publish the staged jobs, with one fsync of new/ for all. Returns 0, or
 * EX_IOERR after naming the jobs that exist; batch->n is left counting
 * the jobs that are durable in new/.
 */
static int
publish_all(struct spool *sp, struct batch *batch)
{
	size_t i, k;
	int status = 0;

	for (i = 0; i < batch->n; i++) {
		if (spool_publish(sp, batch->jobs[i].tmpname, SPOOL_NEW,
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
	if (batch->n > 0 && spool_sync(sp, SPOOL_NEW) != 0) {
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

/* Print the IDs of the durable jobs: 0, or EX_IOERR after a message. */
static int
print_ids(const struct batch *batch)
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

int
main(int argc, char **argv)
{
	struct settings set = { 0 };
	char *service_arg = NULL, *opt_arg = NULL;
	const char *const *files;
	struct batch batch = { 0 };
	struct spool sp;
	struct cli c = { .usage = usage, .help = help, .args = "file" };
	struct poptOption table[] = {
		CLI_STRING('d', "database", &set.database, 0),
		CLI_STRING('m', "max-input", &opt_arg, 'm'),
		CLI_STRING('o', "option", &opt_arg, 'o'),
		CLI_FLAG('r', "per-record", &set.per_record),
		CLI_STRING_WORDS('s', "service", &service_arg, 0,
		    service_names()),
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
	if ((status = limits_check_static(&set.limits, set.max_input,
	    set.options, set.noptions)) == 0 &&
	    (status = stage_all(&sp, &set, files, &batch)) == 0) {
		status = publish_all(&sp, &batch);
		if ((printed = print_ids(&batch)) != 0)
			status = printed;
		if (batch.n > 0)
			warn_if_not_offered(&sp, &set, batch.n);
		spool_reap_tmp(&sp, SPOOL_TMP_MAX_AGE);
	}
	free(batch.jobs);
	limits_batch_free(&batch.admitted);
	for (i = 0; i < set.noptions; i++)
		free((char *)set.options[i]);
	free(set.options);
	free((char *)set.database);
	free(service_arg);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
