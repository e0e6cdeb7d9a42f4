/*
 * taskstore.h: ct-serve's durable store of volunteer tasks, one file per
 * task, its state by the directory a marker file is in, with the spool's
 * rules (cputorrent-volunteer(7), FILES of ct-serve(8)): nothing partial
 * ever visible, every change an atomic rename after fsync, each task
 * changed only under its own lock (flock(2): it dies with its holder), a
 * task handed out only by the rename of its marker from open/ to leased/,
 * which one process alone can win, so that several ct-serve processes may
 * serve one store, on one host or over NFS.
 *
 * A task's state is the first of done/, cancelled/, leased/ and open/
 * that holds its marker; a task whose record is there and whose marker
 * is nowhere (a submit cut short) is open. The marker holds the leases
 * the task was given (and, done, the one that completed it), appended a
 * line at a time, each synced before the rename that makes it count.
 *
 * Errors: nothing here prints. Functions return a TS_ code; on TS_ERROR
 * errno is set and taskstore_why() says what failed, for the caller.
 */
#ifndef CT_TASKSTORE_H
#define CT_TASKSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "openindex.h"
#include "util.h"

/* The longest task ID: a job ID, a dot and an attempt fit well. */
#define TASK_ID_MAX 120
/* A volunteer's ID, 16 hex digits; its token "ID.SECRET", 32 of them. */
#define VOLUNTEER_ID_LEN 16
#define VOLUNTEER_SECRET_LEN 32
#define VOLUNTEER_TOKEN_LEN (VOLUNTEER_ID_LEN + 1 + VOLUNTEER_SECRET_LEN)
/* A lease, 32 hex digits. */
#define LEASE_LEN 32
/* The most leases one task is given before it is no longer handed out. */
#define TASK_MAX_LEASES 50

enum task_state {
	TASK_NONE,		/* no such task */
	TASK_OPEN,		/* waiting for a volunteer */
	TASK_LEASED,		/* a volunteer has it, until its lease ends */
	TASK_DONE,		/* a result was accepted */
	TASK_CANCELLED,		/* withdrawn by the dispatcher's side */
	TASK_FAILED,		/* its volunteers' results never agreed */
};

/* What the functions return. */
enum ts_result {
	TS_OK = 0,
	TS_ERROR = -1,		/* a system error: errno, why */
	TS_NOTFOUND = -2,	/* no such task (or volunteer) */
	TS_EXISTS = -3,		/* submit: the task was there already */
	TS_CONFLICT = -4,	/* not in a state that allows it */
	TS_FORBIDDEN = -5,	/* not this volunteer's lease */
	TS_GONE = -6,		/* the task was cancelled */
	TS_NOWORK = -7,		/* claim: nothing to hand out */
};

struct taskstore {
	char *path;
	int dirfd;
	int tmp, tasks, open, leased, done, cancelled, locks,
	    volunteers, blobs, fetched, components, failed, copies, tally,
	    blocked;
	struct open_index open_idx;	/* open/, oldest first */
	/*
	 * The verdicts of a quorum (voltally.h): the credit of a valid
	 * result (NULL: none), and when a volunteer is blocked; the
	 * caller's, set after taskstore_open.
	 */
	int64_t (*cells)(const char *record, size_t rlen, const char *data,
	    size_t len);
	int invalid_max, expired_max;
	/*
	 * Adaptive replication: a volunteer with trust_run results in a
	 * row validated gets a quorum's task alone (0: never), but for
	 * spot_percent of them, replicated as any.
	 */
	int trust_run, spot_percent;
};

/*
 * What the last call that failed in this thread failed at, or why the
 * check of taskstore_complete refused a result.
 */
const char *taskstore_why(void);

/* The task ID rule: 1 to TASK_ID_MAX of [A-Za-z0-9_.-], not starting '.'. */
bool task_id_valid(const char *id);

const char *task_state_name(enum task_state s);

/*
 * Open the store at path, making it and its directories if create.
 * Returns 0, or TS_ERROR.
 */
int taskstore_open(struct taskstore *ts, const char *path, bool create);
void taskstore_close(struct taskstore *ts);

