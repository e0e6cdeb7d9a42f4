/*
 * wrapper.c: the pieces every C wrapper shares (wrapper.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"
#include "err.h"
#include "exitcodes.h"
#include "options.h"
#include "statefile.h"
#include "util.h"
#include "wrapper.h"

void
wrapper_open_standard_files(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(EX_OSERR);
}

void
wrapper_usage_error(const char *usage, const char *what)
{
	ct_warn("%s", what);
	(void)write_all(STDERR_FILENO, usage, strlen(usage));
	exit(EX_USAGE);
}

const char *
wrapper_verb(int argc, char **argv, const char *usage, const char *handle)
{
	static const char *const verbs[] = { "submit", "poll", "fetch",
	    "cancel", "check" };
	char what[64];
	size_t i;

	wrapper_open_standard_files();
	ct_setprogname(argv[0]);
	if (argc < 2)
		wrapper_usage_error(usage, "no verb");
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i]) == 0)
			break;
	if (i == sizeof verbs / sizeof verbs[0]) {
		snprintf(what, sizeof what, "unknown verb '%.32s'", argv[1]);
		wrapper_usage_error(usage, what);
	}
	if (strcmp(argv[1], "check") == 0) {
		if (argc != 2)
			wrapper_usage_error(usage, "check takes no argument");
		return argv[1];
	}
	if (i > 0 && argc != 3) {
		snprintf(what, sizeof what, "expected one %.32s", handle);
		wrapper_usage_error(usage, what);
	}
	/* ct-submit takes no other; anything else is a dispatcher's bug. */
	if (i == 0 && !options_syntax_ok(argc - 2, argv + 2))
		wrapper_usage_error(usage, "submit: job options must be "
		    "key=value");
	return argv[1];
}

int
wrapper_read_input(struct buf *in, size_t max, const char *hint)
{
	const size_t mib = 1024 * 1024;
	int rc = read_bounded(STDIN_FILENO, in, max);

	if (rc < 0) {
		ct_warnerr("cannot read standard input");
		return EX_IOERR;
	}
	if (rc > 0) {
		ct_warn("input larger than %zu %s%s%s", max % mib == 0 ?
		    max / mib : max / 1024, max % mib == 0 ? "MiB" : "KiB",
		    hint != NULL ? ": " : "", hint != NULL ? hint : "");
		return EX_DATAERR;
	}
	return 0;
}

void
wrapper_write_out(const void *data, size_t len)
{
	signal(SIGPIPE, SIG_IGN);
	if (write_all(STDOUT_FILENO, data, len) != 0)
		ct_dieerr(EX_IOERR, "cannot write standard output");
}

void
wrapper_copy_out(int fd, const char *what)
{
	signal(SIGPIPE, SIG_IGN);	/* a reader gone is a write error */
	switch (copy_fd(fd, STDOUT_FILENO)) {
	case COPY_READ_FAILED:
		ct_dieerr(EX_IOERR, "cannot read %s", what);
	case COPY_WRITE_FAILED:
		ct_dieerr(EX_IOERR, "cannot write standard output");
	}
}

/* How many problems check has written. */
static unsigned check_problems;

/* A problem, as a line of check's standard output. */
static void
check_problem(const char *message)
{
	char *line = wrapper_printable(message, strlen(message), 1000);
	size_t n = strlen(line);

	line[n] = '\n';	/* over the NUL: the copy has room for it */
	if (write_all(STDOUT_FILENO, line, n + 1) != 0) {
		ct_set_warn_hook(NULL);
		ct_dieerr(EX_IOERR, "cannot write standard output");
	}
	free(line);
	check_problems++;
}

void
wrapper_check_begin(void)
{
	signal(SIGPIPE, SIG_IGN);	/* a reader gone is a write error */
	check_problems = 0;
	ct_set_warn_hook(check_problem);
}

int
wrapper_check_end(void)
{
	ct_set_warn_hook(NULL);
	return check_problems > 0 ? EX_CONFIG : 0;
}

void
wrapper_retry_after(long secs)
{
	char line[48];
	int n;

	if (secs <= 0)
		return;
	n = snprintf(line, sizeof line, "retry-after %ld\n", secs);
	/* Only a hint: the exit status says the rest. */
	(void)write_all(STDOUT_FILENO, line, (size_t)n);
}

const char *
wrapper_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		ct_die(EX_USAGE, "%s is not set (run me from ct-dispatch)",
		    name);
	return v;
}

unsigned
wrapper_attempt(void)
{
	const char *v = getenv("CT_ATTEMPT");
	unsigned long n;
	char *end;

	if (v == NULL)
		return 1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '1' || v[0] > '9' || errno != 0 || *end != '\0' ||
	    n > UINT_MAX)
		ct_die(EX_USAGE, "CT_ATTEMPT must be a number from 1");
	return (unsigned)n;
}

int
wrapper_submitted(unsigned attempt, char *out, size_t n)
{
	int rc = statefile_submitted_read(attempt, out, n);

	if (rc < 0)
		ct_dieerr(EX_IOERR, "cannot read %s", STATEFILE_SUBMITTED);
	return rc == 0;
}

const char *
wrapper_enter_workdir(void)
{
	const char *workdir = wrapper_env("CT_WORKDIR");

	if (workdir[0] != '/')
		ct_die(EX_USAGE, "CT_WORKDIR must be an absolute path");
	if (chdir(workdir) != 0)
		ct_dieerr(errno == ENOENT || errno == ENOTDIR ? EX_USAGE :
		    EX_IOERR, "cannot enter CT_WORKDIR %s", workdir);
	return workdir;
}

const char *
wrapper_param(const char *name)
{
	char *var = contract_param_var("", name);
	const char *v = env_nonempty(var);

	free(var);
	return v;
}

char *
wrapper_printable(const char *s, size_t n, size_t max)
{
	char *p;
	size_t i;

	if (n > max)
		n = max;
	p = xstrndup(s, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			p[i] = '?';
	return p;
}
