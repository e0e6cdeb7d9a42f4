/*
 * ct-fetch: the result of a completed job, on standard output or in a file
 * written atomically. For any other job, the paper's answers: "job not
 * found", "job failed: REASON", "job processing", each with its own exit
 * status, the same numbers as ct-status.
 *
 * The result is kept as BLAST XML; -f writes it in another format by
 * running blastfmt from libexec (blastfmt.h), so that ct-fetch itself
 * never loads libxml2 or jansson, whose loading would cost every plain
 * fetch more than the fetch itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "blastfmt.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "libexec.h"
#include "lookup.h"
#include "privilege.h"
#include "spawn-child.h"
#include "spool.h"
#include "util.h"

extern char **environ;

static const char usage[] =
    "usage: ct-fetch [-f format] [-o file] [-S spool] id ...\n";

static const char help[] =
    "Write the result of completed jobs to standard output, one after\n"
    "another.\n"
    "  -f format  xml (the default), tabular [column...], or json\n"
    "  -o file    write the one job's result to file instead, atomically\n"
    "  -S spool   spool directory (default $CT_SPOOL, else "
    CT_SPOOL_DEFAULT ")\n"
    "  -h, -V     help, version\n"
    "  id -       the job IDs on standard input, as ct-submit prints them\n"
    "Exit status: 0 results written, 1 a job failed, 2 processing, 3 new,\n"
    "4 not found: with several jobs, the highest.\n";

/* The format asked for, as given to -f and as parsed. */
struct format {
	const char *spec;
	struct blastfmt f;
};

/* How far writing -o got, for the message: atomic_write_with says only -1. */
struct output_copy {
	int result;		/* the result's descriptor */
	const struct format *fmt;
	int started;		/* the temporary file was created */
	int copied;		/* copy_fd's answer, or convert's status */
};

/*
 * Write the result, read from descriptor result, to fd in the format fmt
 * by running blastfmt, which says what went wrong itself, as ct-fetch.
 * Returns 0, or the exit status.
 */
static int
convert(int result, int fd, const struct format *fmt)
{
	char *argv[] = { "ct-fetch", (char *)fmt->spec, NULL };
	struct child c = { 0 };
	int rc, status;
	pid_t pid;

	c.path = libexec_path("blastfmt");
	c.argv = argv;
	c.envp = environ;
	rc = spawn_child(&pid, &c, result, fd, STDERR_FILENO, false);
	if (rc != 0) {
		ct_warn("cannot run %s: %s", c.path, strerror(rc));
		free((char *)c.path);
		return EX_OSERR;
	}
	free((char *)c.path);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ct_warnerr("cannot wait for the converter");
			return EX_OSERR;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WTERMSIG(status) == SIGPIPE)
		kill(getpid(), SIGPIPE);	/* as if it were ours */
	ct_warn("the converter was killed by signal %d", WTERMSIG(status));
	return EX_SOFTWARE;
}

static int
fill_from_result(int fd, void *ctx)
{
	struct output_copy *oc = ctx;

	oc->started = 1;
	if (oc->fmt->f.kind != BLASTFMT_XML)
		oc->copied = convert(oc->result, fd, oc->fmt);
	else
		oc->copied = copy_fd(oc->result, fd);
	return oc->copied == 0 ? 0 : -1;
}

/*
 * Write the result to a path that is not a regular file (a device such as
 * /dev/null, a FIFO), as to standard output: a rename over it would put a
 * file in its place (as root, instead of /dev/null).
 */
static int
write_special(int result, const char *path, const struct format *fmt)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC), status;

	if (fd < 0) {
		ct_warnerr("cannot open %s", path);
		return EX_CANTCREAT;
	}
	if (fmt->f.kind != BLASTFMT_XML)
		status = convert(result, fd, fmt);
	else if ((status = copy_fd(result, fd)) != 0) {
		if (status == COPY_READ_FAILED)
			ct_warnerr("cannot read the result");
		else
			ct_warnerr("cannot write %s", path);
		status = EX_IOERR;
	}
	if (close(fd) != 0 && status == 0) {
		ct_warnerr("cannot write %s", path);
		status = EX_IOERR;
	}
	return status;
}

