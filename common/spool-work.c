/*
 * spool-work.c: what the dispatcher keeps beside a job in processing/
 * (spool.h): its work directories, work/ID/N for attempt N, and the clean-up once the job
 * has left processing/: its lock file, work directory and cancel request.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "err.h"
#include "spool.h"

/*
 * Whether st's mode lets others at most search it: work/ and work/ID
 * are the dispatcher's alone (0700), or searchable by the account its
 * wrappers run as (0711), and never listed or written by anyone else.
 */
static bool
search_only(const struct stat *st)
{
	return (st->st_mode & 066) == 0;
}

/*
 * A directory of the dispatcher's, fd, at the mode it needs: search-only
 * for others (0711) when the wrappers run as another account (as), else
 * 0700 or 0711, as it is. Returns 0, or -1: open to more than search, and
 * not the dispatcher's to tighten.
 */
static int
settle_mode(int fd, const struct account *as)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	if (search_only(&st) && (as == NULL || (st.st_mode & 011) == 011))
		return 0;
	if (st.st_uid != geteuid() || fchmod(fd, as != NULL ? 0711 :
	    0700) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * work/, checked: a directory that others may write could be raced, a
 * job's directory swapped for a link to anywhere (cputorrent-spool(5)).
 * An older spool made it group-writable; its owner tightens it.
 */
static int
work_root(struct spool *sp, const struct account *as)
{
	int wd = spool_dir(sp, SPOOL_WORK);
	struct stat st;

	if (wd < 0) {
		ct_warnerr("cannot open %s/work", sp->path);
		return -1;
	}
	if (settle_mode(wd, as) == 0)
		return wd;
	if (fstat(wd, &st) != 0)
		ct_warnerr("cannot stat %s/work", sp->path);
	else
		ct_warn("%s/work is open to others (mode %04o): it must be "
		    "the dispatcher's alone, mode 0700, or 0711", sp->path,
		    (unsigned)(st.st_mode & 07777));
	return -1;
}

/*
 * Make name beneath fd, 0700, and open it, never through a link: the
 * dispatcher's, or with owner set, given to that account.
 */
static int
make_private_dir(int fd, const char *name, const struct account *owner)
{
	uid_t uid = owner != NULL ? owner->uid : geteuid();
	struct stat st;
	int sub;

	if (mkdirat(fd, name, 0700) != 0 && errno != EEXIST)
		return -1;
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub < 0)
		return -1;
	if (fstat(sub, &st) != 0 || (st.st_uid != uid &&
	    (st.st_uid != geteuid() || fchown(sub, uid, owner->gid) != 0))) {
		close(sub);
		errno = EPERM;
		return -1;
	}
	return sub;
}

char *
spool_workdir(struct spool *sp, const char *id, unsigned attempt,
    const struct account *as)
{
	struct buf b = { NULL, 0, 0 };
	char n[16];
	int wd = work_root(sp, as), jd, ad;

	if (wd < 0)
		return NULL;
	snprintf(n, sizeof n, "%u", attempt);
	if ((jd = make_private_dir(wd, id, NULL)) < 0 ||
	    settle_mode(jd, as) != 0) {
		ct_warnerr("cannot make %s/work/%s", sp->path, id);
		if (jd >= 0)
			close(jd);
		return NULL;
	}
	ad = make_private_dir(jd, n, as);
	close(jd);
	if (ad < 0) {
		ct_warnerr("cannot make %s/work/%s/%s", sp->path, id, n);
		return NULL;
	}
	close(ad);
	buf_appendf(&b, "%s/work/%s/%s", sp->path, id, n);
	return b.data;
}

int
spool_reachable(struct spool *sp, const struct account *as, char *why,
    size_t whylen)
{
	struct stat st;

	if (fstat(sp->fd, &st) != 0) {
		snprintf(why, whylen, "%s: %s", sp->path, strerror(errno));
		return -1;
	}
	if (!account_can_search(as, &st) && st.st_uid == geteuid() &&
	    fchmod(sp->fd, (st.st_mode & 07777) | S_IXOTH) != 0) {
		snprintf(why, whylen, "%s: cannot open it to search by %s: %s",
		    sp->path, as->name, strerror(errno));
		return -1;
	}
	return account_can_reach(as, sp->path, why, whylen);
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
spool_attempt_remove(struct spool *sp, const char *id, unsigned attempt)
{
	int wd = spool_dir(sp, SPOOL_WORK), jd;
	char n[16];

	if (wd < 0 || (jd = openat(wd, id, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	snprintf(n, sizeof n, "%u", attempt);
	remove_tree(jd, n, 32);
	close(jd);
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
spool_reap_orphans(struct spool *sp,
    void (*left_work)(void *arg, const char *id, int lock), void *arg)
{
	/* Work directories first: each goes to left_work before its lock. */
	static const enum spool_dir dirs[] = { SPOOL_WORK, SPOOL_LOCKS,
	    SPOOL_CANCEL };
	int pd = spool_dir(sp, SPOOL_PROCESSING);
	int nd = spool_dir(sp, SPOOL_NEW), hd = spool_dir(sp, SPOOL_HELD);
	size_t k;

	for (k = 0; pd >= 0 && k < sizeof dirs / sizeof dirs[0]; k++) {
		struct spool_walk w = SPOOL_WALK_INIT(dirs[k]);
		const char *id;

		while ((id = spool_walk_next(sp, &w)) != NULL) {
			int lock;

			/* A cancel request may come before the claim. */
			if (faccessat(pd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
			    (dirs[k] == SPOOL_CANCEL && ((nd >= 0 &&
			    faccessat(nd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0) ||
			    (hd >= 0 && faccessat(hd, id, F_OK,
			    AT_SYMLINK_NOFOLLOW) == 0))))
				continue;
			if (spool_lock(sp, id, &lock) != SPOOL_LOCKED)
				continue;
			if (dirs[k] == SPOOL_WORK && left_work != NULL)
				left_work(arg, id, lock);
			spool_clean_up_if_gone(sp, id);
			close(lock);
		}
		spool_walk_free(&w);
	}
}
