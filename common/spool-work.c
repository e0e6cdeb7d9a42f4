/*
 * spool-work.c: what the dispatcher keeps beside a job in processing/
 * (spool.h): its work directory, work/ID, and the clean-up once the job
 * has left processing/: its lock file, work directory and cancel request.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "spool.h"

char *
spool_workdir(struct spool *sp, const char *id)
{
	struct buf b = { NULL, 0, 0 };
	int wd = spool_dir(sp, SPOOL_WORK);

	if (wd < 0) {
		ct_warnerr("cannot open %s/work", sp->path);
		return NULL;
	}
	if (mkdirat(wd, id, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot make %s/work/%s", sp->path, id);
		return NULL;
	}
	buf_appendf(&b, "%s/work/%s", sp->path, id);
	return b.data;
}

/*
 * Remove name under directory fd and everything below it, never following
 * a symbolic link (a wrapper's leftovers are not to be trusted). depth
 * bounds the recursion.
 */
static void
remove_tree(int fd, const char *name, int depth)
{
	struct dirent *de;
	DIR *dir;
	int sub;

	if (unlinkat(fd, name, 0) == 0 || errno == ENOENT || depth <= 0)
		return;
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub < 0)
		return;
	if ((dir = fdopendir(sub)) == NULL) {
		close(sub);
		return;
	}
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_tree(sub, de->d_name, depth - 1);
	closedir(dir);
	unlinkat(fd, name, AT_REMOVEDIR);
}

void
spool_workdir_remove(struct spool *sp, const char *id)
{
	int wd = spool_dir(sp, SPOOL_WORK);

	if (wd >= 0)
		remove_tree(wd, id, 32);
}

bool
spool_cancel_requested(struct spool *sp, const char *id)
{
	int cd = spool_dir(sp, SPOOL_CANCEL);

	return cd >= 0 && faccessat(cd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void
spool_clean_up_if_gone(struct spool *sp, const char *id)
{
	int cd;

	if (faccessat(spool_dir(sp, SPOOL_PROCESSING), id, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0)
		return;
	unlinkat(spool_dir(sp, SPOOL_LOCKS), id, 0);
	spool_workdir_remove(sp, id);
	if ((cd = spool_dir(sp, SPOOL_CANCEL)) >= 0)
		unlinkat(cd, id, 0);
}

void
spool_reap_orphans(struct spool *sp)
{
	static const enum spool_dir dirs[] = { SPOOL_LOCKS, SPOOL_WORK,
	    SPOOL_CANCEL };
	int pd = spool_dir(sp, SPOOL_PROCESSING);
	int nd = spool_dir(sp, SPOOL_NEW);
	size_t k;

	for (k = 0; pd >= 0 && k < sizeof dirs / sizeof dirs[0]; k++) {
		struct spool_walk w = SPOOL_WALK_INIT(dirs[k]);
		const char *id;

		while ((id = spool_walk_next(sp, &w)) != NULL) {
			int lock;

			/* A cancel request may come before the claim. */
			if (faccessat(pd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
			    (dirs[k] == SPOOL_CANCEL && nd >= 0 &&
			    faccessat(nd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0))
				continue;
			if (spool_lock(sp, id, &lock) != SPOOL_LOCKED)
				continue;
			spool_clean_up_if_gone(sp, id);
			close(lock);
		}
		spool_walk_free(&w);
	}
}
