/*
 * spool.h: the spool directory, where every job is one file.
 *
 * Errors: each function says whether it prints. Those that return -1
 * "with errno" print nothing, so that their caller, who knows what the
 * step was for, says it once; those that return -1 "after printing why"
 * have said it, and their caller adds nothing.
 *
 * The subdirectories are enum spool_dir below; cputorrent-spool(5) says
 * what each holds. A job's state is the directory its file is in. A file appears in a
 * state directory only by an atomic rename of a complete, fsynced file
 * (followed by an fsync of the directory), so a reader never sees part of
 * a job and a crash leaves every job in exactly one state. States only
 * move forward (New, Processing, then Completed or Failed); readers rely
 * on that to find a job that moves while they look. cputorrent-spool(5)
 * is the full specification.
 */
#ifndef CT_SPOOL_H
#define CT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "job.h"

struct account;

enum spool_dir {
	SPOOL_TMP,
	SPOOL_NEW,
	SPOOL_PROCESSING,
	SPOOL_COMPLETED,
	SPOOL_FAILED,
	SPOOL_RESULTS,
	SPOOL_LOCKS,		/* locks/ID: held by whoever drives job ID */
	SPOOL_WORK,		/* work/ID: the attempt's files, for wrappers */
	SPOOL_STATE,		/* the dispatcher's own state (the policy) */
	SPOOL_CANCEL,		/* cancel/ID: the owner asks to withdraw ID */
	SPOOL_HELD,		/* New jobs their owner holds back */
	SPOOL_NDIRS
};

/* The name of a file in tmp/: host tag, pid, nonce (jobid.h), counter. */
#define SPOOL_TMPNAME_MAX 48

struct spool {
	const char *path;
	int fd;			/* the spool directory */
	int dirs[SPOOL_NDIRS];	/* opened on first use; -1 until then */
	bool create;		/* make what is missing */
	bool see_all;		/* the dispatcher: every user's jobs */
};

/* The spool to use: opt (-S) if given, else $CT_SPOOL, else the default. */
const char *spool_choose(const char *opt);

/*
 * Open the spool at path. With create, make the directory (mode 0700)
 * and its subdirectories if they are missing; without it, a spool that
 * does not exist is an error, for a path with a typo in it must not pass
 * for a spool without jobs. Also settles group privileges (privilege.h).
 * Returns 0, or after printing why the exit status to give:
 * EX_UNAVAILABLE for no spool at path, EX_IOERR if it cannot be opened or
 * made.
 */
int spool_open(struct spool *sp, const char *path, bool create);

/*
 * Make the spool directory at path, mode 0700, durably, if it does not
 * exist (its subdirectories come as they are needed). Returns 0, or -1
 * after printing why.
 */
int spool_make(const char *path);

void spool_close(struct spool *sp);

/*
 * The descriptor of subdirectory d, opened (and with create, made) on
 * first use. Returns -1 with errno set; ENOENT means the spool has no
 * such directory yet, which readers treat as empty.
 */
int spool_dir(struct spool *sp, enum spool_dir d);

/* The name of subdirectory d ("new", "processing", ...). */
const char *spool_dir_name(enum spool_dir d);

/* The directory that holds jobs in state s. */
enum spool_dir spool_state_dir(enum job_state s);

/*
 * Write len bytes to a new file in tmp/, fsync and close it, all checked.
 * Its name goes to tmpname. Returns 0, or -1 after printing why, leaving
 * nothing behind.
 */
int spool_stage(struct spool *sp, const void *data, size_t len,
    char tmpname[SPOOL_TMPNAME_MAX]);

/* Remove a staged file that will not be published; prints nothing. */
void spool_unstage(struct spool *sp, const char *tmpname);

/*
 * spool_stage in two halves, for a batch: write the file and start its
 * writeback, leaving it open in *fd; then, once the batch is written,
 * fsync and close it. Each returns 0, or -1 after printing why (and
 * removing the file).
 */
int spool_stage_nowait(struct spool *sp, const void *data, size_t len,
    char tmpname[SPOOL_TMPNAME_MAX], int *fd);
int spool_stage_wait(struct spool *sp, const char *tmpname, int fd);

/*
 * Move the staged file to d/name by one rename that never replaces an
 * existing file. Does not fsync d: call spool_sync once after a batch.
 * Returns 0, or -1 with errno, printing nothing (EEXIST: the name is
 * taken).
 */
int spool_publish(struct spool *sp, const char *tmpname, enum spool_dir d,
    const char *name);

