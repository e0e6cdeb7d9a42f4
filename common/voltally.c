/*
 * voltally.c: each volunteer's tally, credit and block (voltally.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomicfile.h"
#include "charset.h"
#include "voltally.h"

/* Volunteer vid's lock, locks/.VID, held: its descriptor, or -1. */
static int
lock_volunteer(struct taskstore *ts, const char *vid)
{
	char name[VOLUNTEER_ID_LEN + 2];
	int fd;

	snprintf(name, sizeof name, ".%s", vid);
	fd = openat(ts->locks, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

int
tally_read(struct taskstore *ts, const char *vid, struct tally *t)
{
	char line[256];
	ssize_t n;
	int fd = openat(ts->tally, vid, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	memset(t, 0, sizeof *t);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n < 0)
		return -1;
	line[n] = '\0';
	/* Written whole by the store alone: a line it cannot read is none. */
	if (sscanf(line, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %"
	    SCNd64 " %" SCNd64 " %" SCNd64, &t->valid, &t->invalid,
	    &t->expired, &t->cells, &t->invalid_run, &t->expired_run,
	    &t->valid_run) != 7)
		memset(t, 0, sizeof *t);
	return 0;
}

int
volunteer_block(struct taskstore *ts, const char *vid, const char *reason)
{
	char line[300];
	int n = snprintf(line, sizeof line, "%.280s\n", reason);

	return atomic_write(ts->blocked, vid, line, (size_t)n, 0600);
}

int
volunteer_unblock(struct taskstore *ts, const char *vid)
{
	if (unlinkat(ts->blocked, vid, 0) != 0)
		return -1;
	return dir_sync(ts->blocked);
}

int
volunteer_blocked(struct taskstore *ts, const char *vid, char *reason,
    size_t size)
{
	ssize_t n;
	int fd = openat(ts->blocked, vid, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (reason != NULL && size > 0) {
		n = read(fd, reason, size - 1);
		reason[n > 0 ? n : 0] = '\0';
		reason[strcspn(reason, "\n")] = '\0';
	}
	close(fd);
	return 1;
}

int
tally_add(struct taskstore *ts, const char *vid, enum verdict v,
    int64_t cells, const struct badhost_rule *rule)
{
	char line[256], why[128] = "";
	struct tally t;
	int lk, n, rc = -1;

	if ((lk = lock_volunteer(ts, vid)) < 0)
		return -1;
	if (tally_read(ts, vid, &t) != 0)
		goto out;
	switch (v) {
	case VERDICT_VALID:
		t.valid++;
		t.cells += cells > 0 ? cells : 0;
		t.valid_run++;
		t.invalid_run = t.expired_run = 0;
		break;
	case VERDICT_INVALID:
		t.invalid++;
		t.invalid_run++;
		t.valid_run = 0;
		if (rule != NULL && rule->invalid_max > 0 &&
		    t.invalid_run >= rule->invalid_max)
			snprintf(why, sizeof why, "%" PRId64 " results in a row "
			    "refuted by a quorum", t.invalid_run);
		break;
	case VERDICT_EXPIRED:
		t.expired++;
		t.expired_run++;
		if (rule != NULL && rule->expired_max > 0 &&
		    t.expired_run >= rule->expired_max)
			snprintf(why, sizeof why, "%" PRId64 " leases in a row "
			    "expired", t.expired_run);
		break;
	}
	n = snprintf(line, sizeof line, "%" PRId64 " %" PRId64 " %" PRId64
	    " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", t.valid,
	    t.invalid, t.expired, t.cells, t.invalid_run, t.expired_run,
	    t.valid_run);
	if (atomic_write(ts->tally, vid, line, (size_t)n, 0600) != 0)
		goto out;
	rc = 0;
	if (why[0] != '\0' && !volunteer_blocked(ts, vid, NULL, 0))
		rc = volunteer_block(ts, vid, why);
out:
	close(lk);
	return rc;
}

/* Name and team of volunteers/VID ("SECRET NAME", then "team TEAM"). */
static void
names_read(struct taskstore *ts, struct volunteer_info *v)
{
	char text[300], *nl, *team;
	ssize_t n;
	int fd = openat(ts->volunteers, v->vid, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);

	v->name[0] = v->team[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	if ((nl = strchr(text, '\n')) == NULL)
		return;
	*nl = '\0';
	if (strlen(text) > VOLUNTEER_SECRET_LEN + 1)
		snprintf(v->name, sizeof v->name, "%.64s",
		    text + VOLUNTEER_SECRET_LEN + 1);
	if (strncmp(nl + 1, "team ", 5) == 0) {
		team = nl + 6;
		team[strcspn(team, "\n")] = '\0';
		snprintf(v->team, sizeof v->team, "%.64s", team);
	}
}

int
volunteers_each(struct taskstore *ts, volunteer_fn fn, void *ctx)
{
	struct volunteer_info v;
	struct dirent *e;
	DIR *d;
	int fd = openat(ts->dirfd, "volunteers", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!chars_only(e->d_name, "0123456789abcdef",
		    VOLUNTEER_ID_LEN, VOLUNTEER_ID_LEN))
			continue;
		memset(&v, 0, sizeof v);
		memcpy(v.vid, e->d_name, VOLUNTEER_ID_LEN + 1);
		names_read(ts, &v);
		(void)tally_read(ts, v.vid, &v.t);
		v.blocked = volunteer_blocked(ts, v.vid, v.reason,
		    sizeof v.reason) == 1;
		fn(&v, ctx);
	}
	closedir(d);
	return 0;
}
