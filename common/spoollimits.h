/*
 * spoollimits.h: what one user may put in a shared spool, so that no user can
 * break every other user's commands or fill the spool's disk for everyone
 * (cputorrent-spool(5), LIMITS).
 *
 * Errors: limits_publish prints why it failed; limits_load prints
 * nothing (what it cannot read, it replaces by the built-in values);
 * limits_check_* and limits_admit print why they refuse, as ct-submit's
 * errors.
 *
 * The limits are set on the registry's <defaults> (providers.xml(5)), but
 * a job command does not read the registry (nor link libxml2 to do so):
 * the dispatcher publishes them, at each load, as state/limits, and
 * ct-submit reads that file. Without it, or for a value that is missing,
 * damaged or out of range, the built-in value holds: a damaged file never
 * lets through more than the built-in limits do.
 *
 * The per-user quotas count without reading every job: each user has
 * state/users/UID/, holding an empty entry named by the ID of each of
 * the user's jobs and a count of them (.count: the jobs not finished, the
 * bytes of the job files). ct-submit checks each job under the lock of
 * that directory (let go while it reads the next input), then, once the
 * batch is staged, takes it again, checks the batch against what others
 * committed meanwhile, raises the count and makes the entries, and keeps
 * the lock until its jobs are published. Nothing
 * lowers the count when a job finishes or is purged: when the count says
 * a submission would pass a quota, the entries are counted again, each
 * job looked up where it is now (New, Processing, Completed, Failed), and
 * the entry of a job that is gone removed (a submission holds the lock
 * until its jobs are published, so no other can be publishing it). So a
 * crash, a failed batch or a purge leaves the count high for a while,
 * never low; and the cost of a recount, one user's entries, falls only on
 * a user at a quota.
 */
#ifndef CT_SPOOLLIMITS_H
#define CT_SPOOLLIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spool.h"

/* The built-in values (providers.xml(5), <defaults>). */
#define LIMITS_MAX_INPUT (64 * 1024 * 1024)
#define LIMITS_MAX_OPTIONS 64
#define LIMITS_MAX_OPTION_SIZE 4096
#define LIMITS_MIN_FREE (UINT64_C(1) << 30)
#define LIMITS_USER_JOBS 10000
#define LIMITS_USER_BYTES (UINT64_C(4) << 30)

/*
 * The largest values the schema allows for the static limits: with them
 * a job's header stays far below the 4 MiB readers accept (256 options
 * of 4096 bytes are 1 MiB).
 */
#define LIMITS_MAX_INPUT_MAX (UINT64_C(512) << 20)
#define LIMITS_MAX_OPTIONS_MAX 256
#define LIMITS_MAX_OPTION_SIZE_MAX 4096

/* The largest state/limits read. */
#define LIMITS_FILE_MAX 4096

struct limits {
	uint64_t max_input;	/* bytes of one job's input (-m at most) */
	uint64_t max_options;	/* -o options of one job */
	uint64_t max_option_size; /* bytes of one -o option's value */
	uint64_t min_free;	/* spool free space below which none pass */
	uint64_t user_jobs;	/* a user's jobs not finished; 0: no limit */
	uint64_t user_bytes;	/* a user's job files' bytes; 0: no limit */
};

/* The built-in limits. */
void limits_builtin(struct limits *l);

/*
 * Write state/limits from l, if it does not already say so. Returns 0,
 * or -1 after a message.
 */
int limits_publish(struct spool *sp, const struct limits *l);

/* The limits as the dispatcher last published them, into l. */
void limits_load(struct spool *sp, struct limits *l);

/*
 * ct-submit's static limits, checked before anything is written: the
 * input size it is asked to accept (-m), the number of options and the
 * size of each one's value (options have passed ct-submit's syntax
 * check: each has its '='). Returns 0, or EX_DATAERR after a message.
 */
int limits_check_static(const struct limits *l, size_t max_input,
    const char *const *options, size_t noptions);

/* What limits_admit has let into the spool for one batch. */
/* A user's count: jobs not finished, bytes of job files. */
struct limits_count {
	uint64_t jobs, bytes;
};

/*
 * What limits_admit has let into the spool for one submission (zeroed
 * to start). It holds the lock of the caller's directory while it admits
 * a job, and from limits_commit until it is freed: so a recount knows
 * that no other submission is publishing, and a submission that waits
 * on its input holds up none of the user's others.
 */
struct limits_batch {
	char **ids;		/* entries made, in order, to remove if need be */
	size_t *sizes;		/* the bytes of each job */
	size_t n;
	size_t committed;	/* of which the entries are made */
	bool holding;		/* dir is open and locked, countfd open */
	bool known;		/* count is right (else count again) */
	int dir, countfd;
	struct limits_count count;
	const struct limits *limits;	/* limits_admit's, for the commit */
};

/*
 * Before job id of len bytes is written: the spool's free space floor,
 * then the caller's quotas, counting the batch's jobs before it; if they
 * let it pass, it is counted in b. The first call takes the lock of the
 * caller's record (waiting for another submission of hers to end), held
 * until b is freed. Returns 0, or after a message EX_TEMPFAIL (below the
 * floor, or at a quota) or EX_IOERR (the count cannot be kept).
 */
int limits_admit(struct spool *sp, const struct limits *l,
    struct limits_batch *b, const char *id, size_t len);

/*
 * Once the batch is staged, before it is published: the count raised,
 * then an entry made for each job, all at once (made between the staged
 * files' fsyncs, each would wait for one). Returns 0, or EX_IOERR after
 * a message.
 */
int limits_commit(struct spool *sp, struct limits_batch *b);

/*
 * The batch's jobs from the first-th on (in the order admitted) will not
 * be published: their entries go, and the count comes down; they are
 * forgotten. Prints nothing (a count left high heals itself).
 */
void limits_withdraw(struct limits_batch *b, size_t first);

/*
 * Free what b holds (the entries stay: their jobs are in the spool), and
 * end the submission: call it once the jobs are published.
 */
void limits_batch_free(struct limits_batch *b);

#endif