/*
 * fsync directory d, making what was published in it durable. Returns 0,
 * or -1 after printing why.
 */
int spool_sync(struct spool *sp, enum spool_dir d);

/*
 * Write a new version of file id in directory d (a job's record, or its
 * result): staged whole in tmp/, then renamed over d/id, then d fsynced.
 * Only the process that holds the job's lock may do this. Returns 0, or -1 after printing why.
 */
int spool_replace(struct spool *sp, enum spool_dir d, const char *id,
    const void *data, size_t len);

/*
 * Read state/name, a small file the dispatcher publishes for the job
 * commands (offered.h, spoollimits.h), at most max bytes, into b; without
 * making state/ (it is the dispatcher's). Returns 0, 1 if there is no
 * such file, -1 if it cannot be read or is larger than max. Prints
 * nothing.
 */
int spool_read_state(struct spool *sp, const char *name, struct buf *b,
    size_t max);

/*
 * Move job id from directory from to directory to by one rename that never
 * replaces, then fsync both. Returns 0, or -1 with errno, printing
 * nothing (ENOENT: someone else moved it first, which is how a claim is
 * lost; after a failed fsync the move itself is done).
 */
int spool_move(struct spool *sp, enum spool_dir from, enum spool_dir to,
    const char *id);

/*
 * spool_move without the fsyncs, for a batch of moves: the caller must
 * spool_sync both directories before anything depends on the moves.
 * Returns 0, or -1 with errno, printing nothing.
 */
int spool_move_unsynced(struct spool *sp, enum spool_dir from,
    enum spool_dir to, const char *id);

enum spool_lock_result {
	SPOOL_LOCKED,		/* *fd holds the lock */
	SPOOL_LOCK_BUSY,	/* another process holds it */
	SPOOL_LOCK_ERROR,	/* printed */
};

/*
 * Take the lock of job id without waiting. Closing *fd releases it; so
 * does dying.
 */
enum spool_lock_result spool_lock(struct spool *sp, const char *id,
    int *fd);

/*
 * The same, waiting for the holder to let go: then whatever step it was
 * taking with the job is over. Returns the descriptor, or -1 (printed).
 */
int spool_lock_wait(struct spool *sp, const char *id);

/*
 * Open job id wherever it is. Returns 1 with *fd open (read-only), *state
 * and *where (its directory: new/ or held/ for a New job) set, 0 if there
 * is no such job, -1 on an error (printed). id must have passed
 * jobid_valid().
 */
int spool_find(struct spool *sp, const char *id, enum job_state *state,
    enum spool_dir *where, int *fd);

/*
 * Read the job file open on fd into j (the input too if want_input),
 * checking that it is whole. path names it in messages. Closes fd.
 * Returns 0, or -1 after printing why.
 */
int spool_read_job(int fd, const char *path, bool want_input, struct job *j);

/* True if the caller may see job j: its owner, root, or a see_all spool. */
bool spool_may_see(const struct spool *sp, const struct job *j);

enum spool_lookup { SPOOL_FOUND, SPOOL_NOTFOUND, SPOOL_ERROR };

/*
 * Find and read job id for the calling user (j->held set if it is in
 * held/). A job of another user is SPOOL_NOTFOUND, whole or damaged: its
 * existence is not the caller's business. Prints why for SPOOL_ERROR
 * only (a bad job of the caller's); not found is the caller's to say.
 */
enum spool_lookup spool_load(struct spool *sp, const char *id,
    bool want_input, struct job *j, enum job_state *state);

/*
 * Call visit for every job the calling user may see, state by state (New
 * first, those in held/ after those in new/, with j->held set), in
 * directory order, in constant memory. A job that changes state during
 * the walk may be visited twice, never missed; but one held (moved from
 * new/ to held/) during the walk may be missed. The job is
 * freed after visit returns; a non-zero return stops the walk and is
 * returned. The caller's unreadable or damaged jobs are reported and
 * skipped (-1 at the end); another user's are skipped without a word, so
 * that no user's bad job can break another's listing.
 */
typedef int (*spool_visit_fn)(struct job *j, enum job_state s, void *ctx);
int spool_foreach(struct spool *sp, spool_visit_fn visit, void *ctx);

/* The same for the states in the mask (bit 1 << s) only: the others'
   directories are not read at all. */
#define SPOOL_ALL_STATES ((1u << JOB_NSTATES) - 1)
int spool_foreach_in(struct spool *sp, unsigned states, spool_visit_fn visit,
    void *ctx);

