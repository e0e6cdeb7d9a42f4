/*
 * quota.h: how many jobs a server may be given in any 24 hours, counted
 * across every dispatcher of the spool (providers.xml(5), daily-max).
 *
 * Errors: quota_take prints why it fails.
 *
 * NCBI moves users who submit more than 100 searches a day to a slower
 * queue: a spike of jobs must not spend a day's share in an hour. Each
 * job given to the server (an attempt, which the wrappers make one
 * search however often its submit is asked) is noted with its time in
 * SPOOL/state/quota.SERVER, one time a line, under a lock; those older
 * than a day are dropped as it is read. The file holds at most daily-max
 * lines, so reading it costs no more than the quota is large.
 */
#ifndef CT_QUOTA_H
#define CT_QUOTA_H

#include <stdint.h>

#include "spool.h"

/* The window a daily-max counts in. */
#define QUOTA_WINDOW_USEC (86400LL * 1000000)

/*
 * May one more job go to server at now, given at most max in any window?
 * If so, note it and return 1. If not, return 0 with *open_usec the time
 * the oldest of them leaves the window. Returns -1 after printing why the
 * state could not be read or written: the caller sends nothing then.
 * A max of 0 means no quota: 1, and nothing is written.
 */
int quota_take(struct spool *sp, const char *server, unsigned max,
    int64_t now, int64_t *open_usec);

/*
 * The same, the file remembering up to keep jobs (at least max), so that
 * a cap that changes with the time of day (a window, route.h) counts
 * every job of the last 24 hours, not only as many as the cap of now.
 */
int quota_take_kept(struct spool *sp, const char *server, unsigned max,
    unsigned keep, int64_t now, int64_t *open_usec);

#endif
