/*
 * atomicfile.c: whole-or-nothing files and durable directory entries
 * (atomicfile.h). Every write/fsync/close/rename is checked, and a failed
 * step removes the temporary file before returning, keeping its errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "jobid.h"
#include "util.h"

int
file_create(int dirfd, const char *name, mode_t mode)
{
	return openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
}

int
file_seal(int fd)
{
	int saved;

	if (fsync(fd) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* fsync the directory dirfd/path, or dirfd itself if path is NULL. */
static int
sync_at(int dirfd, const char *path)
{
	int fd, rc, saved;

	if (path == NULL && dirfd != AT_FDCWD)
		return fsync(dirfd);
	fd = openat(dirfd, path != NULL ? path : ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
dir_sync(int dirfd)
{
	return sync_at(dirfd, NULL);
}

int
dir_sync_parent(int dirfd, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int rc;

	if (slash == NULL)
		return sync_at(dirfd, NULL);
	/* "/x" is in "/", and "a/b" in "a". */
	parent = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	rc = sync_at(dirfd, parent);
	free(parent);
	return rc;
}

/* True if a and b, relative to their directories, are the same file. */
static int
same_file(int da, const char *a, int db, const char *b)
{
	struct stat sa, sb;

	return fstatat(da, a, &sa, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstatat(db, b, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
rename_noreplace(int from, const char *fname, int to, const char *tname)
{
	int saved;

	if (renameat2(from, fname, to, tname, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/*
	 * The file system cannot rename without replacing (NFS): link(2)
	 * fails on an existing name, as Maildir relies on. A retransmitted
	 * link can report failure after it succeeded, so check the result.
	 */
	if (linkat(from, fname, to, tname, 0) != 0) {
		saved = errno;
		if (saved == EEXIST || !same_file(from, fname, to, tname)) {
			errno = saved;
			return -1;
		}
	}
	unlinkat(from, fname, 0);
	return 0;
}

/*
 * atomic_write_with, and its kin for this boot: lasting, the file is
 * sealed and its directory synced; else only written, closed and renamed.
 */
static int
replace_with(int dirfd, const char *name, mode_t mode, atomic_fill_fn fill,
    void *ctx, bool lasting)
{
	struct buf tmp = { 0 };
	int fd, rc = -1, saved;

	/*
	 * The pid and the nonce make the name this process's alone, in any
	 * PID namespace (jobid.h); a file already there is another writer's,
	 * live or not, and O_EXCL leaves it be.
	 */
	buf_appendf(&tmp, "%s.%ld.%s.tmp", name, (long)getpid(), jobid_nonce());
	if ((fd = file_create(dirfd, tmp.data, mode)) < 0)
		goto out;
	if (fill(fd, ctx) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
	} else if ((lasting ? file_seal(fd) : close(fd)) == 0 &&
	    renameat(dirfd, tmp.data, dirfd, name) == 0) {
		rc = lasting ? dir_sync_parent(dirfd, name) : 0;
		goto out;
	}
	saved = errno;
	unlinkat(dirfd, tmp.data, 0);
	errno = saved;
out:
	saved = errno;
	buf_free(&tmp);
	errno = saved;
	return rc;
}

int
atomic_write_with(int dirfd, const char *name, mode_t mode,
    atomic_fill_fn fill, void *ctx)
{
	return replace_with(dirfd, name, mode, fill, ctx, true);
}

struct bytes {
	const void *data;
	size_t len;
};

static int
write_bytes(int fd, void *ctx)
{
	const struct bytes *b = ctx;

	return write_all(fd, b->data, b->len);
}

int
atomic_write(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	struct bytes b = { data, len };

	return atomic_write_with(dirfd, name, mode, write_bytes, &b);
}

int
atomic_write_for_boot(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode)
{
	struct bytes b = { data, len };

	return replace_with(dirfd, name, mode, write_bytes, &b, false);
}
