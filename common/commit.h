/*
 * commit.h: a group commit of job rewrites in one spool directory.
 *
 * Errors: commit_add and commit_flush print why they fail, once;
 * the rest cannot fail.
 *
 * A dispatch pass rewrites every job it touches, and each rewrite made
 * durable on its own costs a file fsync, a rename and a directory fsync:
 * more than running the wrapper the rewrite records. A commit batch
 * stages the rewrites (written, writeback started), and at the end
 * fsyncs each file, renames each over its job, and fsyncs the directory
 * once. Each file is still complete and fsynced before its rename, as
 * cputorrent-spool(5) requires; only the directory's fsync is shared.
 *
 * Until the batch is committed the jobs' old records stand, so the batch
 * also keeps each job's lock, and releases it only after the commit: no
 * other dispatcher may read a record that is about to be replaced.
 */
#ifndef CT_COMMIT_H
#define CT_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spool.h"
#include "strvec.h"

struct commit_entry {
	char tmpname[SPOOL_TMPNAME_MAX];
	char name[JOBID_MAX + 1];
	int fd;			/* the staged file, open until the commit */
	int lock;		/* the job's lock, released after it; or -1 */
	bool move;		/* once committed, moved into to */
	enum spool_dir to;
};

struct commit {
	enum spool_dir dir;
	struct commit_entry *e;
	size_t n, cap;
	int64_t first_usec;	/* when the first entry was staged */
};

/*
 * Stage data as the next record of name in c->dir, replacing what an
 * earlier call staged for it. Returns 0, or -1 after printing why.
 */
int commit_add(struct spool *sp, struct commit *c, const char *name,
    const void *data, size_t len);

/*
 * Once name's staged rewrite (its final record) is committed, move it
 * from c->dir into to, before its lock is released: the moves of a flush
 * share one fsync of each directory, as the rewrites do; then what the
 * job leaves is cleaned up (spool_clean_up_if_gone). A crash between the
 * commit and the move leaves the final record where it was, for the next
 * pass to move (cputorrent-spool(5)).
 */
void commit_then_move(struct commit *c, const char *name, enum spool_dir to);

/* True if a rewrite of name is staged. */
bool commit_has(const struct commit *c, const char *name);

/*
 * Forget the staged rewrite of name, if any; a lock handed over with
 * commit_hold() is released, any other stays the caller's.
 */
void commit_drop(struct spool *sp, struct commit *c, const char *name);

/* Hand over name's lock: released once its rewrite is committed. */
void commit_hold(struct commit *c, const char *name, int lock);

/*
 * Make every staged rewrite durable and visible, make the moves asked
 * for, then release the held locks. Returns the number that could not be
 * committed or moved, whose names are added to failed (unless it is
 * NULL): their jobs keep their old records, or the new one (or the move)
 * may not last a crash; a message has said why.
 */
size_t commit_flush(struct spool *sp, struct commit *c,
    struct strvec *failed);

/*
 * True when the batch should be committed: it holds max entries, or its
 * first was staged max_age_usec ago or more. The age bounds how long a
 * job's lock is held beyond its own step, which ct-cancel(1) waits for.
 */
bool commit_due(const struct commit *c, size_t max, int64_t max_age_usec);

void commit_free(struct commit *c);

#endif
