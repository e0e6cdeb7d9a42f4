/*
 * trust.h: whether what the dispatcher obeys or runs (its registry, its
 * wrapper directory, each wrapper, the helper they run) can be changed by
 * anyone but root and the account the dispatcher runs as. Whoever can
 * write one of them chooses what the dispatcher runs, with its rights.
 *
 * Errors: nothing here prints; the reason is returned.
 */
#ifndef CT_TRUST_H
#define CT_TRUST_H

#include <stddef.h>

/*
 * 0 if path, and the directory it is in, are owned by root or by the
 * caller's effective user and writable by no one else: not by others,
 * nor by their group unless it is the caller's effective group (a
 * directory with the sticky bit, as /tmp, may be writable by all: no one
 * can replace a file there that is not theirs). Links are followed, and
 * their targets checked. -1 with the reason in why, naming the path.
 */
int trust_path(const char *path, char *why, size_t whylen);

#endif
