/*
 * wrapper.c: the pieces every C wrapper shares (wrapper.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exitcodes.h"
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

const char *
wrapper_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		ct_die(EX_USAGE, "%s is not set (run me from ct-dispatch)",
		    name);
	return v;
}

void
wrapper_enter_workdir(void)
{
	const char *workdir = wrapper_env("CT_WORKDIR");

	if (workdir[0] != '/')
		ct_die(EX_USAGE, "CT_WORKDIR must be an absolute path");
	if (chdir(workdir) != 0)
		ct_dieerr(errno == ENOENT || errno == ENOTDIR ? EX_USAGE :
		    EX_IOERR, "cannot enter CT_WORKDIR %s", workdir);
}

const char *
wrapper_param(const char *name)
{
	struct buf var = { NULL, 0, 0 };
	const char *v;
	size_t i;

	/* As ct-dispatch names it: upper case, all else '_'. */
	buf_append(&var, "CT_PARAM_", sizeof "CT_PARAM_" - 1);
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9'))
			c = '_';
		buf_append(&var, &c, 1);
	}
	v = getenv(var.data);
	buf_free(&var);
	return v != NULL && *v != '\0' ? v : NULL;
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
