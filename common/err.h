/*
 * err.h: diagnostics in the one style every program uses,
 * "ct-xxx: what failed: why" on stderr.
 *
 * Errors: this is where they are printed; the ct_die family also
 * exits.
 */
#ifndef CT_ERR_H
#define CT_ERR_H

#include <stdnoreturn.h>

/* The program's name, for messages; set once by ct_setprogname(argv[0]). */
extern const char *ct_progname;

void ct_setprogname(const char *argv0);

/* Print "prog: message" to stderr. */
void ct_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "prog: message: strerror(errno)" to stderr; errno is preserved. */
void ct_warnerr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Send every later message to hook instead of stderr: the message alone,
 * without the program's name or a newline (ct_warnerr's ": why"
 * included). For a wrapper's check verb (ct-wrapper(7)), whose problems
 * are the messages its checks would print. NULL: stderr again.
 */
void ct_set_warn_hook(void (*hook)(const char *message));

/* ct_warn, then exit with status code. */
noreturn void ct_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ct_warnerr, then exit with status code. */
noreturn void ct_dieerr(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
