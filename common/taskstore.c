/*
 * taskstore.c: ct-serve's task store (taskstore.h, FILES of ct-serve(8)).
 *
 * Every name that reaches the file system is a fixed directory name, a
 * task ID that passed task_id_valid() or a volunteer ID of hex digits,
 * opened relative to a directory descriptor with O_NOFOLLOW.
 *
 * Each change to a task is made under its lock, locks/ID, taken with
 * flock(2): a process killed at any instant drops it, and the next one
 * finds the task in exactly one state. A task's marker holds its leases;
 * a state changes by the marker's rename, and what a change adds to the
 * marker (a lease; the line that says which lease completed it, and the
 * result after it) is appended and synced before that rename, so that a
 * hand-out and a result each cost one file's sync and one directory's, the
 * least a durable write can. The claim itself is the rename
 * of open/ID to leased/ID: a lease never reaches a volunteer unless it
 * was recorded first, and a crash between the two leaves the task open
 * with a lease nobody was given. Only the directory a marker goes to is
 * synced: after a power failure a marker may also be found where it
 * was, and the order of the states decides (it is removed when seen).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "charset.h"
#include "jobid.h"
#include "taskstore.h"
#include "voltally.h"

/*
 * No more of a marker is read for its leases: 50 lease lines and the
 * done line (under 4 kB) fit, and the result after them is not read.
 */
#define MAX_LEASES_HEAD (16 * 1024)
/* The largest copy of a result read back to compare (result.h's). */
#define RESULT_COPY_MAX (512UL * 1024 * 1024)

static const char id_chars[] = CHARS_ALNUM "_.-";
static const char hex_chars[] = "0123456789abcdef";

bool
task_id_valid(const char *id)
{
	return id[0] != '.' && chars_only(id, id_chars, 1, TASK_ID_MAX);
}

const char *
task_state_name(enum task_state s)
{
	switch (s) {
	case TASK_OPEN: return "open";
	case TASK_LEASED: return "leased";
	case TASK_DONE: return "done";
	case TASK_CANCELLED: return "cancelled";
	case TASK_FAILED: return "failed";
	default: return "none";
	}
}

/* Each thread's own: ct-serve answers requests in several. */
static _Thread_local char why[512];

const char *
taskstore_why(void)
{
	return why;
}

/* Fill why and return TS_ERROR, errno kept. */
static int
fail(struct taskstore *ts, const char *what, const char *id)
{
	int saved = errno;

	(void)ts;
	snprintf(why, sizeof why, "%s%s%.120s: %s", what,
	    id != NULL ? " " : "", id != NULL ? id : "", strerror(saved));
	errno = saved;
	return TS_ERROR;
}

