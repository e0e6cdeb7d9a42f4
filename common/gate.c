/*
 * gate.c: a server's request spacing, shared by every dispatcher (gate.h).
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
#include "gate.h"

/* SPOOL/state/requests.SERVER, open and locked; -1 printed. */
static int
gate_open(struct spool *sp, const char *server, char *name, size_t n)
{
	int d, fd;

	snprintf(name, n, "requests.%s", server);
	if ((d = spool_dir(sp, SPOOL_STATE)) < 0 || (fd = openat(d, name,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660)) < 0) {
		ct_warnerr("cannot open %s/state/%s", sp->path, name);
		return -1;
	}
	/*
	 * The lock is held only to read and write a number; the request
	 * itself goes out after it is released, so one slow server never
	 * holds up the dispatchers of another.
	 */
	if (flock(fd, LOCK_EX) != 0) {
		ct_warnerr("cannot lock %s/state/%s", sp->path, name);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The time in the state: damaged state reads as no request yet; so does a
 * time no clock will reach, which the interval added could overflow.
 */
static int64_t
gate_read(int fd)
{
	char text[32];
	const char *end;
	int64_t last;
	ssize_t n;

	if ((n = pread(fd, text, sizeof text - 1, 0)) <= 0)
		return 0;
	text[n] = '\0';
	if (parse_int64(text, &end, 0, INT64_MAX / 2, &last) != 0 ||
	    (*end != '\n' && *end != '\0'))
		return 0;
	return last;
}

static int
gate_write(struct spool *sp, int fd, const char *name, int64_t t)
{
	char text[32];
	int n = snprintf(text, sizeof text, "%" PRId64 "\n", t);

	if (pwrite(fd, text, (size_t)n, 0) != n || ftruncate(fd, n) != 0) {
		ct_warnerr("cannot write %s/state/%s", sp->path, name);
		return -1;
	}
	return 0;
}

int
gate_pass(struct spool *sp, const char *server, unsigned interval,
    int64_t busy_usec, int64_t now, int64_t *open_usec)
{
	char name[160];
	int64_t last, open;
	int fd, rc = -1;

	*open_usec = 0;
	if (interval == 0)
		return 1;
	if ((fd = gate_open(sp, server, name, sizeof name)) < 0)
		return -1;
	last = gate_read(fd);
	open = last + (int64_t)interval * 1000000;
	/*
	 * A call under way has its bound in the state, ahead of now; a time
	 * further ahead than any call is a clock set back, which must not
	 * close the gate for as long.
	 */
	if (now < open && last <= now + busy_usec) {
		*open_usec = open;
		rc = 0;
	} else if (gate_write(sp, fd, name, now + busy_usec) == 0)
		rc = 1;
	close(fd);	/* releases the lock */
	return rc;
}

void
gate_done(struct spool *sp, const char *server, int64_t bound, int64_t end)
{
	char name[160];
	int fd;

	if ((fd = gate_open(sp, server, name, sizeof name)) < 0)
		return;
	/* Only our own bound: another's, after ours ran out, is theirs. */
	if (gate_read(fd) == bound && end < bound)
		(void)gate_write(sp, fd, name, end);
	close(fd);
}
