/*
 * purge.c: finished jobs removed from the spool (purge.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "err.h"
#include "exitcodes.h"
#include "jobid.h"
#include "purge.h"
#include "util.h"

/* state/purged: its mtime is when the retention was last applied. */
#define PURGE_STAMP "purged"

/* A result no job names is not removed before this: its job may be moving. */
#define ORPHAN_MIN_AGE_USEC (3600LL * 1000000)

/* Unlink d/name; 0 if it went or was not there, else -1 (errno set). */
static int
unlink_if_there(int d, const char *name)
{
	return d < 0 || unlinkat(d, name, 0) == 0 || errno == ENOENT ? 0 : -1;
}

enum purge_result
purge_job(struct spool *sp, const char *id, enum job_state s)
{
	enum spool_dir sd = spool_state_dir(s);
	int d = spool_dir(sp, sd);

	if (s != JOB_COMPLETED && s != JOB_FAILED)
		ct_die(EX_SOFTWARE, "purge_job: %s is not finished", id);
	if (d < 0) {
		ct_warnerr("cannot open %s/%s", sp->path, spool_dir_name(sd));
		return PURGE_ERROR;
	}
	if (unlinkat(d, id, 0) != 0) {
		if (errno == ENOENT)
			return PURGE_GONE;
		ct_warnerr("cannot remove %s/%s/%s", sp->path,
		    spool_dir_name(sd), id);
		return PURGE_ERROR;
	}
	if (dir_sync(d) != 0) {
		ct_warnerr("cannot sync %s/%s", sp->path, spool_dir_name(sd));
		return PURGE_ERROR;
	}
	/* The job is gone; what is left is found again if this fails. */
	if (unlink_if_there(spool_dir(sp, SPOOL_RESULTS), id) != 0) {
		ct_warnerr("%s: removed, but not its result", id);
		return PURGE_ERROR;
	}
	(void)unlink_if_there(spool_dir(sp, SPOOL_CANCEL), id);
	return PURGE_DONE;
}

/*
 * The stamp, locked and due: its descriptor, with the lock held; -2 if it
 * is not due or another dispatcher applies the retention now; -1 printed.
 */
static int
stamp_due(struct spool *sp)
{
	int d = spool_dir(sp, SPOOL_STATE), fd;
	struct stat st;

	if (d < 0) {
		ct_warnerr("cannot open %s/state", sp->path);
		return -1;
	}
	fd = openat(d, PURGE_STAMP, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0660);
	if (fd < 0) {
		ct_warnerr("cannot open %s/state/%s", sp->path, PURGE_STAMP);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &st) != 0 ||
	    (st.st_size > 0 && now_usec() - ((int64_t)st.st_mtim.tv_sec *
	    1000000 + st.st_mtim.tv_nsec / 1000) < PURGE_INTERVAL_USEC)) {
		close(fd);
		return -2;
	}
	return fd;
}

/* True if d/name was last written before cutoff (microseconds). */
static bool
older_than(int d, const char *name, int64_t cutoff)
{
	struct stat st;

	return fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (int64_t)st.st_mtim.tv_sec * 1000000 +
	    st.st_mtim.tv_nsec / 1000 < cutoff;
}

/*
 * Call expire(sp, sd, id) for every job ID in directory sd last written
 * before cutoff, in
 * one read of it: a million finished jobs cost one readdir(3) and a
 * stat each. Returns how many it removed, or -1 if any failed (printed).
 */
static long
sweep(struct spool *sp, enum spool_dir sd, int64_t cutoff,
    int (*expire)(struct spool *, enum spool_dir, const char *))
{
	int d = spool_dir(sp, sd), dd;
	struct dirent *de;
	long n = 0;
	int rc = 0, v;
	DIR *dir;

	if (d < 0)
		return errno == ENOENT ? 0 : -1;
	if ((dd = dup(d)) < 0 || (dir = fdopendir(dd)) == NULL) {
		ct_warnerr("cannot read %s/%s", sp->path, spool_dir_name(sd));
		if (dd >= 0)
			close(dd);
		return -1;
	}
	rewinddir(dir);
	while ((errno = 0, de = readdir(dir)) != NULL) {
		if (!jobid_valid(de->d_name) ||
		    !older_than(d, de->d_name, cutoff))
			continue;
		if ((v = expire(sp, sd, de->d_name)) > 0)
			n++;
		else if (v < 0)
			rc = -1;
	}
	if (errno != 0) {
		ct_warnerr("cannot read %s/%s", sp->path, spool_dir_name(sd));
		rc = -1;
	}
	closedir(dir);
	return rc == 0 ? n : -1;
}

/* A finished job past the retention: 1 removed, 0 gone, -1 (printed). */
static int
expire_job(struct spool *sp, enum spool_dir sd, const char *id)
{
	enum purge_result r;

	r = purge_job(sp, id, sd == SPOOL_COMPLETED ? JOB_COMPLETED :
	    JOB_FAILED);
	return r == PURGE_DONE ? 1 : r == PURGE_GONE ? 0 : -1;
}

/* A result: removed if no job names it (any more): 1, 0 or -1. */
static int
expire_orphan(struct spool *sp, enum spool_dir sd, const char *id)
{
	enum job_state s;
	int fd, found;

	if ((found = spool_find(sp, id, &s, &fd)) != 0) {
		if (found > 0)
			close(fd);
		return found > 0 ? 0 : -1;
	}
	if (unlink_if_there(spool_dir(sp, sd), id) != 0) {
		ct_warnerr("cannot remove %s/results/%s", sp->path, id);
		return -1;
	}
	return 1;
}

long
purge_expired(struct spool *sp, int64_t max_age_usec)
{
	int64_t now = now_usec();
	long n = 0, k;
	int stamp, rc = 0;

	if (max_age_usec <= 0 || (stamp = stamp_due(sp)) == -2)
		return 0;
	if (stamp < 0)
		return -1;
	if ((k = sweep(sp, SPOOL_COMPLETED, now - max_age_usec,
	    expire_job)) < 0)
		rc = -1;
	else
		n += k;
	if ((k = sweep(sp, SPOOL_FAILED, now - max_age_usec, expire_job)) < 0)
		rc = -1;
	else
		n += k;
	if (sweep(sp, SPOOL_RESULTS, now - (max_age_usec >
	    ORPHAN_MIN_AGE_USEC ? max_age_usec : ORPHAN_MIN_AGE_USEC),
	    expire_orphan) < 0)
		rc = -1;
	/* Applied: the stamp's new mtime says when, for every dispatcher. */
	if (ftruncate(stamp, 0) != 0 || write(stamp, "1\n", 2) != 2 ||
	    futimens(stamp, NULL) != 0)
		ct_warnerr("cannot write %s/state/%s", sp->path, PURGE_STAMP);
	close(stamp);
	return rc == 0 ? n : -1;
}
