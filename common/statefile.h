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

#include <stddef.h>

#include "util.h"

/*
 * Replace the file name (relative to the working directory) with
 * text[0..len): a temporary file, fsynced, renamed over it, then the
 * directory fsynced. Returns 0, or -1 with errno set.
 */
int statefile_write(const char *name, const void *text, size_t len);

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

#endif
