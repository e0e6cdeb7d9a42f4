/*
 * statefile.h: a wrapper's small state file in its work directory
 * (ct-wrapper(7)), such as a remote job's submit time, as "key=value"
 * lines. Written whole or not at all, so that a wrapper killed at any
 * instant leaves either the old state or the new one, never half.
 *
 * Errors: nothing here prints; each function returns -1 with errno
 * for its caller, the wrapper, to say.
 */
#ifndef CT_STATEFILE_H
#define CT_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * Replace the file name (relative to the working directory) with
 * text[0..len): a temporary file, fsynced, renamed over it, then the
 * directory fsynced. Returns 0, or -1 with errno set.
 */
int statefile_write(const char *name, const void *text, size_t len);

/*
 * The same, atomic but not made to last a crash of the host
 * (atomic_write_for_boot): for the state of work that runs on this host
 * and dies with it, as local's runs.
 */
int statefile_write_for_boot(const char *name, const void *text, size_t len);

/*
 * Read the file name, at most max bytes, into out (emptied first).
 * Returns 0; 1 if there is no such file; -1 with errno set on an error,
 * a file that is not a regular one, or one larger than max.
 */
int statefile_read(const char *name, struct buf *out, size_t max);

/*
 * The value of key in text ("key=value" lines), copied into out (n
 * bytes, cut if need be). Returns 0, or -1 if the key is not there.
 */
int statefile_get(const char *text, const char *key, char *out, size_t n);

/*
 * The record of a submit that started work (ct-wrapper(7): submit is
 * idempotent per attempt): the handle, and the job, server and attempt
 * it was given for, in $CT_WORKDIR/submitted. A wrapper writes it after
 * the work is started and before it prints the handle; a submit that
 * finds it for the same CT_JOB_ID, CT_SERVER and attempt prints that
 * handle and starts nothing. The job and server are in it because a
 * dispatcher before attempts gave every attempt of a job one work
 * directory, and attempt 1.
 */
#define STATEFILE_SUBMITTED "submitted"

/*
 * The handle recorded for attempt, copied into out (n bytes). Returns 0;
 * 1 if there is none for this job, server and attempt; -1 with errno set
 * if the record cannot be read.
 */
int statefile_submitted_read(unsigned attempt, char *out, size_t n);

/*
 * Record handle for attempt, atomically; lasting a crash of the host if
 * lasting, else for this boot (statefile_write_for_boot), for work that
 * a crash of the host ends anyway. Returns 0, or -1 with errno.
 */
int statefile_submitted_write(unsigned attempt, const char *handle,
    bool lasting);

#endif
