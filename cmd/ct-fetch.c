/*
 * ct-fetch: the result of a completed job, on standard output or in a file
 * written atomically. For any other job, the paper's answers: "job not
 * found", "job failed: REASON", "job processing", each with its own exit
 * status, the same numbers as ct-status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "lookup.h"
#include "privilege.h"
#include "spool.h"

static const char usage[] =
    "usage: ct-fetch [-o file] [-S spool] id\n";

static const char help[] =
    "Write the result of a completed job to standard output.\n"
    "  -o file    write it to file instead, atomically\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job ID on standard input, as ct-submit prints it\n"
    "Exit status: 0 result written, 1 job failed, 2 processing, 3 new,\n"
    "4 not found.\n";

/* How far writing -o got, for the message: atomic_write_with says only -1. */
struct output_copy {
	int result;		/* the result's descriptor */
	int started;		/* the temporary file was created */
	int copied;		/* copy_fd's answer */
};

static int
fill_from_result(int fd, void *ctx)
{
	struct output_copy *oc = ctx;

	oc->started = 1;
	oc->copied = copy_fd(oc->result, fd);
	return oc->copied == 0 ? 0 : -1;
}

/*
 * Write the result to path by way of a temporary file beside it, so path
 * holds the old content or the whole new one, never a part. Returns the
 * exit status, after a message if it is not 0.
 */
static int
write_output(int result, const char *path)
{
	struct output_copy oc = { result, 0, 0 };

	if (atomic_write_with(AT_FDCWD, path, 0666, fill_from_result,
	    &oc) == 0)
		return CT_EXIT_COMPLETED;
	if (!oc.started) {
		ct_warnerr("cannot create %s", path);
		return EX_CANTCREAT;
	}
	if (oc.copied == COPY_READ_FAILED)
		ct_warnerr("cannot read the result");
	else
		ct_warnerr("cannot write %s", path);
	return EX_IOERR;
}

/* The result on standard output: the exit status, after a message. */
static int
write_stdout(int result)
{
	switch (copy_fd(result, STDOUT_FILENO)) {
	case 0:
		return CT_EXIT_COMPLETED;
	case COPY_READ_FAILED:
		ct_warnerr("cannot read the result");
		return EX_IOERR;
	default:
		ct_warnerr("cannot write standard output");
		return EX_IOERR;
	}
}

/*
 * Look job id up. A completed job's result is opened into *result; any
 * other answer is said on stderr. Returns the exit status.
 */
static int
look_up(struct spool *sp, const char *id, int *result)
{
	enum job_state s;
	struct job j;
	int status;

	if ((status = lookup_job(sp, id, false, &j, &s)) != 0)
		return status;
	status = job_state_exit(s);
	if (s == JOB_NEW)
		ct_warn("%s: job new: no provider has taken it yet", id);
	else if (s == JOB_PROCESSING)
		ct_warn("%s: job processing", id);
	else if (s == JOB_FAILED) {
		job_make_printable(&j);
		ct_warn("%s: job failed: %s", id, job_failure_reason(&j));
	} else if ((*result = spool_open_result(sp, id)) < 0)
		status = EX_IOERR;
	job_free(&j);
	return status;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	char *output = NULL;
	struct poptOption table[] = {
		CLI_STRING_OF('o', "output", &output, 0, "file"),
		CLI_COMMON_OPTIONS
	};
	char id[JOBID_MAX + 1];
	const char *arg;
	struct spool sp;
	int status, result = -1;

	privilege_init();
	ct_setprogname(argv[0]);
	arg = cli_parse_ids(&c, argc, argv, table, CLI_ONE_ID)[0];
	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	if ((status = lookup_one(&sp, arg, id)) == 0)
		status = look_up(&sp, id, &result);
	if (result >= 0) {
		/* From here on, only the caller's own rights: -o is theirs. */
		privilege_drop();
		status = output != NULL ? write_output(result, output) :
		    write_stdout(result);
		close(result);
	}
	free(output);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
