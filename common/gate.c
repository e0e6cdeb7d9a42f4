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

int
gate_pass(struct spool *sp, const char *server, unsigned interval,
    int64_t now, int64_t *open_usec)
{
	char name[160], text[32];
	const char *end;
	int64_t last = 0, open;
	ssize_t n;
	int d, fd, rc = -1;

	*open_usec = 0;
	if (interval == 0)
		return 1;
	snprintf(name, sizeof name, "requests.%s", server);
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
	if ((n = pread(fd, text, sizeof text - 1, 0)) > 0) {
		text[n] = '\0';
		/*
		 * Damaged state reads as no request yet; so does a time no
		 * clock will reach, which the interval added could overflow.
		 */
		if (parse_int64(text, &end, 0, INT64_MAX / 2, &last) != 0 ||
		    (*end != '\n' && *end != '\0'))
			last = 0;
	}
	open = last + (int64_t)interval * 1000000;
	/* A clock set back must not close the gate for as long. */
	if (now < open && last <= now) {
		*open_usec = open;
		rc = 0;
	} else {
		n = snprintf(text, sizeof text, "%" PRId64 "\n", now);
		if (pwrite(fd, text, (size_t)n, 0) != n ||
		    ftruncate(fd, n) != 0)
			ct_warnerr("cannot write %s/state/%s", sp->path, name);
		else
			rc = 1;
	}
	close(fd);	/* releases the lock */
	return rc;
}
