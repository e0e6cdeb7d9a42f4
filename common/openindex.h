/*
 * openindex.h: one ct-serve process's index of its store's open tasks,
 * oldest first (by the time of their records), so that a request for
 * work looks at the oldest task first, G2's order, and reads neither
 * open/ nor any record but the candidates' to find it.
 *
 * The index is made from one listing of open/ (openindex_rebuild), by
 * the process's main thread, once a second when open/ has changed; a
 * task's time is learned once, from its record's mtime, and kept from
 * one build to the next. Between builds, the tasks this process opens
 * are added at once; those other processes open on a shared store are
 * seen at the next build. The index only says where to look: a task is
 * handed out by its marker's rename under its lock (taskstore.h), so an
 * index out of date costs a look, never a task given twice.
 *
 * Memory: about 50 bytes an open task. Threads: every function but
 * openindex_rebuild takes the index's mutex; rebuild takes it only to
 * swap the new index in.
 */
#ifndef CT_OPENINDEX_H
#define CT_OPENINDEX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct open_entry {
	int64_t created;	/* µs since the Epoch: the record's mtime */
	uint32_t id;		/* offset of its ID in the arena */
	uint32_t state;		/* OPEN_FREE, OPEN_BUSY, OPEN_TAKEN */
};

struct open_index {
	pthread_mutex_t mu;
	struct open_entry *e;
	size_t n, cap;
	char *arena;
	size_t alen, acap;
	uint32_t *table;	/* open addressing: entry index + 1, or 0 */
	size_t tcap;		/* a power of two, or 0 */
	size_t first;		/* no entry before it is free */
	uint64_t gen;		/* changes with each build */
	int64_t mtime_ns;	/* open/'s mtime at the last build */
	int64_t built_usec;	/* monotonic */
};

/* An empty index. */
void openindex_init(struct open_index *x);
void openindex_free(struct open_index *x);

/*
 * Make the index again from open/ (a directory descriptor) and the
 * records in tasks/, if open/ has changed since the last build or
 * force. Returns 0, or -1 with errno set (the old index is kept).
 */
int openindex_rebuild(struct open_index *x, int open, int tasks, bool force);

/*
 * The next free task at or after *pos of build *gen, oldest first: its
 * ID into id (size bytes), marked busy, its place in *pos. If the index
 * was built again since *gen, from its oldest free task of the new
 * build (*gen updated). Returns 0, or -1 if there is none.
 */
int openindex_next(struct open_index *x, size_t *pos, uint64_t *gen,
    char *id, size_t size);

/*
 * After openindex_next: the task at pos of build gen was handed out, or
 * is no longer open (taken), or stays where it is (not taken).
 */
void openindex_done(struct open_index *x, size_t pos, uint64_t gen,
    bool taken);

/* Add task id, opened by this process at created (µs), newest. */
void openindex_add(struct open_index *x, const char *id, int64_t created);

#endif
