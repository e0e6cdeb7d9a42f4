/*
 * quota.c: a server's daily quota of jobs, in the spool (quota.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "err.h"
#include "quota.h"
#include "util.h"

/*
 * The times in b still in the window at now, in the order written (the
 * oldest first), into times; how many. A line that is not a time, or a
 * time ahead of now by more than a window (a clock set back), is
 * dropped: damage costs at most a day's counting.
 */
static size_t
read_times(const struct buf *b, int64_t now, int64_t *times, size_t cap)
{
	const char *p = b->data, *end = b->data + b->len, *nl;
	size_t n = 0;
	int64_t t;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		const char *e;

		if (parse_int64(p, &e, 0, INT64_MAX / 2, &t) == 0 && e == nl &&
		    t > now - QUOTA_WINDOW_USEC && t <= now + QUOTA_WINDOW_USEC) {
			if (n == cap) {	/* over the cap: keep the newest */
				memmove(times, times + 1,
				    (cap - 1) * sizeof *times);
				n--;
			}
			times[n++] = t;
		}
		p = nl + 1;
	}
	return n;
}

int
quota_take(struct spool *sp, const char *server, unsigned max, int64_t now,
    int64_t *open_usec)
{
	return quota_take_kept(sp, server, max, max, now, open_usec);
}

int
quota_take_kept(struct spool *sp, const char *server, unsigned max,
    unsigned keep, int64_t now, int64_t *open_usec)
{
	char name[160];
	struct buf b = { 0 };
	int64_t *times;
	size_t n, i;
	int d, fd, rc = -1;

	*open_usec = 0;
	if (max == 0)
		return 1;
	snprintf(name, sizeof name, "quota.%s", server);
	if ((d = spool_dir(sp, SPOOL_STATE)) < 0 || (fd = openat(d, name,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660)) < 0) {
		ct_warnerr("cannot open %s/state/%s", sp->path, name);
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			ct_warnerr("cannot lock %s/state/%s", sp->path, name);
			close(fd);
			return -1;
		}
	if (keep < max)
		keep = max;
	times = xcalloc((size_t)keep + 1, sizeof *times);
	/*
	 * 21 bytes a line at most: bounded by the quota, whatever is there
	 * (a file written under a larger daily-max is cut to its start).
	 */
	if (read_bounded(fd, &b, ((size_t)keep + 1) * 21) < 0) {
		ct_warnerr("cannot read %s/state/%s", sp->path, name);
		goto out;
	}
	n = read_times(&b, now, times, keep);
	if (n >= max) {
		/* When as many as max are no longer in the window. */
		*open_usec = times[n - max] + QUOTA_WINDOW_USEC;
		rc = 0;
		goto out;
	}
	times[n++] = now;
	b.len = 0;
	for (i = 0; i < n; i++)
		buf_appendf(&b, "%" PRId64 "\n", times[i]);
	if (pwrite(fd, b.data, b.len, 0) != (ssize_t)b.len ||
	    ftruncate(fd, (off_t)b.len) != 0)
		ct_warnerr("cannot write %s/state/%s", sp->path, name);
	else
		rc = 1;
out:
	free(times);
	buf_free(&b);
	close(fd);	/* releases the lock */
	return rc;
}
