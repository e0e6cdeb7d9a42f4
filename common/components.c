/*
 * components.c: components kept while tasks use them (components.h).
 *
 * The flush looks at the tasks only when a component is old enough to
 * go, and then reads the records of the open and leased tasks for its
 * ID: components change seldom, so this is rare, and nothing is done
 * per task at a submit or a hand-out. A task submitted while a flush
 * looks touches the note first, and the note is looked at again just
 * before anything is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blobstore.h"
#include "components.h"
#include "strvec.h"
#include "util.h"

/* The largest task record read when looking for a component's ID. */
#define RECORD_MAX (2 * 1024 * 1024)

int
components_note(struct taskstore *ts, const char *id)
{
	int fd;

	if (!sha256_hex_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	fd = openat(ts->components, id, O_WRONLY | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	/* An existing note only has its time moved on. */
	if (futimens(fd, NULL) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Seconds since the Epoch of name's last change in dir; -1 if none. */
static int64_t
noted(int dir, const char *name)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	return (int64_t)st.st_mtime;
}

/* The names of the files in dir (a descriptor) that pass ok, into out. */
static int
list_dir(int dir, bool (*ok)(const char *), struct strvec *out)
{
	struct dirent *e;
	DIR *d;
	int fd = dup(dir);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (ok(e->d_name))
			strvec_push(out, e->d_name);
	closedir(d);
	return 0;
}

static bool
digest_name(const char *s)
{
	return sha256_hex_valid(s);
}

static bool
task_name(const char *s)
{
	return task_id_valid(s);
}

/* Drop from cand each ID that the record of an open or leased task names. */
static int
drop_used(struct taskstore *ts, struct strvec *cand)
{
	struct strvec tasks = STRVEC_INIT;
	struct buf rec = { NULL, 0, 0 };
	size_t i, k;
	int rc = 0;

	if (list_dir(ts->open, task_name, &tasks) != 0 ||
	    list_dir(ts->leased, task_name, &tasks) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < tasks.n && cand->n > 0; i++) {
		rec.len = 0;
		if (taskstore_record(ts, tasks.v[i], &rec, RECORD_MAX) != TS_OK)
			continue;	/* gone since: it names nothing */
		/* An ID found anywhere in the record keeps its component. */
		for (k = 0; k < cand->n; k++)
			if (memmem(rec.data, rec.len, cand->v[k],
			    SHA256_HEX_LEN) != NULL)
				cand->v[k][0] = '\0';
		for (k = 0; k < cand->n; )
			if (cand->v[k][0] == '\0') {
				free(cand->v[k]);
				cand->v[k] = cand->v[--cand->n];
				cand->v[cand->n] = NULL;
			} else {
				k++;
			}
	}
	buf_free(&rec);
	strvec_free(&tasks);
	return rc;
}

int
components_flush(struct taskstore *ts, int64_t now, int64_t grace)
{
	struct strvec all = STRVEC_INIT, cand = STRVEC_INIT;
	struct strvec kept_files = STRVEC_INIT;
	struct manifest *m = xmalloc(sizeof *m);
	char why[256];
	size_t i, k;
	int64_t t;
	int removed = 0;

	if (list_dir(ts->components, digest_name, &all) != 0)
		goto fail;
	for (i = 0; i < all.n; i++)
		if ((t = noted(ts->components, all.v[i])) >= 0 &&
		    t + grace < now)
			strvec_push(&cand, all.v[i]);
	if (cand.n == 0 || drop_used(ts, &cand) != 0 || cand.n == 0)
		goto out;
	/* The files of the components that stay, which are kept. */
	for (i = 0; i < all.n; i++)
		if (!strvec_has(&cand, all.v[i], SHA256_HEX_LEN) &&
		    blob_manifest(ts->blobs, all.v[i], m, why,
		    sizeof why) == 0)
			for (k = 0; k < m->n; k++)
				strvec_push(&kept_files, m->files[k].blob);
	for (i = 0; i < cand.n; i++) {
		bool have = blob_manifest(ts->blobs, cand.v[i], m, why,
		    sizeof why) == 0;

		/* Named again while we looked: it stays. */
		if ((t = noted(ts->components, cand.v[i])) < 0 ||
		    t + grace >= now)
			continue;
		if (unlinkat(ts->blobs, cand.v[i], 0) != 0 && errno != ENOENT)
			goto fail;
		for (k = 0; have && k < m->n; k++)
			if (!strvec_has(&kept_files, m->files[k].blob,
			    SHA256_HEX_LEN))
				(void)unlinkat(ts->blobs, m->files[k].blob, 0);
		(void)unlinkat(ts->components, cand.v[i], 0);
		removed++;
	}
out:
	free(m);
	strvec_free(&all);
	strvec_free(&cand);
	strvec_free(&kept_files);
	return removed;
fail:
	removed = -1;
	goto out;
}