/*
 * A task's quorum (ct-serve(8), QUORUM): it is done once k of its
 * volunteers' results agree, each run by a volunteer of its own (and of
 * an address block of its own); it fails once max results were taken
 * and no k agree. k 1 (or none given): the first result that passes the
 * check is the task's, as it always was.
 */
struct quorum {
	int k, max;
};
/* The most results a task takes before it fails. */
#define QUORUM_MAX_COPIES 20

/*
 * Add task id whose record (JSON, validated by the caller) is
 * record[0..len), open, with quorum q (NULL: 1). The quorum is the
 * marker's first line, written with it. Returns TS_OK; TS_EXISTS if the
 * task was there already (the record is left as it was, and a submit cut
 * short by a crash is finished); TS_ERROR.
 */
int taskstore_submit(struct taskstore *ts, const char *id, const char *record,
    size_t len, const struct quorum *q);

/* The task's state into *st (TASK_NONE if there is no such task). */
int taskstore_state(struct taskstore *ts, const char *id,
    enum task_state *st);

/* The task's record, at most max bytes, into out. TS_NOTFOUND, TS_ERROR. */
int taskstore_record(struct taskstore *ts, const char *id, struct buf *out,
    size_t max);

/*
 * The result of a done task: its marker open for reading in *fd, where the
 * result is the *size bytes from *offset on. Returns TS_OK, TS_CONFLICT if
 * the task is not done, TS_NOTFOUND.
 */
int taskstore_result(struct taskstore *ts, const char *id, int *fd,
    off_t *offset, size_t *size);

/* Withdraw a task, in any state: TS_OK, TS_NOTFOUND, TS_ERROR. */
int taskstore_cancel(struct taskstore *ts, const char *id);

/*
 * Whether a task's record suits a volunteer: 1 if it does, 0 if not.
 * The caller's, for taskstore_claim.
 */
typedef int (*task_match_fn)(const char *record, size_t len, void *ctx);

/* A task handed out. */
struct task_lease {
	char id[TASK_ID_MAX + 1];
	char lease[LEASE_LEN + 1];
	int64_t expires;	/* seconds since the Epoch */
	struct buf record;	/* the task's record; buf_free it */
};

/*
 * Hand the oldest open task that match accepts to volunteer vid, whose
 * address block is block ("" if none is to be kept apart), for
 * lease_secs: a new lease is recorded, then the task's marker renamed
 * from open/ to leased/ (so that no lease ever given out is lost by a
 * crash, and the rename alone decides who has it). The tasks are looked
 * at in the order of the store's index of open/ (openindex.h), at most
 * scan_max of them. Returns TS_OK with *out filled, TS_NOWORK, TS_ERROR.
 */
int taskstore_claim(struct taskstore *ts, const char *vid, const char *block,
    int lease_secs, size_t scan_max, task_match_fn match, void *ctx,
    struct task_lease *out);
/*
 * A task with a quorum over 1 is never handed to a volunteer (vid) that
 * had a lease on it, nor to one whose block is that of such a lease.
 */
#define TASK_BLOCK_MAX 47

/*
 * Extend volunteer vid's lease on task id to now + lease_secs, into
 * *expires. TS_OK; TS_CONFLICT if it is no longer the task's lease (it
 * expired and the task went back, or was handed out again); TS_GONE if
 * the task was cancelled; TS_FORBIDDEN if the lease was never vid's;
 * TS_NOTFOUND.
 */
int taskstore_heartbeat(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, int lease_secs, int64_t *expires);

/* Give a lease back: the task is open again at once. As heartbeat. */
int taskstore_release(struct taskstore *ts, const char *id, const char *vid,
    const char *lease);

/*
 * Whether data[0..len) is a result for the task whose record is given:
 * 0, or -1 with the reason in why. The caller's, for taskstore_complete.
 */
typedef int (*task_check_fn)(const char *record, size_t rlen,
    const char *data, size_t len, char *why, size_t whylen);

