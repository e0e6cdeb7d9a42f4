/*
 * commit.c: a group commit of job rewrites in one spool directory
 * (commit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commit.h"
#include "err.h"

static int
entry_has_name(const void *name, const void *entry)
{
	return strcmp(name, ((const struct commit_entry *)entry)->name);
}

static struct commit_entry *
find(const struct commit *c, const char *name)
{
	size_t n = c->n;

	return lfind(name, c->e, &n, sizeof *c->e, entry_has_name);
}

int
commit_add(struct spool *sp, struct commit *c, const char *name,
    const void *data, size_t len)
{
	struct commit_entry *e = find(c, name);
	char tmpname[SPOOL_TMPNAME_MAX];
	int fd;

	if (strlen(name) > JOBID_MAX)
		return -1;
	if (spool_stage_nowait(sp, data, len, tmpname, &fd) != 0)
		return -1;
	if (e != NULL) {
		/* Only the last rewrite of a job in a batch counts. */
		close(e->fd);
		spool_unstage(sp, e->tmpname);
	} else {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->e = xrealloc(c->e, c->cap * sizeof *c->e);
		}
		if (c->n == 0)
			c->first_usec = now_usec();
		e = &c->e[c->n++];
		snprintf(e->name, sizeof e->name, "%s", name);
		e->lock = -1;
	}
	memcpy(e->tmpname, tmpname, sizeof e->tmpname);
	e->fd = fd;
	e->move = false;
	return 0;
}

void
commit_then_move(struct commit *c, const char *name, enum spool_dir to)
{
	struct commit_entry *e = find(c, name);

	if (e != NULL) {
		e->move = true;
		e->to = to;
	}
}

bool
commit_has(const struct commit *c, const char *name)
{
	return find(c, name) != NULL;
}

void
commit_drop(struct spool *sp, struct commit *c, const char *name)
{
	struct commit_entry *e = find(c, name);

	if (e == NULL)
		return;
	close(e->fd);
	spool_unstage(sp, e->tmpname);
	if (e->lock >= 0)
		close(e->lock);
	*e = c->e[--c->n];
}

void
commit_hold(struct commit *c, const char *name, int lock)
{
	struct commit_entry *e = find(c, name);

	if (e != NULL && e->lock < 0)
		e->lock = lock;
	else
		close(lock);
}

/*
 * The moves asked for of the rewrites committed (tmpname still set), then
 * one fsync of each directory they went to, then of c->dir, then the
 * clean-up of each job moved (spool.h). An entry whose move fails, or may
 * not last, has its tmpname emptied: failed.
 */
static void
move_committed(struct spool *sp, struct commit *c)
{
	bool to_sync[SPOOL_NDIRS] = { false }, synced = true;
	size_t i;
	int d;

	for (i = 0; i < c->n; i++) {
		struct commit_entry *e = &c->e[i];

		if (!e->move || e->tmpname[0] == '\0')
			continue;
		if (spool_move_unsynced(sp, c->dir, e->to, e->name) != 0) {
			ct_warnerr("%s: cannot move to %s", e->name,
			    spool_dir_name(e->to));
			e->tmpname[0] = '\0';
		} else
			to_sync[e->to] = to_sync[c->dir] = true;
	}
	/* The new directories first, then the old (cputorrent-spool(5)). */
	for (d = 0; d < SPOOL_NDIRS; d++)
		if (to_sync[d] && d != (int)c->dir &&
		    spool_sync(sp, (enum spool_dir)d) != 0)
			synced = false;		/* it said why */
	if (to_sync[c->dir] && spool_sync(sp, c->dir) != 0)
		synced = false;
	for (i = 0; i < c->n; i++) {
		struct commit_entry *e = &c->e[i];

		if (!e->move || e->tmpname[0] == '\0')
			continue;
		if (synced)	/* its lock still held, as it must be */
			spool_clean_up_if_gone(sp, e->name);
		else		/* perhaps not for good: the next pass moves it */
			e->tmpname[0] = '\0';
	}
}

size_t
commit_flush(struct spool *sp, struct commit *c, struct strvec *failed)
{
	size_t i, nfailed = 0;
	bool synced;
	int td, dd;

	if (c->n == 0)
		return 0;
	td = spool_dir(sp, SPOOL_TMP);
	dd = spool_dir(sp, c->dir);
	/*
	 * All the fsyncs first, then all the renames: a rename between two
	 * fsyncs would give the second a journal commit of its own.
	 */
	for (i = 0; i < c->n; i++) {
		struct commit_entry *e = &c->e[i];

		if (spool_stage_wait(sp, e->tmpname, e->fd) != 0)
			e->tmpname[0] = '\0';
	}
	for (i = 0; i < c->n; i++) {
		struct commit_entry *e = &c->e[i];

		if (e->tmpname[0] == '\0')
			continue;
		if (td < 0 || dd < 0 || renameat(td, e->tmpname, dd,
		    e->name) != 0) {
			ct_warnerr("cannot replace %s/%s/%s", sp->path,
			    spool_dir_name(c->dir), e->name);
			spool_unstage(sp, e->tmpname);
			e->tmpname[0] = '\0';
		}
	}
	synced = spool_sync(sp, c->dir) == 0;	/* or it said why */
	for (i = 0; i < c->n && !synced; i++)
		c->e[i].tmpname[0] = '\0';
	move_committed(sp, c);
	for (i = 0; i < c->n; i++) {
		struct commit_entry *e = &c->e[i];

		if (e->tmpname[0] != '\0')
			continue;
		nfailed++;
		if (failed != NULL)
			strvec_push(failed, e->name);
	}
	/* Released only now: the records others will read are the new ones. */
	for (i = 0; i < c->n; i++)
		if (c->e[i].lock >= 0)
			close(c->e[i].lock);
	c->n = 0;
	return nfailed;
}

bool
commit_due(const struct commit *c, size_t max, int64_t max_age_usec)
{
	return c->n >= max || (c->n > 0 &&
	    now_usec() - c->first_usec >= max_age_usec);
}

void
commit_free(struct commit *c)
{
	free(c->e);
	memset(c, 0, sizeof *c);
}
