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

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
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
    "Exit status: 0 result written, 1 job failed, 2 processing, 3 new,\n"
    "4 not found.\n";

static int
copy_fd(int from, int to)
{
	char block[65536];
	ssize_t n;

	for (;;) {
		n = read(from, block, sizeof block);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		if (write_all(to, block, (size_t)n) != 0)
			return -2;
	}
}

/*
 * Write the result to path by way of a temporary file beside it, fsynced
 * and renamed over path, so path holds the old content or the whole new
 * one, never a part.
 */
static int
write_file_atomically(int result, const char *path)
{
	char *tmp, *dir, *slash;
	size_t n = strlen(path) + 32;
	int fd, dfd, rc;

	tmp = xmalloc(n);
	snprintf(tmp, n, "%s.ct-fetch.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0666);
	if (fd < 0) {
		ct_warnerr("cannot create %s", tmp);
		free(tmp);
		return EX_CANTCREAT;
	}
	rc = copy_fd(result, fd);
	if (rc == -1)
		ct_warnerr("cannot read the result");
	else if (rc == -2 || fsync(fd) != 0) {
		ct_warnerr("cannot write %s", tmp);
		rc = -2;
	}
	if (close(fd) != 0 && rc == 0) {
		ct_warnerr("cannot write %s", tmp);
		rc = -2;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		ct_warnerr("cannot rename %s to %s", tmp, path);
		rc = -2;
	}
	if (rc != 0) {
		unlink(tmp);
		free(tmp);
		return EX_IOERR;
	}
	free(tmp);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		ct_warnerr("cannot sync directory %s", dir);
		rc = EX_IOERR;
	}
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return rc;
}

/* The reason a job failed: the text of its last event. */
static const char *
failure_reason(const struct job *j)
{
	if (j->nevents == 0 || j->events[j->nevents - 1].text[0] == '\0')
		return "no reason recorded";
	return j->events[j->nevents - 1].text;
}

int
main(int argc, char **argv)
{
	struct cli c = { usage, help, NULL, NULL };
	char *output = NULL;
	struct poptOption table[] = {
		{ NULL, 'o', POPT_ARG_STRING, &output, 0, NULL, NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_common_options, 0,
		    NULL, NULL },
		POPT_TABLEEND
	};
	const char *const *ids, *id;
	enum job_state s;
	struct spool sp;
	struct job j;
	int status, result = -1, rc;

	privilege_init();
	ct_setprogname(argv[0]);
	cli_start(&c, argc, argv, table);
	while (cli_next(&c) != -1)
		;
	ids = cli_args(&c);
	if (ids[0] == NULL || ids[1] != NULL)
		cli_usage_error(&c, "expected one job ID");
	cli_check_ids(&c, ids);
	id = ids[0];

	if (spool_open(&sp, spool_choose(c.spool), false) != 0)
		exit(EX_IOERR);
	switch (spool_load(&sp, id, false, &j, &s)) {
	case SPOOL_NOTFOUND:
		ct_warn("%s: job not found", id);
		status = CT_EXIT_NOTFOUND;
		goto out;
	case SPOOL_ERROR:
		status = EX_IOERR;
		goto out;
	default:
		break;
	}
	switch (s) {
	case JOB_NEW:
		ct_warn("%s: job new: no provider has taken it yet", id);
		status = CT_EXIT_NEW;
		break;
	case JOB_PROCESSING:
		ct_warn("%s: job processing", id);
		status = CT_EXIT_PROCESSING;
		break;
	case JOB_FAILED:
		job_make_printable(&j);
		ct_warn("%s: job failed: %s", id, failure_reason(&j));
		status = CT_EXIT_FAILED;
		break;
	default:
		status = CT_EXIT_COMPLETED;
		result = spool_open_result(&sp, id);
		if (result < 0)
			status = EX_IOERR;
		break;
	}
	job_free(&j);
	if (result < 0)
		goto out;
	/* From here on, only the caller's own rights: -o is theirs. */
	privilege_drop();
	if (output != NULL)
		status = write_file_atomically(result, output);
	else if ((rc = copy_fd(result, STDOUT_FILENO)) != 0) {
		ct_warnerr(rc == -1 ? "cannot read the result" :
		    "cannot write standard output");
		status = EX_IOERR;
	}
	close(result);
out:
	free(output);
	spool_close(&sp);
	cli_end(&c);
	return status;
}
