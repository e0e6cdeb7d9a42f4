/*
 * err.c: diagnostics. Each message is formatted into one buffer and
 * written with one write(2), so that lines from concurrent processes
 * sharing a terminal or a log do not interleave mid-line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

const char *ct_progname = "cputorrent";

static void (*warn_hook)(const char *message);

void
ct_set_warn_hook(void (*hook)(const char *message))
{
	warn_hook = hook;
}

void
ct_setprogname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	ct_progname = slash ? slash + 1 : argv0;
}

static void __attribute__((format(printf, 3, 0)))
emit(int with_errno, int saved_errno, const char *fmt, va_list ap)
{
	char line[2048];
	int n, m, prefix;
	ssize_t unused;

	n = snprintf(line, sizeof line, "%s: ", ct_progname);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	prefix = n;
	m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	if (with_errno)
		n += snprintf(line + n, sizeof line - (size_t)n, ": %s",
		    strerror(saved_errno));
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	if (warn_hook != NULL) {
		line[n] = '\0';
		warn_hook(line + prefix);
		return;
	}
	line[n++] = '\n';
	unused = write(STDERR_FILENO, line, (size_t)n);
	(void)unused;
}

void
ct_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(0, 0, fmt, ap);
	va_end(ap);
}

void
ct_warnerr(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	emit(1, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
ct_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(0, 0, fmt, ap);
	va_end(ap);
	exit(code);
}

void
ct_dieerr(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	emit(1, saved, fmt, ap);
	va_end(ap);
	exit(code);
}
