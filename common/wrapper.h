/*
 * wrapper.h: what every wrapper written in C does the same way
 * (ct-wrapper(7)): read the environment ct-dispatch gives it, find the
 * registry's parameters, and check a BLAST XML report against the query
 * submit kept in the job's work directory (with statefile.h, which
 * keeps such files).
 *
 * The functions that fail print why, "NAME: ...", with ct_warn: those
 * that return an exit status before they return it, the others (the
 * usage checks, the environment, the work directory, standard output)
 * before they exit with the contract's status for it. wrapper_param,
 * wrapper_printable and wrapper_check_report print nothing; the last
 * returns its reason.
 */
#ifndef CT_WRAPPER_H
#define CT_WRAPPER_H

#include <stddef.h>
#include <stdnoreturn.h>

#include "util.h"

/* Descriptors 0-2 open, so no file opened later can land on one. */
void wrapper_open_standard_files(void);

/* Say what, then the usage text, on stderr; exit EX_USAGE. */
noreturn void wrapper_usage_error(const char *usage, const char *what);

/*
 * The start of a wrapper's main: descriptors 0-2 open, the program's
 * name set, and the verb, argv[1], returned once it and its arguments
 * are right: submit takes job options, key=value each (options.h),
 * check none, the other verbs exactly one argument, described as handle
 * ("handle", "RID") when it is missing. Otherwise a usage error.
 */
const char *wrapper_verb(int argc, char **argv, const char *usage,
    const char *handle);

/*
 * The check verb (ct-wrapper(7)): from wrapper_check_begin() on, every
 * message printed with err.h's functions is a problem with the server's
 * parameters, written as a line of its own on standard output, without
 * the program's name; so the checks submit makes print there what they
 * would say on stderr. wrapper_check_end() returns check's exit status:
 * 0 if no problem was written, EX_CONFIG if some were (EX_IOERR if
 * standard output cannot be written).
 */
void wrapper_check_begin(void);
int wrapper_check_end(void);

/* The variable name, set and not empty, or exit EX_USAGE. */
const char *wrapper_env(const char *name);

/*
 * CT_ATTEMPT, the attempt a call is for (1, 2, ...); 1 if it is not set,
 * as a dispatcher before attempts calls. Anything but a decimal number
 * from 1 exits EX_USAGE.
 */
unsigned wrapper_attempt(void);

/*
 * The handle a submit of this attempt recorded before (statefile.h:
 * submit is idempotent per attempt), into out (n bytes). Returns 1 if
 * there is one, 0 if not; exits EX_IOERR if the record cannot be read.
 */
int wrapper_submitted(unsigned attempt, char *out, size_t n);

/*
 * chdir to CT_WORKDIR (absolute), and return it; or exit EX_USAGE or
 * EX_IOERR. Every file of the job is then named relative to it.
 */
const char *wrapper_enter_workdir(void);

/*
 * The job's input, standard input to its end, in in: at most max bytes.
 * Returns 0, or after a message EX_IOERR (it cannot be read) or
 * EX_DATAERR (it is larger: the message says max, then hint, if any).
 */
int wrapper_read_input(struct buf *in, size_t max, const char *hint);

/*
 * Write data[0..len), a result, to standard output, or exit EX_IOERR: a
 * reader gone away is a write error, not a silent death by SIGPIPE.
 */
void wrapper_write_out(const void *data, size_t len);

/* wrapper_write_out all of fd, to its end; what names it in errors. */
void wrapper_copy_out(int fd, const char *what);

/*
 * Before a transient exit (75): pass on how long the provider asked not
 * to be asked again (HTTP's Retry-After), as the line "retry-after
 * SECONDS" on standard output (ct-wrapper(7)); nothing if secs is 0.
 */
void wrapper_retry_after(long secs);

/*
 * The value of the registry parameter name ("cafile", "database.nr"),
 * from its CT_PARAM_ variable; NULL if it is not set or empty.
 */
const char *wrapper_param(const char *name);

/* A copy of s[0..n), at most max bytes, control bytes turned into '?'. */
char *wrapper_printable(const char *s, size_t n, size_t max);

/*
 * Whether data[0..len) is a BLAST XML report (result.h's checks) for the
 * first query of the FASTA kept in the working directory as query_file.
 * Anything but XML, such as a text report or an error page, is refused
 * too. Returns 0, or -1 with the reason in why.
 */
int wrapper_check_report(const char *data, size_t len,
    const char *query_file, char *why, size_t whylen);

struct http_limits;

/*
 * The parameters of a wrapper on http.h (wrapper-http.c): cafile,
 * timeout (seconds for one request, 30 unless set; the connection's share
 * at most connect_cap of them) and max-result (64M unless set), into lim
 * (the rest of it zeroed) and *max_result. Returns 0, or EX_CONFIG after
 * a message for each that is wrong (the check verb says them all).
 */
int wrapper_http_params(struct http_limits *lim, size_t *max_result,
    double connect_cap);

/*
 * The parameter url, a service's base URL (http or https, no query or
 * fragment), into *url; hint says, in the message when there is none,
 * what it should be. Returns 0, or EX_CONFIG after a message.
 */
int wrapper_url_param(const char **url, const char *hint);

struct http_response;

/* How wrapper_http_failure reads a failure's status. */
#define WRAPPER_HTTP_400_IS_INPUT 1	/* 400: the job's input, 65 */
#define WRAPPER_HTTP_AUTH_IS_CONFIG 2	/* 401, 403: the registry's key, 78 */

/*
 * Say why request what failed: r's reason, then detail (the service's
 * own words) if it is not NULL or empty; for a transient failure, pass
 * on its Retry-After (wrapper_retry_after). Returns the exit status for
 * it: EX_TEMPFAIL if transient; else, as how allows, EX_DATAERR for a
 * 400 or EX_CONFIG for a 401 or 403; else EX_UNAVAILABLE.
 */
int wrapper_http_failure(const char *what, const struct http_response *r,
    const char *detail, unsigned how);

#endif
