/*
 * disabled.h: servers taken out of service by an administrator, for every
 * dispatcher of the spool, until they are put back.
 *
 * Errors: nothing here prints; what fails returns -1 with errno set, and
 * its caller (ct-providers, ct-dispatch) says what failed.
 *
 * The registry's enabled="false" disables a server where the registry is
 * read, and lasts until it is edited again and every dispatcher reloads
 * it. Maintenance wants less: one command, seen at the next pass of every
 * dispatcher on the spool, that survives restarts and leaves the registry
 * alone. So a server so disabled is a file in the spool,
 * state/disabled.SERVER, whose being there is the whole of the state, and
 * whose one line says who disabled it, when, and why, for people
 * (cputorrent-spool(5)). A disabled server takes no new job; the jobs it
 * has in flight are followed to their end; the jobs that only it could
 * run wait, New or between attempts, until it is back or their deadline
 * passes (ct-dispatch(8)).
 */
#ifndef CT_DISABLED_H
#define CT_DISABLED_H

#include <stdint.h>
#include <sys/types.h>

#include "spool.h"

/* The longest reason kept, in bytes. */
#define DISABLED_REASON_MAX 200

struct disabling {
	uid_t uid;		/* who disabled it */
	int64_t usec;		/* when */
	char reason[DISABLED_REASON_MAX + 1];	/* why; may be empty */
};

/*
 * Is reason one that can be kept: at most DISABLED_REASON_MAX bytes, none
 * a control character (it is one line, shown as it is)?
 */
bool disabled_reason_ok(const char *reason);

/*
 * Disable server, durably, as the calling user, now, for reason (checked
 * with disabled_reason_ok). Disabling it again replaces the reason.
 * Returns 0, or -1 with errno.
 */
int disabled_set(struct spool *sp, const char *server, const char *reason);

/*
 * Put server back in service. Returns 1 if it was disabled so, 0 if it
 * was not, or -1 with errno.
 */
int disabled_clear(struct spool *sp, const char *server);

/*
 * Is server disabled so? 1 yes, with *why filled if why is not NULL
 * (uid (uid_t)-1, time 0 and no reason where the line cannot be read:
 * the file's being there is what counts); 0 no (also where the spool has
 * no state/ yet); -1 with errno if that cannot be known.
 */
int disabled_get(struct spool *sp, const char *server, struct disabling *why);

#endif