/*
 * Write the result to path by way of a temporary file beside it, so path
 * holds the old content or the whole new one, never a part; or, if path
 * is there and not a regular file, into it (write_special). Returns the
 * exit status, after a message if it is not 0.
 */
static int
write_output(int result, const char *path, const struct format *fmt)
{
	struct output_copy oc = { result, fmt, 0, 0 };
	struct stat st;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode))
		return write_special(result, path, fmt);
	if (atomic_write_with(AT_FDCWD, path, 0666, fill_from_result,
	    &oc) == 0)
		return CT_EXIT_COMPLETED;
	if (!oc.started) {
		ct_warnerr("cannot create %s", path);
		return EX_CANTCREAT;
	}
	if (fmt->f.kind != BLASTFMT_XML && oc.copied != 0)
		return oc.copied;	/* said by the converter */
	if (oc.copied == COPY_READ_FAILED)
		ct_warnerr("cannot read the result");
	else
		ct_warnerr("cannot write %s", path);
	return EX_IOERR;
}

/* The result on standard output: the exit status, after a message. */
static int
write_stdout(int result, const struct format *fmt)
{
	if (fmt->f.kind != BLASTFMT_XML)
		return convert(result, STDOUT_FILENO, fmt);
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

/*
 * The results of the jobs args name (IDs, batch IDs, names: lookup.h), on
 * standard output one after another, in their order. Each is written with
 * the caller's own group, as -o is (the converter must not run with the
 * spool's). Returns the highest answer; an output that fails ends it.
 */
static int
fetch_each(struct spool *sp, const char *const *args, const struct format *fmt)
{
	struct strvec ids = STRVEC_INIT;
	int status, code, result;
	size_t i;

	if ((status = lookup_args(sp, args, false, lookup_collect, &ids)) ==
	    EX_IOERR)
		goto out;
	for (i = 0; i < ids.n; i++) {
		result = -1;
		code = look_up(sp, ids.v[i], &result);
		if (result >= 0) {
			privilege_suspend();
			code = write_stdout(result, fmt);
			privilege_resume();
			close(result);
		}
		if (code > status)
			status = code;
		if (code >= EX_USAGE && result >= 0)
			break;	/* the output failed: the rest would too */
	}
out:
	strvec_free(&ids);
	return status;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	char *output = NULL, *format = NULL, why[256];
	struct format fmt = { "xml", { .kind = BLASTFMT_XML } };
	struct poptOption table[] = {
		CLI_STRING_WORDS('f', "format", &format, 0, "xml tabular json"),
		CLI_STRING_OF('o', "output", &output, 0, "file"),
		CLI_COMMON_OPTIONS
	};
	char id[JOBID_MAX + 1];
	const char *const *args;
	struct spool sp;
	int status, result = -1;

	privilege_init();
	ct_setprogname(argv[0]);
	args = cli_parse_ids(&c, argc, argv, table, CLI_SOME_IDS);
	if (output != NULL && (args[0] == NULL || args[1] != NULL))
		cli_usage_error(&c, "-o takes the result of one job: give one "
		    "ID");
	if (format != NULL) {
		if (blastfmt_parse(format, &fmt.f, why, sizeof why) != 0) {
			char msg[sizeof why + 128];

			snprintf(msg, sizeof msg, "-f %.100s: %s", format, why);
			free(format);
			free(output);
			cli_usage_error(&c, "%s", msg);
		}
		fmt.spec = format;
	}
	if ((status = spool_open(&sp, spool_choose(c.spool), false)) != 0)
		exit(status);
	if (output == NULL)
		status = fetch_each(&sp, args, &fmt);
	else if ((status = lookup_one(&sp, args[0], id)) == 0)
		status = look_up(&sp, id, &result);
	if (result >= 0) {
		/* From here on, only the caller's own rights: -o is theirs. */
		privilege_drop();
		status = output != NULL ? write_output(result, output, &fmt) :
		    write_stdout(result, &fmt);
		close(result);
	}
	free(output);
	free(format);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
