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

/*
 * A job's name (ct-submit -N, or a FASTA record's ID with -r): 1 to
 * JOBNAME_MAX letters, digits and the characters of JOBNAME_PUNCT, the
 * first a letter, digit or '_', so that it is shown on a terminal as it
 * is and passed on a command line without quotes or a leading dash. It may
 * not begin with eight digits and a dash, as every ID and batch ID that
 * cputorrent makes does: an argument of that shape is never a name, so
 * looking it up never needs a scan of the caller's jobs.
 */
#define JOBNAME_MAX 128
#define JOBNAME_PUNCT "._-+:@/"

/* True if s is an acceptable job name (see above). */
bool jobname_valid(const char *s);

/*
 * The name a FASTA record's ID gives its job, into buf (JOBNAME_MAX + 1
 * bytes), prefixed with "prefix/" if prefix is not NULL: every character a
 * name may not have becomes '_', and it is cut at JOBNAME_MAX. Returns
 * false (buf empty) if no name comes of it: an empty ID, or one that
 * looks like a job ID.
 */
bool jobname_from_record(char *buf, const char *prefix, const char *id,
    size_t idlen);

/*
 * True if s has the shape of an ID or batch ID that cputorrent makes
 * (eight digits, then a dash): never a job name.
 */
bool jobid_is_made(const char *s);

/*
 * The jobs one process makes (one ct-submit) are a batch: job k is made
 * for the time of the first plus k microseconds, so each has a time of
 * its own and IDs still sort in submission order, and its sequence number
 * is k. The batch ID is the first job's ID without its sequence number;
 * from it and k, job k's ID follows, so finding a batch's jobs is a lookup
 * of each, never a scan.
 *
 * jobid_batch: the batch ID of a batch whose first job is first_id, into
 * buf (JOBID_MAX + 1 bytes).
 */
void jobid_batch(char *buf, const char *first_id);

/*
 * The ID of job seq of batch, into buf (JOBID_MAX + 1 bytes): false if
 * batch is not a batch ID cputorrent makes, or the ID would be too long.
 */
bool jobid_in_batch(char *buf, const char *batch, unsigned long seq);

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
