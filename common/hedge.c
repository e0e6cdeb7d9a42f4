/*
 * hedge.c: when a job is due a second attempt, and the spool's count of
 * them (hedge.h).
 *
 * state/hedges, one line: "USEC BEGUN HEDGED", the counts as they were
 * at USEC (microseconds since the Epoch), to be halved for every hour
 * since.
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
#include "hedge.h"
#include "util.h"

#define HEDGES_FILE "hedges"
#define HEDGES_MAX_SIZE 128

struct counts {
	double begun, hedged;
};

/* The counts of b at now; none if b holds none that can be read. */
static struct counts
parse_counts(const struct buf *b, int64_t now)
{
	struct counts c = { 0, 0 };
	int64_t since;
	char line[HEDGES_MAX_SIZE + 1];
	long long at;
	double f;

	snprintf(line, sizeof line, "%.*s", (int)b->len, b->data ?
	    b->data : "");
	if (sscanf(line, "%lld %lf %lf", &at, &c.begun, &c.hedged) != 3 ||
	    !(c.begun >= 0) || !(c.hedged >= 0) || c.begun > 1e12 ||
	    c.hedged > 1e12)
		return (struct counts){ 0, 0 };
	/*
	 * Halved each whole half-life, linearly in between (no libm); a
	 * clock set back counts as no time since.
	 */
	since = at < now ? now - at : 0;
	for (f = 1; since >= HEDGE_HALF_LIFE_USEC && f > 1e-9;
	    since -= HEDGE_HALF_LIFE_USEC)
		f /= 2;
	f *= 1 - 0.5 * (double)since / HEDGE_HALF_LIFE_USEC;
	c.begun *= f;
	c.hedged *= f;
	return c;
}

/*
 * Open state/hedges locked (fd), with its counts at now in *c. Returns
 * the descriptor, or -1 after printing why.
 */
static int
open_counts(struct spool *sp, int64_t now, struct counts *c, bool quiet)
{
	struct buf b = { 0 };
	int d, fd;

	if ((d = spool_dir(sp, SPOOL_STATE)) < 0 || (fd = openat(d,
	    HEDGES_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0660)) < 0) {
		if (!quiet)
			ct_warnerr("cannot open %s/state/" HEDGES_FILE,
			    sp->path);
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0 || read_bounded(fd, &b,
	    HEDGES_MAX_SIZE) < 0) {
		if (errno == EINTR)
			continue;
		if (!quiet)
			ct_warnerr("cannot read %s/state/" HEDGES_FILE,
			    sp->path);
		close(fd);
		buf_free(&b);
		return -1;
	}
	*c = parse_counts(&b, now);
	buf_free(&b);
	return fd;
}

/* Write c as at now on fd, and close it (the lock goes). 0, or -1. */
static int
close_counts(struct spool *sp, int fd, const struct counts *c, int64_t now)
{
	char line[HEDGES_MAX_SIZE];
	int n = snprintf(line, sizeof line, "%" PRId64 " %.6f %.6f\n", now,
	    c->begun, c->hedged), rc = 0;

	if (n < 0 || (size_t)n >= sizeof line ||
	    pwrite(fd, line, (size_t)n, 0) != n ||
	    ftruncate(fd, (off_t)n) != 0) {
		ct_warnerr("cannot write %s/state/" HEDGES_FILE, sp->path);
		rc = -1;
	}
	close(fd);
	return rc;
}

int
hedge_budget_begun(struct spool *sp, unsigned n, int64_t now)
{
	struct counts c;
	int fd;

	if (n == 0)
		return 0;
	if ((fd = open_counts(sp, now, &c, false)) < 0)
		return -1;
	c.begun += n;
	return close_counts(sp, fd, &c, now);
}

bool
hedge_budget_allows(double begun, double hedged, unsigned percent)
{
	/*
	 * A twentieth of a hedge's slack: the jobs of a spike decay for the
	 * minutes it takes them to run past their p90, and must still count
	 * whole.
	 */
	return (hedged + 1) * 100 <= begun * percent + 5;
}

int
hedge_budget_take(struct spool *sp, unsigned percent, int64_t now)
{
	struct counts c;
	int fd;

	if ((fd = open_counts(sp, now, &c, false)) < 0)
		return -1;
	if (!hedge_budget_allows(c.begun, c.hedged, percent)) {
		close(fd);
		return 0;
	}
	c.hedged += 1;
	return close_counts(sp, fd, &c, now) == 0 ? 1 : -1;
}

void
hedge_budget_return(struct spool *sp, int64_t now)
{
	struct counts c;
	int fd;

	if ((fd = open_counts(sp, now, &c, false)) < 0)
		return;
	c.hedged = c.hedged >= 1 ? c.hedged - 1 : 0;
	(void)close_counts(sp, fd, &c, now);
}

int
hedge_budget_read(struct spool *sp, int64_t now, double *begun,
    double *hedged)
{
	struct counts c = { 0, 0 };
	int fd = open_counts(sp, now, &c, true);

	*begun = c.begun;
	*hedged = c.hedged;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

bool
hedge_due(double age, double p90, unsigned done, char *why, size_t whylen)
{
	if (done < HEDGE_MIN_DONE || p90 < 0) {
		snprintf(why, whylen, "its server has %u runs done of the %d "
		    "a p90 needs", done, HEDGE_MIN_DONE);
		return false;
	}
	if (age <= p90) {
		snprintf(why, whylen, "run %.1f s, within its server's p90 of "
		    "%.1f s", age, p90);
		return false;
	}
	snprintf(why, whylen, "run %.1f s, past its server's p90 of %.1f s",
	    age, p90);
	return true;
}

bool
hedge_room(double left, double need, char *why, size_t whylen)
{
	if (left >= 0 && left < need) {
		snprintf(why, whylen, "%.1f s left before its deadline, less "
		    "than the %.1f s a second attempt is expected to take",
		    left, need);
		return false;
	}
	return true;
}