/*
 * Open the result of completed job id, which must be a regular file.
 * Returns the descriptor, or -1 after printing why.
 */
int spool_open_result(struct spool *sp, const char *id);

/*
 * Remove files in tmp/ left by writers that died: those not modified for
 * max_age_usec, whoever made them. Age is the only proof: a pid in a name
 * may belong to another PID namespace or host, where this one cannot ask
 * whether it still runs. Returns the number removed; prints nothing (what
 * it cannot remove now, a later call will).
 */
size_t spool_reap_tmp(struct spool *sp, int64_t max_age_usec);

/* How long a tmp/ file is kept: a day, the most a writer may take. */
#define SPOOL_TMP_MAX_AGE (24 * 3600 * INT64_C(1000000))

/* ---- what the dispatcher does with the spool (spool-scan.c, spool-work.c) */

/*
 * The IDs of one spool directory, oldest first (IDs sort by time), in
 * constant memory: a window of the smallest IDs after the last handed
 * out is read at a time. An ID added behind the walk is not seen.
 */
#define SPOOL_WALK_WINDOW 4096

struct spool_walk_id {
	char id[JOBID_MAX + 1];
};

struct spool_walk {
	enum spool_dir sd;
	char last[JOBID_MAX + 1];	/* the last handed out */
	struct spool_walk_id *ref;	/* the window, sorted */
	size_t n, next, cap;
	bool started, done;
};

#define SPOOL_WALK_INIT(d) { .sd = (d) }

/* The next ID of the walk, or NULL at its end. Prints nothing. */
const char *spool_walk_next(struct spool *sp, struct spool_walk *w);

/* Free the window; the walk may then start again from the beginning. */
void spool_walk_free(struct spool_walk *w);

/*
 * Read job id from directory d (its input too if want_input). Returns 0;
 * 1 if it is not there (it moved on); -1 if it is unreadable or holds
 * another job (printed, but for the latter).
 */
int spool_read_in(struct spool *sp, enum spool_dir d, const char *id,
    bool want_input, struct job *j);

/*
 * When d/id was last written (its mtime, by the clock of the host or file
 * server that wrote it), in microseconds; 0 if it cannot be told.
 */
int64_t spool_mtime_usec(struct spool *sp, enum spool_dir d, const char *id);

/*
 * work/ID/N, made if need be: the directory the wrappers of attempt N of
 * job id work in, so that nothing an earlier attempt left (a monitor
 * still writing, an output) can be taken for this one. work/ and work/ID
 * are the dispatcher's alone (mode 0700); when the wrappers run as
 * another account, as (account.h), others may search them but not list
 * or write them (0711), and work/ID/N is given to as. Each level is made
 * and opened without following a link, so no one else can point a
 * wrapper's files elsewhere. Returns its path (allocated), or NULL after
 * printing why.
 */
char *spool_workdir(struct spool *sp, const char *id, unsigned attempt,
    const struct account *as);

/*
 * Whether account as, which runs the wrappers, can reach the spool's
 * directories by path (a wrapper is given its work directory's): the
 * spool directory itself, if the caller owns it, is opened to search by
 * others (nothing in it can be listed or entered but through the
 * programs). Returns 0, or -1 with why naming the directory closed to
 * it.
 */
int spool_reachable(struct spool *sp, const struct account *as, char *why,
    size_t whylen);

/* Remove work/ID/N, attempt N's directory, never following a link. */
void spool_attempt_remove(struct spool *sp, const char *id, unsigned attempt);

/* Remove work/ID and all in it, never following a link. */
void spool_workdir_remove(struct spool *sp, const char *id);

/* True if the owner of job id asked to withdraw it (cancel/ID). */
bool spool_cancel_requested(struct spool *sp, const char *id);

/*
 * Once job id has left processing/ nobody will lock it again: its lock
 * file goes, while the caller still holds it, so no one can take a stale
 * one; so do its work directory and any cancel request. Prints nothing.
 */
void spool_clean_up_if_gone(struct spool *sp, const char *id);

/*
 * The same for every lock file, work directory and cancel request whose
 * job has left processing/ (a pass killed between a job's last move and
 * its clean-up leaves them), each under the job's lock. A work directory
 * is first shown to left_work(arg, id, lock), if it is set: what the
 * pass left undone there, such as the cancel of the work, is its to do.
 */
void spool_reap_orphans(struct spool *sp,
    void (*left_work)(void *arg, const char *id, int lock), void *arg);

#endif