/*
 * Whether two results a[0..alen) and b[0..blen) of one task agree: 0 if
 * they do, 1 if not (the difference in why). The caller's, for a quorum.
 */
typedef int (*task_agree_fn)(const char *a, size_t alen, const char *b,
    size_t blen, char *why, size_t whylen);

/*
 * Accept data[0..len) as the result of task id from volunteer vid under
 * lease (current or expired): TS_OK if it is accepted now, or was
 * already under this same lease (a repeat is harmless); TS_CONFLICT if
 * the task is done by another lease; TS_GONE if it was cancelled or has
 * failed; TS_FORBIDDEN if the lease was never vid's on this task;
 * TS_NOTFOUND; TS_ERROR. If check refuses the data, returns TS_CONFLICT
 * with *refused set and the reason in taskstore_why(), and the task is
 * left as it was.
 *
 * A task whose quorum is over 1: the result is taken as one copy
 * (copies/ID.LEASE, written whole and synced, then the line "posted
 * LEASE CLASS" appended to the marker and synced, CLASS the first
 * earlier copy's that agree finds it agreeing with, or a new one); then
 * the task is done with a copy of a class that k copies hold, or failed
 * (its reason after the line "failed" in failed/ID) once max copies were
 * taken, or open again for another volunteer's copy. *state says which
 * (NULL: not wanted).
 */
int taskstore_complete(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, const char *data, size_t len, task_check_fn check,
    task_agree_fn agree, int *refused, enum task_state *state);

/*
 * Why task id failed, into out (at most max bytes): TS_OK, TS_CONFLICT
 * if it has not, TS_NOTFOUND, TS_ERROR.
 */
int taskstore_failure(struct taskstore *ts, const char *id, struct buf *out,
    size_t max);

/*
 * Make the index of open/ again if open/ has changed (or force): the main
 * thread's, once a second. TS_OK, TS_ERROR.
 */
int taskstore_refresh(struct taskstore *ts, bool force);

/*
 * Put every task whose lease ended before now back in open/. Returns the
 * number reopened, or TS_ERROR.
 */
int taskstore_reap(struct taskstore *ts, int64_t now);

/* How many tasks are in each state directory (a scan: for tests, bench). */
int taskstore_count(struct taskstore *ts, enum task_state st, size_t *n);

/*
 * Register a volunteer named name, of team team ("" if none): its token,
 * "ID.SECRET", into token (VOLUNTEER_TOKEN_LEN + 1 bytes). TS_OK,
 * TS_ERROR.
 */
int taskstore_volunteer_add(struct taskstore *ts, const char *name,
    const char *team, char *token);

/*
 * Check a volunteer's token: TS_OK with its ID in vid
 * (VOLUNTEER_ID_LEN + 1 bytes), TS_FORBIDDEN if it is not a valid
 * token of a registered volunteer, or of one that made no request for
 * idle seconds (its token has expired), TS_ERROR. A volunteer's file is
 * touched now and then (at most once every idle / 8 seconds, and an
 * hour), so that its mtime says when it was last seen.
 */
int taskstore_volunteer_check(struct taskstore *ts, const char *token,
    char *vid, int64_t idle);

/*
 * Note that the result of done task id was fetched (fetched/ID, not
 * synced: lost in a crash, the retention removes the task later).
 */
void taskstore_fetched(struct taskstore *ts, const char *id);

/* What taskstore_purge removes, and when: seconds. */
struct purge_rules {
	int64_t fetched;	/* a done task, after its result's fetch */
	int64_t retention;	/* a done or cancelled task, in any case */
	int64_t idle;		/* a volunteer that made no request */
};

/*
 * Remove, whole, the tasks done or cancelled that the rules let go
 * (record first, so that one cut short stays done or cancelled, and is
 * removed at the next purge), with their locks; and the volunteers idle
 * for longer than allowed. Returns the number of tasks removed, or
 * TS_ERROR.
 */
int taskstore_purge(struct taskstore *ts, int64_t now,
    const struct purge_rules *r);

/* n random bytes as 2n hex digits and a NUL into out, or -1. */
int random_hex(char *out, size_t n);

#endif
