/*
 * spool-scan.c: a state directory as the dispatcher goes through it
 * (spool.h): its IDs in order, a window at a time, and each job read
 * where it is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

/*
 * Each refill reads the directory for the SPOOL_WALK_WINDOW smallest IDs
 * after the last one handed out. Memory stays the same however many jobs
 * wait, for one readdir(3) per window, which costs little beside what the
 * dispatcher does with each job.
 */
static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct spool_walk_id *)a)->id,
	    ((const struct spool_walk_id *)b)->id);
}

/* Keep the window's smallest of w->ref[0..n): sort, and drop the rest. */
static void
walk_trim(struct spool_walk *w)
{
	if (w->n > 1)
		qsort(w->ref, w->n, sizeof *w->ref, by_id);
	if (w->n > SPOOL_WALK_WINDOW)
		w->n = SPOOL_WALK_WINDOW;
}

static void
walk_refill(struct spool *sp, struct spool_walk *w)
{
	struct dirent *de;
	size_t total = 0;
	DIR *dir;
	int fd = spool_dir(sp, w->sd), dfd = -1;

	w->n = w->next = 0;
	if (w->ref == NULL) {
		w->cap = 2 * SPOOL_WALK_WINDOW;
		w->ref = xcalloc(w->cap, sizeof *w->ref);
	}
	if (fd < 0 || (dfd = dup(fd)) < 0 ||
	    (dir = fdopendir(dfd)) == NULL) {
		if (fd >= 0 && dfd >= 0)
			close(dfd);
		w->done = true;
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		if (!jobid_valid(de->d_name) ||
		    (w->started && strcmp(de->d_name, w->last) <= 0))
			continue;
		total++;
		if (w->n == w->cap)
			walk_trim(w);
		/* jobid_valid() bounds the name to JOBID_MAX. */
		memcpy(w->ref[w->n++].id, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(dir);
	walk_trim(w);
	/* What is past this window waits for the next refill. */
	w->done = total <= SPOOL_WALK_WINDOW;
}

const char *
spool_walk_next(struct spool *sp, struct spool_walk *w)
{
	if (w->next == w->n) {
		if (w->started && w->done)
			return NULL;
		walk_refill(sp, w);
		w->started = true;
		if (w->n == 0)
			return NULL;
	}
	memcpy(w->last, w->ref[w->next].id, sizeof w->last);
	return w->ref[w->next++].id;
}

void
spool_walk_free(struct spool_walk *w)
{
	enum spool_dir sd = w->sd;

	free(w->ref);
	memset(w, 0, sizeof *w);
	w->sd = sd;
}

int
spool_read_in(struct spool *sp, enum spool_dir d, const char *id,
    bool want_input, struct job *j)
{
	char path[4096];
	int dd = spool_dir(sp, d), fd;

	if (dd < 0)
		return 1;
	fd = openat(dd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 1;	/* moved on */
	snprintf(path, sizeof path, "%s/%s/%s", sp->path, spool_dir_name(d),
	    id);
	if (spool_read_job(fd, path, want_input, j) != 0)
		return -1;
	if (strcmp(j->id, id) != 0) {
		job_free(j);
		return -1;
	}
	return 0;
}

int64_t
spool_mtime_usec(struct spool *sp, enum spool_dir d, const char *id)
{
	int fd = spool_dir(sp, d);
	struct stat st;

	if (fd < 0 || fstatat(fd, id, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
}
