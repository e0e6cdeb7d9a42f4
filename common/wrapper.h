/*
 * wrapper.h: what every wrapper written in C does the same way
 * (ct-wrapper(7)): read the environment ct-dispatch gives it, find the
 * registry's parameters, and check a BLAST XML report against the query
 * submit kept in the job's work directory (with statefile.h, which
 * keeps such files).
 *
 * Messages are ct_warn's, "NAME: ..."; the functions that exit do so with
 * the contract's status for what went wrong.
 */
#ifndef CT_WRAPPER_H
#define CT_WRAPPER_H

#include <stddef.h>

/* Descriptors 0-2 open, so no file opened later can land on one. */
void wrapper_open_standard_files(void);

/* The variable name, set and not empty, or exit EX_USAGE. */
const char *wrapper_env(const char *name);

/* chdir to CT_WORKDIR (absolute), or exit EX_USAGE or EX_IOERR. */
void wrapper_enter_workdir(void);

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

#endif
