/*
 * slots.c: a server's places for jobs in flight, in the spool (slots.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "jobid.h"
#include "slots.h"
#include "util.h"

/* Beside the entries; no job ID begins with a dot. */
#define COUNT_FILE ".count"
/*
 * The one empty file every entry is a name of (a hard link), so that
 * taking a place makes a name, not an inode: a new inode is most of what
 * a place cost, and on an ext4 without a journal, which passes over every
 * inode freed in the last minutes to find one, as much as the fork and
 * exec of a wrapper.
 */
#define ENTRY_FILE ".entry"

/*
 * state/slots.SERVER, made if need be and opened; with lock, locked
 * exclusively. Returns its descriptor, or -1 after printing why.
 */
static int
slots_dir(struct spool *sp, const char *server, bool lock)
{
	char name[160];
	int d = spool_dir(sp, SPOOL_STATE), fd;

	snprintf(name, sizeof name, "slots.%s", server);
	if (d < 0 || ((mkdirat(d, name, 0770) != 0 && errno != EEXIST)) ||
	    (fd = openat(d, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		ct_warnerr("cannot open %s/state/%s", sp->path, name);
		return -1;
	}
	while (lock && flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		ct_warnerr("cannot lock %s/state/%s", sp->path, name);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The entries of dir, but for id; with held, those whose job no longer
 * holds a place are removed first and not counted. -1 if unreadable.
 */
static long
count_places(int dir, const char *server, const char *id, slots_held_fn held,
    void *arg)
{
	struct dirent *de;
	long n = 0;
	DIR *ds;
	int dd;

	if ((dd = dup(dir)) < 0 || (ds = fdopendir(dd)) == NULL) {
		if (dd >= 0)
			close(dd);
		return -1;
	}
	rewinddir(ds);
	while ((errno = 0, de = readdir(ds)) != NULL) {
		if (!jobid_valid(de->d_name) || strcmp(de->d_name, id) == 0)
			continue;
		if (held != NULL && !held(arg, server, de->d_name)) {
			(void)unlinkat(dir, de->d_name, 0);
			continue;
		}
		n++;
	}
	if (errno != 0)
		n = -1;
	closedir(ds);
	return n;
}

/* Make dir/name, an empty file; 0, or -1 (errno set). */
static int
make_file(int dir, const char *name)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0660);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * Make dir/id: a name of ENTRY_FILE, made first if need be, or a file of
 * its own where no link can be made (too many already, a file system
 * without them). 0, or -1 (errno set).
 */
static int
make_entry(int dir, const char *id)
{
	if (linkat(dir, ENTRY_FILE, dir, id, 0) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT && make_file(dir, ENTRY_FILE) == 0 &&
	    linkat(dir, ENTRY_FILE, dir, id, 0) == 0)
		return 0;
	return make_file(dir, id);
}

/*
 * The count kept beside the entries, so that a place is taken without
 * reading them all: -1 if there is none, or it is damaged. It is raised
 * before an entry is made and lowered after one goes, so a crash between
 * leaves it high, never low: a place lost for a while, never one too many.
 */
static long
read_count(int dir)
{
	char text[32];
	const char *end;
	int64_t n = -1;
	ssize_t len;
	int fd = openat(dir, COUNT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((len = read(fd, text, sizeof text - 1)) > 0) {
		text[len] = '\0';
		if (parse_int64(text, &end, 0, LONG_MAX, &n) != 0 ||
		    *end != '\n')
			n = -1;
	}
	close(fd);
	return (long)n;
}

static int
write_count(int dir, long n)
{
	char text[32];
	int len = snprintf(text, sizeof text, "%ld\n", n);

	return write_file_at(dir, COUNT_FILE, text, (size_t)len, 0660);
}

int
slots_take(struct spool *sp, const char *server, const char *id,
    unsigned max, slots_held_fn held, void *arg)
{
	int dir = slots_dir(sp, server, true), rc = -1;
	long n;

	if (dir < 0)
		return -1;
	if (faccessat(dir, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dir);
		return 1;	/* its own already: a submit asked again */
	}
	/* At the cap, or unknown: count the entries whose job holds one. */
	if ((n = read_count(dir)) < 0 || (unsigned long)n >= max)
		n = count_places(dir, server, id, held, arg);
	if (n < 0)
		ct_warnerr("cannot read %s/state/slots.%s", sp->path, server);
	else if ((unsigned long)n >= max) {
		rc = 0;
		(void)write_count(dir, n);
	} else if (write_count(dir, n + 1) != 0 || make_entry(dir, id) != 0)
		ct_warnerr("cannot write %s/state/slots.%s/%s", sp->path,
		    server, id);
	else
		rc = 1;
	close(dir);	/* releases the lock */
	return rc;
}

void
slots_keep(struct spool *sp, const char *server, const char *id)
{
	int dir = slots_dir(sp, server, false);
	long n;

	if (dir < 0)
		return;
	if (faccessat(dir, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dir);
		return;
	}
	close(dir);
	/* Lost: made again, counted, under the lock. */
	if ((dir = slots_dir(sp, server, true)) < 0)
		return;
	if (faccessat(dir, id, F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
	    (write_count(dir, (n = read_count(dir)) < 0 ? 1 : n + 1) != 0 ||
	    make_entry(dir, id) != 0))
		ct_warnerr("cannot write %s/state/slots.%s/%s", sp->path,
		    server, id);
	close(dir);
}

void
slots_release(struct spool *sp, const char *server, const char *id)
{
	int dir = slots_dir(sp, server, true);
	long n;

	if (dir < 0)
		return;
	if (unlinkat(dir, id, 0) == 0) {
		if ((n = read_count(dir)) > 0)
			(void)write_count(dir, n - 1);
	} else if (errno != ENOENT)
		ct_warnerr("cannot remove %s/state/slots.%s/%s", sp->path,
		    server, id);
	close(dir);
}
