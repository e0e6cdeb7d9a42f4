/*
 * jobid.h: job identifiers.
 *
 * Errors: nothing here prints or fails.
 *
 * An ID names a file in the spool, so it is checked before it comes near
 * the file system: 1 to JOBID_MAX characters from [A-Za-z0-9._-], and the
 * first one a letter or digit (so never "..", ".tmp" or "-rf"). IDs that
 * cputorrent makes look like
 *
 *	20261122-035731-123456-3f2a9c1b-4242-9e0c51d7-0
 *	date     time   usec   host     pid  nonce    seq
 *
 * in UTC, so they sort by submission time; the host part is a hash of the
 * host name, so hosts sharing one spool over NFS never collide; pid and the
 * per-process sequence number separate jobs made in the same microsecond.
 * A pid is unique only within its PID namespace: containers that share a
 * spool and a host name may each run a PID 1. The nonce, drawn at random
 * for each process, tells those apart.
 */
#ifndef CT_JOBID_H
#define CT_JOBID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOBID_MAX 64

/* True if s is an acceptable job ID (see above). */
bool jobid_valid(const char *s);

/* Eight lowercase hex digits naming this host; computed once. */
const char *jobid_host_tag(void);

/*
 * Eight lowercase hex digits drawn from getrandom(2) once per process (a
 * child of fork(2) draws its own): with the pid, what names this process
 * among all that write to a spool, in any PID namespace. Every name a
 * writer makes that must not collide with another's (job IDs, tmp/ names,
 * temporary files) carries both.
 */
const char *jobid_nonce(void);

/*
 * Make a new ID for a job submitted at time usec (microseconds since the
 * Epoch) into buf, which must hold JOBID_MAX + 1 bytes. Successive calls in
 * one process never return the same ID.
 */
void jobid_make(char *buf, int64_t usec);

#endif