int
random_hex(char *out, size_t n)
{
	unsigned char r[64];
	size_t got = 0, i;
	ssize_t k;

	if (n > sizeof r) {
		errno = EINVAL;
		return -1;
	}
	while (got < n) {
		k = getrandom(r + got, n - got, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	for (i = 0; i < n; i++) {
		out[2 * i] = hex_chars[r[i] >> 4];
		out[2 * i + 1] = hex_chars[r[i] & 0xf];
	}
	out[2 * n] = '\0';
	return 0;
}

static int
open_subdir(struct taskstore *ts, const char *name, bool create)
{
	int fd;

	if (create && mkdirat(ts->dirfd, name, 0700) != 0 && errno != EEXIST)
		return -1;
	fd = openat(ts->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	return fd;
}

int
taskstore_open(struct taskstore *ts, const char *path, bool create)
{
	static const char *const names[] = { "tmp", "tasks", "open", "leased",
	    "done", "cancelled", "locks", "volunteers", "blobs", "fetched",
	    "components", "failed", "copies", "tally", "blocked" };
	int *fds[] = { &ts->tmp, &ts->tasks, &ts->open, &ts->leased,
	    &ts->done, &ts->cancelled, &ts->locks,
	    &ts->volunteers, &ts->blobs, &ts->fetched, &ts->components,
	    &ts->failed, &ts->copies, &ts->tally, &ts->blocked };
	size_t i;

	memset(ts, 0, sizeof *ts);
	openindex_init(&ts->open_idx);
	ts->path = xstrdup(path);
	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		*fds[i] = -1;
	if (create && mkdir(path, 0700) != 0 && errno != EEXIST)
		return fail(ts, "cannot create", path);
	ts->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ts->dirfd < 0)
		return fail(ts, "cannot open", path);
	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if ((*fds[i] = open_subdir(ts, names[i], create)) < 0)
			return fail(ts, "cannot open the store's directory",
			    names[i]);
	if (create && (dir_sync(ts->dirfd) != 0 ||
	    dir_sync_parent(AT_FDCWD, path) != 0))
		return fail(ts, "cannot sync", path);
	return TS_OK;
}

void
taskstore_close(struct taskstore *ts)
{
	int *fds[] = { &ts->dirfd, &ts->tmp, &ts->tasks, &ts->open,
	    &ts->leased, &ts->done, &ts->cancelled, &ts->locks,
	    &ts->volunteers, &ts->blobs, &ts->fetched, &ts->components,
	    &ts->failed, &ts->copies, &ts->tally, &ts->blocked };
	size_t i;

	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(ts->path);
	ts->path = NULL;
	openindex_free(&ts->open_idx);
}

/* The lock of task id: its descriptor; -1 (EWOULDBLOCK if nb and busy). */
static int
lock_task(struct taskstore *ts, const char *id, bool nb)
{
	int fd, saved;

	fd = openat(ts->locks, id, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | (nb ? LOCK_NB : 0)) != 0) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static void
unlock_task(int fd)
{
	close(fd);
}

/*
 * The lock of a task that should exist, into *lk: TS_OK; TS_NOTFOUND if
 * it has neither lock nor record (a call for an unknown task makes no
 * lock file, which would outlive the purge); TS_ERROR.
 */
static int
lock_known(struct taskstore *ts, const char *id, int *lk)
{
	int fd = openat(ts->locks, id, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (faccessat(ts->tasks, id, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			return TS_NOTFOUND;
		fd = lock_task(ts, id, false);
	} else if (fd >= 0) {
		int r;

		while ((r = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
			;
		if (r != 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			fd = -1;
		}
	}
	if (fd < 0)
		return fail(ts, "cannot lock task", id);
	*lk = fd;
	return TS_OK;
}

static bool
present(int dirfd, const char *id)
{
	return faccessat(dirfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int
state_dir(struct taskstore *ts, enum task_state st)
{
	switch (st) {
	case TASK_OPEN: return ts->open;
	case TASK_LEASED: return ts->leased;
	case TASK_DONE: return ts->done;
	case TASK_CANCELLED: return ts->cancelled;
	case TASK_FAILED: return ts->failed;
	default: return -1;
	}
}

/*
 * The task's state, its lock held. *marked says whether its marker is
 * there (an open task cut short in its submit has none).
 */
static enum task_state
state_locked(struct taskstore *ts, const char *id, bool *marked)
{
	static const enum task_state order[] = { TASK_DONE, TASK_FAILED,
	    TASK_CANCELLED, TASK_LEASED, TASK_OPEN };
	size_t i;

	*marked = true;
	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if (present(state_dir(ts, order[i]), id))
			return order[i];
	*marked = false;
	return present(ts->tasks, id) ? TASK_OPEN : TASK_NONE;
}

/* Create dirfd/id, an empty marker, and make it last. */
static int
make_marker(struct taskstore *ts, int dirfd, const char *id)
{
	int fd = openat(dirfd, id, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);

	if (fd < 0 || file_seal(fd) != 0)
		return fail(ts, "cannot make the marker of", id);
	if (dir_sync(dirfd) != 0)
		return fail(ts, "cannot sync the marker of", id);
	return TS_OK;
}

/* Move the marker of id from one state to another, durably. */
static int
move_marker(struct taskstore *ts, const char *id, enum task_state from,
    enum task_state to)
{
	int f = state_dir(ts, from), t = state_dir(ts, to);

	if (renameat(f, id, t, id) != 0)
		return fail(ts, "cannot move the marker of", id);
	if (dir_sync(t) != 0 || dir_sync(f) != 0)
		return fail(ts, "cannot sync the move of", id);
	return TS_OK;
}

/*
 * Put leased task id back in open/, its marker and the leases in it
 * moved. Only open/ is synced: a leased marker that came back after a
 * crash holds a lease that has ended, and is put back again.
 */
static int
reopen(struct taskstore *ts, const char *id)
{
	if (renameat(ts->leased, id, ts->open, id) != 0)
		return fail(ts, "cannot move the marker of", id);
	if (dir_sync(ts->open) != 0)
		return fail(ts, "cannot sync the move of", id);
	return TS_OK;
}

/* Read dirfd/name whole, at most max bytes. 0; 1: no such file; -1. */
static int
read_file(int dirfd, const char *name, struct buf *out, size_t max)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc;

	out->len = 0;
	buf_append(out, "", 0);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	rc = read_bounded(fd, out, max);
	close(fd);
	if (rc > 0) {
		errno = EFBIG;
		return -1;
	}
	return rc;
}

static int make_open_marker(struct taskstore *ts, const char *id,
    const struct quorum *q);

int
taskstore_submit(struct taskstore *ts, const char *id, const char *record,
    size_t len, const struct quorum *q)
{
	enum task_state st;
	bool marked;
	int lk, rc;

	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
	st = state_locked(ts, id, &marked);
	if (st != TASK_NONE) {
		rc = TS_EXISTS;
		if (!marked && make_open_marker(ts, id, q) != TS_OK)
			rc = TS_ERROR;
		unlock_task(lk);
		return rc;
	}
	/* The record first, whole; the marker that makes it open after. */
	if (atomic_write(ts->tasks, id, record, len, 0600) != 0) {
		rc = fail(ts, "cannot write task", id);
	} else if ((rc = make_open_marker(ts, id, q)) == TS_OK) {
		openindex_add(&ts->open_idx, id, now_usec());
	}
	unlock_task(lk);
	return rc;
}

int
taskstore_state(struct taskstore *ts, const char *id, enum task_state *st)
{
	bool marked;
	int lk, rc;

	*st = TASK_NONE;
	if ((rc = lock_known(ts, id, &lk)) != TS_OK)
		return rc == TS_NOTFOUND ? TS_OK : rc;
	*st = state_locked(ts, id, &marked);
	unlock_task(lk);
	return TS_OK;
}

int
taskstore_record(struct taskstore *ts, const char *id, struct buf *out,
    size_t max)
{
	int rc = read_file(ts->tasks, id, out, max);

	if (rc == 1)
		return TS_NOTFOUND;
	return rc == 0 ? TS_OK : fail(ts, "cannot read task", id);
}

int
taskstore_cancel(struct taskstore *ts, const char *id)
{
	enum task_state st;
	bool marked;
	int lk, rc = TS_OK;

	if ((rc = lock_known(ts, id, &lk)) != TS_OK)
		return rc;
	st = state_locked(ts, id, &marked);
	if (st == TASK_NONE)
		rc = TS_NOTFOUND;
	else if (!marked)
		rc = make_marker(ts, ts->cancelled, id);
	else if (st != TASK_CANCELLED)
		rc = move_marker(ts, id, st, TASK_CANCELLED);
	unlock_task(lk);
	return rc;
}

/*
 * One line of a task's marker: "LEASE VID EXPIRES [BLOCK]", a lease it
 * was given (to a volunteer of address block BLOCK, for a quorum), and
 * what a later line "posted LEASE CLASS" says of its copy.
 */
struct lease_line {
	char lease[LEASE_LEN + 1];
	char vid[VOLUNTEER_ID_LEN + 1];
	int64_t expires;
	char block[TASK_BLOCK_MAX + 1];
	bool posted;
	int cls;		/* its copy's class of agreement */
	bool alone;		/* "alone LEASE": a trusted volunteer's */
};

/*
 * What a task's marker holds: its quorum (a first line "quorum K MAX",
 * none for 1), the leases it was given, oldest first, and in done/, a
 * last line "done LEASE", the lease that completed it; in failed/ a line
 * "failed", the reason after it.
 */
struct leases {
	struct quorum q;
	struct lease_line l[TASK_MAX_LEASES];
	size_t n;
	char done_by[LEASE_LEN + 1];	/* "" unless done */
	size_t valid;		/* the bytes of whole lines in the marker */
};

static const char block_chars[] = "0123456789abcdef.:/";

/* Parse one lease line p..end into l: 0, or -1. */
static int
lease_parse(const char *p, const char *end, struct lease_line *l)
{
	const char *q;

	if (end - p < LEASE_LEN + VOLUNTEER_ID_LEN + 3 ||
	    p[LEASE_LEN] != ' ' || p[LEASE_LEN + 1 + VOLUNTEER_ID_LEN] != ' ' ||
	    !span_only(p, LEASE_LEN, hex_chars) ||
	    !span_only(p + LEASE_LEN + 1, VOLUNTEER_ID_LEN, hex_chars) ||
	    parse_int64(p + LEASE_LEN + VOLUNTEER_ID_LEN + 2, &q, 0,
	    INT64_MAX / 2, &l->expires) != 0)
		return -1;
	l->block[0] = '\0';
	if (q != end && (*q != ' ' || end - q - 1 < 1 ||
	    end - q - 1 > TASK_BLOCK_MAX ||
	    !span_only(q + 1, (size_t)(end - q - 1), block_chars)))
		return -1;
	if (q != end) {
		memcpy(l->block, q + 1, (size_t)(end - q - 1));
		l->block[end - q - 1] = '\0';
	}
	memcpy(l->lease, p, LEASE_LEN);
	l->lease[LEASE_LEN] = '\0';
	memcpy(l->vid, p + LEASE_LEN + 1, VOLUNTEER_ID_LEN);
	l->vid[VOLUNTEER_ID_LEN] = '\0';
	l->posted = false;
	l->cls = -1;
	l->alone = false;
	return 0;
}

/* Parse "alone LEASE" p..end, marking the lease it names: 0, or -1. */
static int
alone_parse(const char *p, const char *end, struct leases *ls)
{
	size_t i;

	if (end - p != 6 + LEASE_LEN || strncmp(p, "alone ", 6) != 0 ||
	    !span_only(p + 6, LEASE_LEN, hex_chars))
		return -1;
	for (i = 0; i < ls->n; i++)
		if (strncmp(ls->l[i].lease, p + 6, LEASE_LEN) == 0) {
			ls->l[i].alone = true;
			return 0;
		}
	return -1;
}

/* Parse "quorum K MAX" p..end into q: 0, or -1. */
static int
quorum_parse(const char *p, const char *end, struct quorum *q)
{
	int64_t k, max;
	const char *r;

	if (end - p < 7 || strncmp(p, "quorum ", 7) != 0 ||
	    parse_int64(p + 7, &r, 1, TASK_MAX_LEASES, &k) != 0 ||
	    *r != ' ' || parse_int64(r + 1, &r, k, QUORUM_MAX_COPIES, &max) !=
	    0 || r != end)
		return -1;
	q->k = (int)k;
	q->max = (int)max;
	return 0;
}

/* Parse "posted LEASE CLASS" p..end into the lease it names: 0, or -1. */
static int
posted_parse(const char *p, const char *end, struct leases *ls)
{
	const char *r;
	int64_t cls;
	size_t i;

	if (end - p < 7 + LEASE_LEN + 2 || strncmp(p, "posted ", 7) != 0 ||
	    !span_only(p + 7, LEASE_LEN, hex_chars) || p[7 + LEASE_LEN] != ' '
	    || parse_int64(p + 8 + LEASE_LEN, &r, 0, TASK_MAX_LEASES, &cls) !=
	    0 || r != end)
		return -1;
	for (i = 0; i < ls->n; i++)
		if (strncmp(ls->l[i].lease, p + 7, LEASE_LEN) == 0) {
			ls->l[i].posted = true;
			ls->l[i].cls = (int)cls;
			return 0;
		}
	return -1;
}

/*
 * The leases in the head of a marker open on fd, of a done task if done.
 * Parsing stops at the line "done LEASE": in done/ it ends the head, and
 * the result follows; elsewhere it began a completion that a crash cut
 * short before its rename, never counted, cut off (with what follows it)
 * at the next append. 0, or -1 (errno; EBADMSG: corrupt).
 */
static int
leases_parse(int fd, bool done, struct leases *ls)
{
	struct buf b = { NULL, 0, 0 };
	const char *p, *end = NULL;
	bool ended = false;
	ssize_t k = 0;
	int rc;

	ls->n = 0;
	ls->done_by[0] = '\0';
	ls->valid = 0;
	ls->q.k = ls->q.max = 1;
	buf_append(&b, "", 0);
	while (b.len < MAX_LEASES_HEAD &&
	    (k = buf_read(fd, &b, MAX_LEASES_HEAD - b.len)) > 0)
		;
	if (k < 0) {
		buf_free(&b);
		return -1;
	}
	for (p = b.data; *p != '\0'; p = end + 1) {
		/*
		 * A last line cut short was being appended when the power
		 * went: it was never synced, so never counted; it is cut off
		 * at the next append.
		 */
		if ((end = strchr(p, '\n')) == NULL) {
			p += strlen(p);
			break;
		}
		if (end - p == 5 + LEASE_LEN && strncmp(p, "done ", 5) == 0 &&
		    span_only(p + 5, LEASE_LEN, hex_chars)) {
			ended = true;
			if (done) {
				memcpy(ls->done_by, p + 5, LEASE_LEN);
				ls->done_by[LEASE_LEN] = '\0';
				ls->valid = (size_t)(end + 1 - b.data);
			}
			break;
		}
		if (end - p == 6 && strncmp(p, "failed", 6) == 0) {
			/* Only in failed/, where the reason follows. */
			ended = true;
			if (done)
				ls->valid = (size_t)(end + 1 - b.data);
			break;
		}
		if (p == b.data && quorum_parse(p, end, &ls->q) == 0) {
			ls->valid = (size_t)(end + 1 - b.data);
			continue;
		}
		if (posted_parse(p, end, ls) == 0 ||
		    alone_parse(p, end, ls) == 0) {
			ls->valid = (size_t)(end + 1 - b.data);
			continue;
		}
		if (ls->n == TASK_MAX_LEASES ||
		    lease_parse(p, end, &ls->l[ls->n]) != 0)
			break;
		ls->n++;
		ls->valid = (size_t)(end + 1 - b.data);
	}
	/* Whole lines to the end of what was read, or to the done line. */
	rc = ended || (*p == '\0' && b.len < MAX_LEASES_HEAD) ? 0 : -1;
	if (done && !ended)
		rc = -1;
	buf_free(&b);
	if (rc != 0)
		errno = EBADMSG;
	return rc;
}

/*
 * The leases of task id, whose state is st, from its marker (none if it
 * has no marker: a submit cut short). 0, or -1 (errno; EBADMSG: corrupt).
 */
static int
leases_read(struct taskstore *ts, const char *id, enum task_state st,
    bool marked, struct leases *ls)
{
	int fd, rc;

	ls->n = 0;
	ls->done_by[0] = '\0';
	ls->valid = 0;
	ls->q.k = ls->q.max = 1;
	if (!marked)
		return 0;
	fd = openat(state_dir(ts, st), id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = leases_parse(fd, st == TASK_DONE || st == TASK_FAILED, ls);
	close(fd);
	return rc;
}

int
taskstore_result(struct taskstore *ts, const char *id, int *fd,
    off_t *offset, size_t *size)
{
	struct leases ls;
	enum task_state st;
	struct stat s;
	int rc;

	if ((rc = taskstore_state(ts, id, &st)) != TS_OK)
		return rc;
	if (st == TASK_NONE)
		return TS_NOTFOUND;
	if (st != TASK_DONE)
		return TS_CONFLICT;
	/* A done marker is written whole, result and all, never after. */
	*fd = openat(ts->done, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return fail(ts, "cannot open the result of", id);
	if (leases_parse(*fd, true, &ls) != 0 || fstat(*fd, &s) != 0) {
		rc = fail(ts, "cannot read the result of", id);
		close(*fd);
		return rc;
	}
	*offset = (off_t)ls.valid;
	*size = (size_t)s.st_size - ls.valid;
	return TS_OK;
}

/*
 * Write task id's marker holding ls, and after them the result data[0..len)
 * of a done one, whole, into directory to: made in tmp/, synced, renamed
 * there (over the one there if replace, else never over one). The caller
 * syncs to.
 */
static int
marker_write(struct taskstore *ts, const char *id, const struct leases *ls,
    const char *data, size_t len, int to, bool replace)
{
	struct buf b = { NULL, 0, 0 }, tmp = { NULL, 0, 0 };
	size_t i;
	int fd, rc = TS_OK;

	if (ls->q.k > 1)
		buf_appendf(&b, "quorum %d %d\n", ls->q.k, ls->q.max);
	for (i = 0; i < ls->n; i++)
		buf_appendf(&b, "%s %s %" PRId64 "%s%s\n", ls->l[i].lease,
		    ls->l[i].vid, ls->l[i].expires, ls->l[i].block[0] ? " " :
		    "", ls->l[i].block);
	for (i = 0; i < ls->n; i++) {
		if (ls->l[i].alone)
			buf_appendf(&b, "alone %s\n", ls->l[i].lease);
		if (ls->l[i].posted)
			buf_appendf(&b, "posted %s %d\n", ls->l[i].lease,
			    ls->l[i].cls);
	}
	if (ls->done_by[0] != '\0')
		buf_appendf(&b, "done %s\n", ls->done_by);
	buf_appendf(&tmp, "%s.%ld.%s", id, (long)getpid(), jobid_nonce());
	fd = file_create(ts->tmp, tmp.data, 0600);
	if (fd < 0 || write_all(fd, b.data, b.len) != 0 ||
	    write_all(fd, data, len) != 0 || file_seal(fd) != 0) {
		if (fd >= 0) {
			close(fd);
			unlinkat(ts->tmp, tmp.data, 0);
		}
		rc = fail(ts, "cannot write the marker of", id);
	} else if ((replace ? renameat(ts->tmp, tmp.data, to, id) :
	    rename_noreplace(ts->tmp, tmp.data, to, id)) != 0) {
		rc = fail(ts, "cannot put the marker of", id);
		unlinkat(ts->tmp, tmp.data, 0);
	}
	buf_free(&b);
	buf_free(&tmp);
	return rc;
}

/*
 * Make task id's marker in open/, its first line its quorum q (none for
 * a quorum of 1), and make it last.
 */
static int
make_open_marker(struct taskstore *ts, const char *id, const struct quorum *q)
{
	struct leases ls;

	if (q == NULL || q->k <= 1)
		return make_marker(ts, ts->open, id);
	memset(&ls, 0, sizeof ls);
	ls.q = *q;
	if (marker_write(ts, id, &ls, NULL, 0, ts->open, false) != TS_OK)
		return TS_ERROR;
	if (dir_sync(ts->open) != 0)
		return fail(ts, "cannot sync the marker of", id);
	return TS_OK;
}

/*
 * Append line, and data[0..len) after it, to task id's marker in dirfd,
 * after its ls->valid bytes of whole lines (what a crash left of an
 * append is cut off first), and sync it. The caller then renames the
 * marker: the append counts only from that rename on. No new file, so no
 * inode to allocate and none to free, and no directory but the one the
 * marker goes to to sync: the hand-out's and the result's cost.
 */
static int
marker_append(struct taskstore *ts, int dirfd, const char *id,
    const struct leases *ls, const char *line, const char *data, size_t len)
{
	struct stat st;
	int fd = openat(dirfd, id, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return fail(ts, "cannot open the marker of", id);
	rc = fstat(fd, &st) != 0 ||
	    ((size_t)st.st_size != ls->valid &&
	    ftruncate(fd, (off_t)ls->valid) != 0) ||
	    lseek(fd, (off_t)ls->valid, SEEK_SET) < 0 ||
	    write_all(fd, line, strlen(line)) != 0 ||
	    write_all(fd, data, len) != 0 || fdatasync(fd) != 0;
	if (close(fd) != 0)
		rc = 1;
	return rc == 0 ? TS_OK : fail(ts, "cannot add to the marker of", id);
}

/* The index of vid's lease in l[0..n), or -1. */
static int
lease_find(const struct lease_line *l, size_t n, const char *vid,
    const char *lease)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].lease, lease) == 0 &&
		    strcmp(l[i].vid, vid) == 0)
			return (int)i;
	return -1;
}

/*
 * A listing of the store's directory name, opened anew: a dup(2) of the
 * directory's descriptor would share its offset with every other thread
 * reading it.
 */
static DIR *
open_listing(struct taskstore *ts, const char *name)
{
	int fd = openat(ts->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/*
 * Whether volunteer vid gets a quorum's task alone (adaptive
 * replication): a long enough run of validated results, and the spot
 * check's draw says so.
 */
static bool
trusted(struct taskstore *ts, const char *vid)
{
	struct tally t;
	unsigned char r;

	/*
	 * A run alone would trust a volunteer that lies now and then once
	 * its luck lasts: its record as a whole must be clean too, at most
	 * one result refuted in a hundred.
	 */
	if (ts->trust_run <= 0 || tally_read(ts, vid, &t) != 0 ||
	    t.valid_run < ts->trust_run || t.invalid * 100 > t.valid)
		return false;
	if (getrandom(&r, 1, 0) != 1)
		return false;
	/* r in 0..255: below spot_percent of 256, a spot check. */
	return (int)r * 100 >= ts->spot_percent * 256;
}

/*
 * Hand task id out, its lock held and its marker in open/: the new lease
 * appended to the marker and synced, then the marker renamed to leased/,
 * which alone gives the task out, and leased/ synced. Two syncs in all;
 * open/ need not be synced, as a marker found in both counts as leased.
 */
static int
claim_locked(struct taskstore *ts, const char *id, const char *vid,
    const char *block, int lease_secs, struct task_lease *out)
{
	char line[2 * LEASE_LEN + VOLUNTEER_ID_LEN + TASK_BLOCK_MAX + 48];
	struct leases ls;
	struct lease_line *l;
	size_t i;
	int rc;

	if (leases_read(ts, id, TASK_OPEN, true, &ls) != 0)
		return fail(ts, "cannot read the leases of", id);
	if (ls.n >= TASK_MAX_LEASES)
		return TS_NOWORK;	/* given out too often: left to expire */
	/* A quorum's copies each go to a volunteer, and a block, of its own. */
	for (i = 0; ls.q.k > 1 && i < ls.n; i++)
		if (strcmp(ls.l[i].vid, vid) == 0 || (block[0] != '\0' &&
		    strcmp(ls.l[i].block, block) == 0))
			return TS_FORBIDDEN;
	l = &ls.l[ls.n];
	if (random_hex(l->lease, LEASE_LEN / 2) != 0)
		return fail(ts, "cannot make a lease for", id);
	memcpy(l->vid, vid, VOLUNTEER_ID_LEN + 1);
	l->expires = now_usec() / 1000000 + lease_secs;
	snprintf(line, sizeof line, "%s %s %" PRId64 "%s%.*s\n", l->lease,
	    l->vid, l->expires, ls.q.k > 1 && block[0] ? " " : "",
	    ls.q.k > 1 ? TASK_BLOCK_MAX : 0, block);
	/* Its lease line and the word that it runs alone, in one append. */
	if (ls.q.k > 1 && ls.n == 0 && trusted(ts, vid))
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    "alone %s\n", l->lease);
	if ((rc = marker_append(ts, ts->open, id, &ls, line, NULL, 0)) !=
	    TS_OK)
		return rc;
	if (renameat(ts->open, id, ts->leased, id) != 0)
		return fail(ts, "cannot move the marker of", id);
	if (dir_sync(ts->leased) != 0)
		return fail(ts, "cannot sync the lease of", id);
	snprintf(out->id, sizeof out->id, "%s", id);
	memcpy(out->lease, l->lease, LEASE_LEN + 1);
	out->expires = l->expires;
	return TS_OK;
}

int
taskstore_claim(struct taskstore *ts, const char *vid, const char *block,
    int lease_secs, size_t scan_max, task_match_fn match, void *ctx,
    struct task_lease *out)
{
	char id[TASK_ID_MAX + 1];
	size_t seen = 0, pos = 0;
	uint64_t gen = 0;
	int rc = TS_NOWORK;

	memset(out, 0, sizeof *out);
	while (rc == TS_NOWORK && seen < scan_max &&
	    openindex_next(&ts->open_idx, &pos, &gen, id, sizeof id) == 0) {
		enum task_state st;
		bool marked, taken = true;
		int lk;

		seen++;
		if (!task_id_valid(id)) {
			;	/* not a task's name: never one to look at */
		} else if ((lk = lock_task(ts, id, true)) < 0) {
			/* Another process is at it: the next one, not wait. */
			taken = false;
		} else {
			st = state_locked(ts, id, &marked);
			if (st != TASK_OPEN) {
				/* A marker left by a crash beside the real one. */
				if (st == TASK_DONE || st == TASK_CANCELLED ||
				    st == TASK_FAILED)
					unlinkat(ts->open, id, 0);
			} else if (taskstore_record(ts, id, &out->record,
			    16 * 1024 * 1024) == TS_OK &&
			    match(out->record.data, out->record.len, ctx)) {
				/* Handed out, or out of leases: not again. */
				rc = claim_locked(ts, id, vid, block,
				    lease_secs, out);
				/* A copy of it ran here: another's. */
				if (rc == TS_FORBIDDEN) {
					rc = TS_NOWORK;
					taken = false;
				}
			} else {
				taken = false;	/* not this volunteer's */
			}
			unlock_task(lk);
		}
		openindex_done(&ts->open_idx, pos, gen, taken);
		pos++;
	}
	if (rc != TS_OK)
		buf_free(&out->record);
	return rc;
}

int
taskstore_refresh(struct taskstore *ts, bool force)
{
	if (openindex_rebuild(&ts->open_idx, ts->open, ts->tasks, force) != 0)
		return fail(ts, "cannot list", "open/");
	return TS_OK;
}

/*
 * The checks heartbeat and release share, the lock held: TS_OK with the
 * leases in *ls and vid's lease last among them, or why not.
 */
static int
current_lease(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, struct leases *ls)
{
	bool marked;
	enum task_state st = state_locked(ts, id, &marked);

	if (st == TASK_NONE)
		return TS_NOTFOUND;
	if (leases_read(ts, id, st, marked, ls) != 0)
		return fail(ts, "cannot read the leases of", id);
	if (lease_find(ls->l, ls->n, vid, lease) < 0)
		return TS_FORBIDDEN;
	if (st == TASK_CANCELLED || st == TASK_FAILED)
		return TS_GONE;
	if (st != TASK_LEASED || strcmp(ls->l[ls->n - 1].lease, lease) != 0 ||
	    ls->l[ls->n - 1].posted)
		return TS_CONFLICT;
	return TS_OK;
}

int
taskstore_heartbeat(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, int lease_secs, int64_t *expires)
{
	struct leases ls;
	int lk, rc;

	if ((rc = lock_known(ts, id, &lk)) != TS_OK)
		return rc;
	rc = current_lease(ts, id, vid, lease, &ls);
	if (rc == TS_OK) {
		ls.l[ls.n - 1].expires = now_usec() / 1000000 + lease_secs;
		*expires = ls.l[ls.n - 1].expires;
		rc = marker_write(ts, id, &ls, NULL, 0, ts->leased, true);
		if (rc == TS_OK && dir_sync(ts->leased) != 0)
			rc = fail(ts, "cannot sync the lease of", id);
	}
	unlock_task(lk);
	return rc;
}

int
taskstore_release(struct taskstore *ts, const char *id, const char *vid,
    const char *lease)
{
	struct leases ls;
	int lk, rc;

	if ((rc = lock_known(ts, id, &lk)) != TS_OK)
		return rc;
	rc = current_lease(ts, id, vid, lease, &ls);
	if (rc == TS_OK)
		rc = reopen(ts, id);
	unlock_task(lk);
	return rc;
}

/*
 * Mark task id done by lease with its result data[0..len): the line
 * "done LEASE" and the result appended to its marker and synced, the
 * marker renamed to done/, and done/ synced; two syncs, as a hand-out's.
 * (A task with no marker, whose submit was cut short, gets a new one.)
 */
static int
mark_done(struct taskstore *ts, const char *id, enum task_state from,
    bool marked, struct leases *ls, const char *lease, const char *data,
    size_t len)
{
	char line[LEASE_LEN + 8];
	int rc;

	if (!marked) {
		memcpy(ls->done_by, lease, LEASE_LEN + 1);
		rc = marker_write(ts, id, ls, data, len, ts->done, false);
	} else {
		snprintf(line, sizeof line, "done %s\n", lease);
		if ((rc = marker_append(ts, state_dir(ts, from), id, ls,
		    line, data, len)) == TS_OK && renameat(state_dir(ts, from),
		    id, ts->done, id) != 0)
			rc = fail(ts, "cannot mark done", id);
	}
	if (rc == TS_OK && dir_sync(ts->done) != 0)
		rc = fail(ts, "cannot sync the done marker of", id);
	return rc;
}

/* The name of the copy of task id under lease: "ID.LEASE". */
static void
copy_name(char *out, size_t size, const char *id, const char *lease)
{
	snprintf(out, size, "%s.%s", id, lease);
}

/*
 * The class of agreement of data[0..len) among the copies of ls posted
 * before: the first whose copy agrees with it, or a new one.
 */
static int
copy_class(struct taskstore *ts, const char *id, const struct leases *ls,
    const char *data, size_t len, task_agree_fn agree, int *cls)
{
	char name[TASK_ID_MAX + LEASE_LEN + 2], diff[256];
	struct buf b = { NULL, 0, 0 };
	bool tried[TASK_MAX_LEASES + 1] = { false };
	int next = 0, rc = TS_OK;
	size_t i;

	*cls = -1;
	for (i = 0; i < ls->n && *cls < 0; i++) {
		const struct lease_line *l = &ls->l[i];

		if (!l->posted || l->cls < 0 || l->cls > TASK_MAX_LEASES)
			continue;
		if (l->cls >= next)
			next = l->cls + 1;
		if (tried[l->cls])
			continue;
		tried[l->cls] = true;
		copy_name(name, sizeof name, id, l->lease);
		if (read_file(ts->copies, name, &b, RESULT_COPY_MAX) != 0) {
			rc = fail(ts, "cannot read the copy", name);
			break;
		}
		if (agree(b.data, b.len, data, len, diff, sizeof diff) == 0)
			*cls = l->cls;
	}
	for (; i < ls->n; i++)
		if (ls->l[i].posted && ls->l[i].cls >= next)
			next = ls->l[i].cls + 1;
	if (*cls < 0)
		*cls = next;
	buf_free(&b);
	return rc;
}

/*
 * Decide a task of a quorum, its lock held, in state st, its copies in
 * ls: done with a copy of the class k of them hold, or failed once max
 * were posted, or open again if the lease last given was posted.
 */
/*
 * The verdicts on the copies of a task done with a copy of class won,
 * each credited cells if valid (voltally.h). After the done rename: a
 * crash before them loses a verdict, never counts one twice.
 */
static void
verdicts(struct taskstore *ts, const struct leases *ls, int won,
    int64_t cells)
{
	const struct badhost_rule rule = { ts->invalid_max, ts->expired_max };
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->l[i].posted)
			(void)tally_add(ts, ls->l[i].vid, ls->l[i].cls == won ?
			    VERDICT_VALID : VERDICT_INVALID, cells, &rule);
}

static int
quorum_decide(struct taskstore *ts, const char *id, enum task_state st,
    struct leases *ls, const struct buf *rec, enum task_state *state)
{
	char name[TASK_ID_MAX + LEASE_LEN + 2];
	int count[TASK_MAX_LEASES + 1] = { 0 }, posted = 0, most = 0;
	struct buf b = { NULL, 0, 0 };
	size_t i, first = 0;
	int rc = TS_OK, won = -1;

	*state = st;
	for (i = 0; i < ls->n; i++) {
		const struct lease_line *l = &ls->l[i];

		if (!l->posted || l->cls < 0 || l->cls > TASK_MAX_LEASES)
			continue;
		posted++;
		if (++count[l->cls] > most)
			most = count[l->cls];
		if (won < 0 && count[l->cls] >= ls->q.k) {
			won = l->cls;
			first = i;
		}
	}
	if (won >= 0) {
		/* The first copy of the class that won: the task's result. */
		for (i = 0; i < ls->n; i++)
			if (ls->l[i].posted && ls->l[i].cls == won) {
				first = i;
				break;
			}
		copy_name(name, sizeof name, id, ls->l[first].lease);
		if (read_file(ts->copies, name, &b, RESULT_COPY_MAX) != 0)
			rc = fail(ts, "cannot read the copy", name);
		else if ((rc = mark_done(ts, id, st, true, ls,
		    ls->l[first].lease, b.data, b.len)) == TS_OK) {
			*state = TASK_DONE;
			verdicts(ts, ls, won, ts->cells == NULL ? 0 :
			    ts->cells(rec->data, rec->len, b.data, b.len));
		}
	} else if (posted >= ls->q.max) {
		buf_appendf(&b, "%d results, %d of them in agreement at most, "
		    "%d needed: the volunteers disagree", posted, most,
		    ls->q.k);
		rc = marker_append(ts, state_dir(ts, st), id, ls, "failed\n",
		    b.data, b.len);
		if (rc == TS_OK && renameat(state_dir(ts, st), id, ts->failed,
		    id) != 0)
			rc = fail(ts, "cannot mark failed", id);
		if (rc == TS_OK && dir_sync(ts->failed) != 0)
			rc = fail(ts, "cannot sync the failed marker of", id);
		if (rc == TS_OK)
			*state = TASK_FAILED;
	} else if (st == TASK_LEASED && ls->n > 0 && ls->l[ls->n - 1].posted) {
		/* In the index at once: the next copy goes out now. */
		if ((rc = reopen(ts, id)) == TS_OK) {
			openindex_add(&ts->open_idx, id, now_usec());
			*state = TASK_OPEN;
		}
	}
	buf_free(&b);
	return rc;
}

/*
 * Take data[0..len) as the copy of task id, in state st, under lease,
 * the lease at index i of ls, then decide the task.
 */
static int
quorum_post(struct taskstore *ts, const char *id, enum task_state st,
    struct leases *ls, size_t i, const struct buf *rec, const char *data,
    size_t len, task_agree_fn agree, enum task_state *state)
{
	char name[TASK_ID_MAX + LEASE_LEN + 2], line[LEASE_LEN + 32];
	int cls, rc;

	if (!ls->l[i].posted) {
		copy_name(name, sizeof name, id, ls->l[i].lease);
		if ((rc = copy_class(ts, id, ls, data, len, agree, &cls)) !=
		    TS_OK)
			return rc;
		/* The copy whole and last before the line that counts it. */
		if (atomic_write(ts->copies, name, data, len, 0600) != 0)
			return fail(ts, "cannot write the copy", name);
		snprintf(line, sizeof line, "posted %s %d\n", ls->l[i].lease,
		    cls);
		if ((rc = marker_append(ts, state_dir(ts, st), id, ls, line,
		    NULL, 0)) != TS_OK)
			return rc;
		ls->l[i].posted = true;
		ls->l[i].cls = cls;
		ls->valid += strlen(line);
	}
	return quorum_decide(ts, id, st, ls, rec, state);
}

int
taskstore_complete(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, const char *data, size_t len, task_check_fn check,
    task_agree_fn agree, int *refused, enum task_state *state)
{
	struct leases ls;
	struct buf rec = { NULL, 0, 0 };
	enum task_state st, dummy;
	bool marked;
	int lk, rc, i = -1;

	*refused = 0;
	if (state == NULL)
		state = &dummy;
	*state = TASK_NONE;
	if ((rc = lock_known(ts, id, &lk)) != TS_OK)
		return rc;
	st = state_locked(ts, id, &marked);
	if (st == TASK_NONE) {
		rc = TS_NOTFOUND;
	} else if (leases_read(ts, id, st, marked, &ls) != 0) {
		rc = fail(ts, "cannot read the leases of", id);
	} else if ((i = lease_find(ls.l, ls.n, vid, lease)) < 0) {
		rc = TS_FORBIDDEN;
	} else if (st == TASK_DONE) {
		/* A repeat of a post that counted is harmless. */
		rc = strcmp(ls.done_by, lease) == 0 || ls.l[i].posted ? TS_OK :
		    TS_CONFLICT;
		*state = st;
	} else if (st == TASK_CANCELLED || st == TASK_FAILED) {
		rc = TS_GONE;
		*state = st;
	} else if ((rc = taskstore_record(ts, id, &rec, 16 * 1024 * 1024)) !=
	    TS_OK) {
		;
	} else if (check(rec.data, rec.len, data, len, why,
	    sizeof why) != 0) {
		*refused = 1;
		rc = TS_CONFLICT;
	} else if (ls.q.k > 1 && marked && agree != NULL &&
	    !ls.l[i].alone) {
		rc = quorum_post(ts, id, st, &ls, (size_t)i, &rec, data, len,
		    agree, state);
	} else if ((rc = mark_done(ts, id, st, marked, &ls, lease, data,
	    len)) == TS_OK) {
		*state = TASK_DONE;
	}
	unlock_task(lk);
	buf_free(&rec);
	return rc;
}

int
taskstore_failure(struct taskstore *ts, const char *id, struct buf *out,
    size_t max)
{
	struct leases ls;
	enum task_state st;
	struct stat sb;
	int fd, rc;

	out->len = 0;
	buf_append(out, "", 0);
	if ((rc = taskstore_state(ts, id, &st)) != TS_OK)
		return rc;
	if (st == TASK_NONE)
		return TS_NOTFOUND;
	if (st != TASK_FAILED)
		return TS_CONFLICT;
	/* A failed marker is written whole, reason and all, never after. */
	fd = openat(ts->failed, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(ts, "cannot open the failure of", id);
	if (leases_parse(fd, true, &ls) != 0 || fstat(fd, &sb) != 0 ||
	    lseek(fd, (off_t)ls.valid, SEEK_SET) < 0 ||
	    read_bounded(fd, out, max) < 0)
		rc = fail(ts, "cannot read the failure of", id);
	close(fd);
	return rc;
}

int
taskstore_reap(struct taskstore *ts, int64_t now)
{
	const struct badhost_rule rule = { ts->invalid_max, ts->expired_max };
	struct leases ls;
	struct dirent *e;
	DIR *d;
	int reopened = 0;

	if ((d = open_listing(ts, "leased")) == NULL)
		return fail(ts, "cannot read", "leased/");
	while ((e = readdir(d)) != NULL) {
		enum task_state st;
		bool marked;
		int lk;

		if (e->d_name[0] == '.' || !task_id_valid(e->d_name))
			continue;
		if ((lk = lock_task(ts, e->d_name, true)) < 0)
			continue;
		st = state_locked(ts, e->d_name, &marked);
		if (st == TASK_DONE || st == TASK_CANCELLED ||
		    st == TASK_FAILED) {
			unlinkat(ts->leased, e->d_name, 0);
		} else if (st == TASK_LEASED &&
		    (leases_read(ts, e->d_name, st, marked, &ls) != 0 ||
		    ls.n == 0 || ls.l[ls.n - 1].expires < now ||
		    volunteer_blocked(ts, ls.l[ls.n - 1].vid, NULL, 0))) {
			/*
			 * No readable lease is no lease: open it again; so is
			 * a blocked volunteer's. An expiry counts against
			 * its volunteer (after the reopen: a crash loses
			 * the count, never the task).
			 */
			if (reopen(ts, e->d_name) == TS_OK) {
				reopened++;
				if (ls.n > 0 && ls.l[ls.n - 1].expires < now &&
				    !ls.l[ls.n - 1].posted)
					(void)tally_add(ts,
					    ls.l[ls.n - 1].vid,
					    VERDICT_EXPIRED, 0, &rule);
			}
		}
		unlock_task(lk);
	}
	closedir(d);
	return reopened;
}

int
taskstore_count(struct taskstore *ts, enum task_state st, size_t *n)
{
	struct dirent *e;
	DIR *d;

	*n = 0;
	if ((d = open_listing(ts, task_state_name(st))) == NULL)
		return fail(ts, "cannot read", task_state_name(st));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			(*n)++;
	closedir(d);
	return TS_OK;
}

int
taskstore_volunteer_add(struct taskstore *ts, const char *name,
    const char *team, char *token)
{
	char vid[VOLUNTEER_ID_LEN + 1], secret[VOLUNTEER_SECRET_LEN + 1];
	struct buf b = { NULL, 0, 0 };
	int rc = TS_OK;

	if (random_hex(vid, VOLUNTEER_ID_LEN / 2) != 0 ||
	    random_hex(secret, VOLUNTEER_SECRET_LEN / 2) != 0)
		return fail(ts, "cannot make a token", NULL);
	buf_appendf(&b, "%s %s\n", secret, name);
	if (team[0] != '\0')
		buf_appendf(&b, "team %s\n", team);
	if (atomic_write(ts->volunteers, vid, b.data, b.len, 0600) != 0)
		rc = fail(ts, "cannot record volunteer", vid);
	buf_free(&b);
	snprintf(token, VOLUNTEER_TOKEN_LEN + 1, "%s.%s", vid, secret);
	return rc;
}

int
taskstore_volunteer_check(struct taskstore *ts, const char *token, char *vid,
    int64_t idle)
{
	struct buf b = { NULL, 0, 0 };
	unsigned char diff = 0;
	struct stat st;
	int64_t now = now_usec() / 1000000, touch;
	size_t i;
	int fd, rc;

	if (strlen(token) != VOLUNTEER_TOKEN_LEN ||
	    token[VOLUNTEER_ID_LEN] != '.' ||
	    !span_only(token, VOLUNTEER_ID_LEN, hex_chars) ||
	    !span_only(token + VOLUNTEER_ID_LEN + 1, VOLUNTEER_SECRET_LEN,
	    hex_chars))
		return TS_FORBIDDEN;
	memcpy(vid, token, VOLUNTEER_ID_LEN);
	vid[VOLUNTEER_ID_LEN] = '\0';
	fd = openat(ts->volunteers, vid, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TS_FORBIDDEN : fail(ts, "cannot read "
		    "volunteer", vid);
	if (fstat(fd, &st) != 0 || (rc = read_bounded(fd, &b, 4096)) != 0) {
		close(fd);
		buf_free(&b);
		return fail(ts, "cannot read volunteer", vid);
	}
	/* Seen now: its mtime moves on, now and then, not at each call. */
	touch = idle / 8 < 3600 ? idle / 8 : 3600;
	if (st.st_mtime + idle >= now && st.st_mtime + touch < now)
		(void)futimens(fd, NULL);
	close(fd);
	if (b.len < VOLUNTEER_SECRET_LEN || st.st_mtime + idle < now) {
		buf_free(&b);
		return TS_FORBIDDEN;
	}
	/* Every byte compared, so the time says nothing of the secret. */
	for (i = 0; i < VOLUNTEER_SECRET_LEN; i++)
		diff |= (unsigned char)(b.data[i] ^
		    token[VOLUNTEER_ID_LEN + 1 + i]);
	buf_free(&b);
	return diff == 0 ? TS_OK : TS_FORBIDDEN;
}

void
taskstore_fetched(struct taskstore *ts, const char *id)
{
	int fd = openat(ts->fetched, id, O_WRONLY | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
}

/* Whether dirfd/name is older than secs at now (and there). */
static bool
older(int dirfd, const char *name, int64_t now, int64_t secs)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_mtime + secs < now;
}

/* Remove task id, done, failed or cancelled, its lock held as lk. */
static void
purge_locked(struct taskstore *ts, const char *id, enum task_state st,
    bool marked, int lk)
{
	const int first[] = { ts->tasks, ts->fetched,
	    ts->open, ts->leased, ts->done, ts->cancelled, ts->failed };
	char name[TASK_ID_MAX + LEASE_LEN + 2];
	struct leases ls;
	size_t i;

	/*
	 * The copies of a quorum before the record: a task cut short here
	 * has its result, or its reason, in its marker still.
	 */
	if (leases_read(ts, id, st, marked, &ls) == 0)
		for (i = 0; i < ls.n; i++)
			if (ls.l[i].posted) {
				copy_name(name, sizeof name, id,
				    ls.l[i].lease);
				unlinkat(ts->copies, name, 0);
			}

	/* The record first: what is left counts as done or cancelled. */
	for (i = 0; i < sizeof first / sizeof first[0]; i++)
		if (unlinkat(first[i], id, 0) == 0 && i == 0)
			(void)dir_sync(ts->tasks);
	/*
	 * Its lock last, held: a process that opened it before is left with
	 * a lock of a task that is no more, which it finds so.
	 */
	unlinkat(ts->locks, id, 0);
	unlock_task(lk);
}

/* Purge the tasks of state directory st that the rules let go. */
static int
purge_state(struct taskstore *ts, enum task_state st, int64_t now,
    const struct purge_rules *r)
{
	int dirfd = state_dir(ts, st), removed = 0;
	struct dirent *e;
	DIR *d;

	if ((d = open_listing(ts, task_state_name(st))) == NULL)
		return fail(ts, "cannot read", task_state_name(st));
	while ((e = readdir(d)) != NULL) {
		enum task_state now_st;
		bool marked;
		int lk;

		if (e->d_name[0] == '.' || !task_id_valid(e->d_name))
			continue;
		if (!older(dirfd, e->d_name, now, r->retention) &&
		    !(st == TASK_DONE && older(ts->fetched, e->d_name, now,
		    r->fetched)))
			continue;
		if ((lk = lock_task(ts, e->d_name, true)) < 0)
			continue;
		now_st = state_locked(ts, e->d_name, &marked);
		if (now_st == TASK_DONE || now_st == TASK_CANCELLED ||
		    now_st == TASK_FAILED || now_st == TASK_NONE) {
			purge_locked(ts, e->d_name, now_st, marked, lk);
			removed++;
		} else {
			unlock_task(lk);
		}
	}
	closedir(d);
	return removed;
}

int
taskstore_purge(struct taskstore *ts, int64_t now,
    const struct purge_rules *r)
{
	struct dirent *e;
	DIR *d;
	int a, b, f;

	if ((a = purge_state(ts, TASK_DONE, now, r)) < 0 ||
	    (b = purge_state(ts, TASK_CANCELLED, now, r)) < 0 ||
	    (f = purge_state(ts, TASK_FAILED, now, r)) < 0)
		return TS_ERROR;
	if ((d = open_listing(ts, "volunteers")) == NULL)
		return fail(ts, "cannot read", "volunteers/");
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && older(ts->volunteers, e->d_name,
		    now, r->idle))
			unlinkat(ts->volunteers, e->d_name, 0);
	closedir(d);
	return a + b + f;
}
