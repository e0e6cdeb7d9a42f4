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
	return 0;
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
	for (i = 0; i < c->n; i++) {
		struct commit_entry *e = &c->e[i];

		if (synced && e->tmpname[0] != '\0')
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
