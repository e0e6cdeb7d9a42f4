/*
 * taskstore.c: ct-serve's task store (taskstore.h, FILES of ct-serve(8)).
 *
 * Every name that reaches the file system is a fixed directory name, a
 * task ID that passed task_id_valid() or a volunteer ID of hex digits,
 * opened relative to a directory descriptor with O_NOFOLLOW.
 *
 * Each change to a task is made under its lock, locks/ID, taken with
 * flock(2): a process killed at any instant drops it, and the next one
 * finds the task in exactly one state (or, between the two steps of
 * completing it, with a stale marker beside the done one, which counts
 * for nothing and is removed when seen). The claim itself is the rename
 * of open/ID to leased/ID, done under the lock, after the new lease is
 * on disk: so a lease never reaches a volunteer unless it was recorded
 * first, and a crash between the two leaves the task open with a lease
 * nobody was given.
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

/* No record or result is read past these sizes. */
#define MAX_LEASES_FILE (64 * 1024)
#define MAX_MARKER 256

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
	    "done", "cancelled", "results", "leases", "locks", "volunteers" };
	int *fds[] = { &ts->tmp, &ts->tasks, &ts->open, &ts->leased,
	    &ts->done, &ts->cancelled, &ts->results, &ts->leases, &ts->locks,
	    &ts->volunteers };
	size_t i;

	memset(ts, 0, sizeof *ts);
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
	    &ts->leased, &ts->done, &ts->cancelled, &ts->results, &ts->leases,
	    &ts->locks, &ts->volunteers };
	size_t i;

	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(ts->path);
	ts->path = NULL;
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
	static const enum task_state order[] = { TASK_DONE, TASK_CANCELLED,
	    TASK_LEASED, TASK_OPEN };
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

int
taskstore_submit(struct taskstore *ts, const char *id, const char *record,
    size_t len)
{
	enum task_state st;
	bool marked;
	int lk, rc;

	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
	st = state_locked(ts, id, &marked);
	if (st != TASK_NONE) {
		rc = TS_EXISTS;
		if (!marked && make_marker(ts, ts->open, id) != TS_OK)
			rc = TS_ERROR;
		unlock_task(lk);
		return rc;
	}
	/* The record first, whole; the marker that makes it open after. */
	if (atomic_write(ts->tasks, id, record, len, 0600) != 0) {
		rc = fail(ts, "cannot write task", id);
	} else {
		rc = make_marker(ts, ts->open, id);
	}
	unlock_task(lk);
	return rc;
}

int
taskstore_state(struct taskstore *ts, const char *id, enum task_state *st)
{
	bool marked;
	int lk;

	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
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
taskstore_result(struct taskstore *ts, const char *id, int *fd,
    size_t *size)
{
	enum task_state st;
	struct stat s;
	int rc;

	if ((rc = taskstore_state(ts, id, &st)) != TS_OK)
		return rc;
	if (st == TASK_NONE)
		return TS_NOTFOUND;
	if (st != TASK_DONE)
		return TS_CONFLICT;
	/* Written whole before the task was marked done, never after. */
	*fd = openat(ts->results, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return fail(ts, "cannot open the result of", id);
	if (fstat(*fd, &s) != 0) {
		close(*fd);
		return fail(ts, "cannot stat the result of", id);
	}
	*size = (size_t)s.st_size;
	return TS_OK;
}

int
taskstore_cancel(struct taskstore *ts, const char *id)
{
	enum task_state st;
	bool marked;
	int lk, rc = TS_OK;

	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
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

/* One line of leases/ID: "LEASE VID EXPIRES". */
struct lease_line {
	char lease[LEASE_LEN + 1];
	char vid[VOLUNTEER_ID_LEN + 1];
	int64_t expires;
};

/* The task's leases, oldest first; 0, or -1 (errno; EBADMSG: corrupt). */
static int
leases_read(struct taskstore *ts, const char *id, struct lease_line *out,
    size_t *n)
{
	struct buf b = { NULL, 0, 0 };
	const char *p, *end;
	int rc = read_file(ts->leases, id, &b, MAX_LEASES_FILE);

	*n = 0;
	if (rc != 0) {
		buf_free(&b);
		return rc == 1 ? 0 : -1;
	}
	for (p = b.data; *p != '\0' && *n < TASK_MAX_LEASES; p = end + 1) {
		struct lease_line *l = &out[*n];
		const char *q;

		if ((end = strchr(p, '\n')) == NULL ||
		    end - p < LEASE_LEN + VOLUNTEER_ID_LEN + 3 ||
		    p[LEASE_LEN] != ' ' ||
		    p[LEASE_LEN + 1 + VOLUNTEER_ID_LEN] != ' ' ||
		    !span_only(p, LEASE_LEN, hex_chars) ||
		    !span_only(p + LEASE_LEN + 1, VOLUNTEER_ID_LEN, hex_chars) ||
		    parse_int64(p + LEASE_LEN + VOLUNTEER_ID_LEN + 2, &q, 0,
		    INT64_MAX / 2, &l->expires) != 0 || q != end) {
			buf_free(&b);
			errno = EBADMSG;
			return -1;
		}
		memcpy(l->lease, p, LEASE_LEN);
		l->lease[LEASE_LEN] = '\0';
		memcpy(l->vid, p + LEASE_LEN + 1, VOLUNTEER_ID_LEN);
		l->vid[VOLUNTEER_ID_LEN] = '\0';
		(*n)++;
	}
	buf_free(&b);
	return 0;
}

static int
leases_write(struct taskstore *ts, const char *id,
    const struct lease_line *l, size_t n)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		buf_appendf(&b, "%s %s %" PRId64 "\n", l[i].lease, l[i].vid,
		    l[i].expires);
	rc = atomic_write(ts->leases, id, b.data, b.len, 0600);
	buf_free(&b);
	return rc == 0 ? TS_OK : fail(ts, "cannot write the leases of", id);
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

/* Hand task id out, its lock held and its marker in open/. */
static int
claim_locked(struct taskstore *ts, const char *id, const char *vid,
    int lease_secs, struct task_lease *out)
{
	struct lease_line l[TASK_MAX_LEASES];
	size_t n;
	int rc;

	if (leases_read(ts, id, l, &n) != 0)
		return fail(ts, "cannot read the leases of", id);
	if (n >= TASK_MAX_LEASES)
		return TS_NOWORK;	/* given out too often: left to expire */
	if (random_hex(l[n].lease, LEASE_LEN / 2) != 0)
		return fail(ts, "cannot make a lease for", id);
	memcpy(l[n].vid, vid, VOLUNTEER_ID_LEN + 1);
	l[n].expires = now_usec() / 1000000 + lease_secs;
	if ((rc = leases_write(ts, id, l, n + 1)) != TS_OK)
		return rc;
	if ((rc = move_marker(ts, id, TASK_OPEN, TASK_LEASED)) != TS_OK)
		return rc;
	snprintf(out->id, sizeof out->id, "%s", id);
	memcpy(out->lease, l[n].lease, LEASE_LEN + 1);
	out->expires = l[n].expires;
	return TS_OK;
}

int
taskstore_claim(struct taskstore *ts, const char *vid, int lease_secs,
    size_t scan_max, task_match_fn match, void *ctx, struct task_lease *out)
{
	struct dirent *e;
	size_t seen = 0;
	DIR *d;
	int rc = TS_NOWORK;

	memset(out, 0, sizeof *out);
	if ((d = open_listing(ts, "open")) == NULL)
		return fail(ts, "cannot read", "open/");
	while (rc == TS_NOWORK && seen < scan_max && (e = readdir(d)) != NULL) {
		enum task_state st;
		bool marked;
		int lk;

		if (e->d_name[0] == '.' || !task_id_valid(e->d_name))
			continue;
		seen++;
		/* Another process is at it: the next one, rather than wait. */
		if ((lk = lock_task(ts, e->d_name, true)) < 0)
			continue;
		st = state_locked(ts, e->d_name, &marked);
		if (st != TASK_OPEN) {
			/* A marker left by a crash beside the real one. */
			if (st == TASK_DONE || st == TASK_CANCELLED)
				unlinkat(ts->open, e->d_name, 0);
		} else if (taskstore_record(ts, e->d_name, &out->record,
		    16 * 1024 * 1024) == TS_OK &&
		    match(out->record.data, out->record.len, ctx)) {
			rc = claim_locked(ts, e->d_name, vid, lease_secs, out);
		}
		unlock_task(lk);
	}
	closedir(d);
	if (rc != TS_OK)
		buf_free(&out->record);
	return rc;
}

/*
 * The checks heartbeat and release share, the lock held: TS_OK with the
 * leases in l[0..*n) and vid's lease last among them, or why not.
 */
static int
current_lease(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, struct lease_line *l, size_t *n)
{
	bool marked;
	enum task_state st = state_locked(ts, id, &marked);

	if (st == TASK_NONE)
		return TS_NOTFOUND;
	if (leases_read(ts, id, l, n) != 0)
		return fail(ts, "cannot read the leases of", id);
	if (lease_find(l, *n, vid, lease) < 0)
		return TS_FORBIDDEN;
	if (st == TASK_CANCELLED)
		return TS_GONE;
	if (st != TASK_LEASED || strcmp(l[*n - 1].lease, lease) != 0)
		return TS_CONFLICT;
	return TS_OK;
}

int
taskstore_heartbeat(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, int lease_secs, int64_t *expires)
{
	struct lease_line l[TASK_MAX_LEASES];
	size_t n;
	int lk, rc;

	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
	rc = current_lease(ts, id, vid, lease, l, &n);
	if (rc == TS_OK) {
		l[n - 1].expires = now_usec() / 1000000 + lease_secs;
		*expires = l[n - 1].expires;
		rc = leases_write(ts, id, l, n);
	}
	unlock_task(lk);
	return rc;
}

int
taskstore_release(struct taskstore *ts, const char *id, const char *vid,
    const char *lease)
{
	struct lease_line l[TASK_MAX_LEASES];
	size_t n;
	int lk, rc;

	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
	rc = current_lease(ts, id, vid, lease, l, &n);
	if (rc == TS_OK)
		rc = move_marker(ts, id, TASK_LEASED, TASK_OPEN);
	unlock_task(lk);
	return rc;
}

/*
 * Mark task id done by lease, its result already in results/: a done
 * marker holding the lease, made whole in tmp/ and renamed into done/,
 * then the old marker removed. A crash between the two leaves both, and
 * done/ counts.
 */
static int
mark_done(struct taskstore *ts, const char *id, enum task_state from,
    bool marked, const char *lease)
{
	struct buf tmp = { NULL, 0, 0 };
	int fd, rc = TS_OK;

	buf_appendf(&tmp, "%s.%ld.%s.done", id, (long)getpid(), jobid_nonce());
	fd = file_create(ts->tmp, tmp.data, 0600);
	if (fd < 0 || write_all(fd, lease, strlen(lease)) != 0 ||
	    file_seal(fd) != 0) {
		if (fd >= 0) {
			close(fd);
			unlinkat(ts->tmp, tmp.data, 0);
		}
		rc = fail(ts, "cannot write the done marker of", id);
	} else if (rename_noreplace(ts->tmp, tmp.data, ts->done, id) != 0) {
		rc = fail(ts, "cannot mark done", id);
		unlinkat(ts->tmp, tmp.data, 0);
	} else if (dir_sync(ts->done) != 0) {
		rc = fail(ts, "cannot sync the done marker of", id);
	} else if (marked) {
		int f = state_dir(ts, from);

		if (unlinkat(f, id, 0) != 0 || dir_sync(f) != 0)
			rc = fail(ts, "cannot remove the old marker of", id);
	}
	buf_free(&tmp);
	return rc;
}

int
taskstore_complete(struct taskstore *ts, const char *id, const char *vid,
    const char *lease, const char *data, size_t len, task_check_fn check,
    int *refused)
{
	struct lease_line l[TASK_MAX_LEASES];
	struct buf rec = { NULL, 0, 0 }, by = { NULL, 0, 0 };
	enum task_state st;
	bool marked;
	size_t n;
	int lk, rc;

	*refused = 0;
	if ((lk = lock_task(ts, id, false)) < 0)
		return fail(ts, "cannot lock task", id);
	st = state_locked(ts, id, &marked);
	if (st == TASK_NONE) {
		rc = TS_NOTFOUND;
	} else if (leases_read(ts, id, l, &n) != 0) {
		rc = fail(ts, "cannot read the leases of", id);
	} else if (lease_find(l, n, vid, lease) < 0) {
		rc = TS_FORBIDDEN;
	} else if (st == TASK_DONE) {
		/* A repeat of the post that completed it is harmless. */
		if (read_file(ts->done, id, &by, MAX_MARKER) != 0)
			rc = fail(ts, "cannot read the done marker of", id);
		else
			rc = strcmp(by.data, lease) == 0 ? TS_OK : TS_CONFLICT;
	} else if (st == TASK_CANCELLED) {
		rc = TS_GONE;
	} else if ((rc = taskstore_record(ts, id, &rec, 16 * 1024 * 1024)) !=
	    TS_OK) {
		;
	} else if (check(rec.data, rec.len, data, len, why,
	    sizeof why) != 0) {
		*refused = 1;
		rc = TS_CONFLICT;
	} else if (atomic_write(ts->results, id, data, len, 0600) != 0) {
		rc = fail(ts, "cannot write the result of", id);
	} else {
		rc = mark_done(ts, id, st, marked, lease);
	}
	unlock_task(lk);
	buf_free(&rec);
	buf_free(&by);
	return rc;
}

int
taskstore_reap(struct taskstore *ts, int64_t now)
{
	struct lease_line l[TASK_MAX_LEASES];
	struct dirent *e;
	DIR *d;
	int reopened = 0;

	if ((d = open_listing(ts, "leased")) == NULL)
		return fail(ts, "cannot read", "leased/");
	while ((e = readdir(d)) != NULL) {
		enum task_state st;
		bool marked;
		size_t n;
		int lk;

		if (e->d_name[0] == '.' || !task_id_valid(e->d_name))
			continue;
		if ((lk = lock_task(ts, e->d_name, true)) < 0)
			continue;
		st = state_locked(ts, e->d_name, &marked);
		if (st == TASK_DONE || st == TASK_CANCELLED) {
			unlinkat(ts->leased, e->d_name, 0);
		} else if (st == TASK_LEASED &&
		    (leases_read(ts, e->d_name, l, &n) != 0 || n == 0 ||
		    l[n - 1].expires < now)) {
			/* No readable lease is no lease: open it again. */
			if (move_marker(ts, e->d_name, TASK_LEASED,
			    TASK_OPEN) == TS_OK)
				reopened++;
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
taskstore_volunteer_add(struct taskstore *ts, const char *name, char *token)
{
	char vid[VOLUNTEER_ID_LEN + 1], secret[VOLUNTEER_SECRET_LEN + 1];
	struct buf b = { NULL, 0, 0 };
	int rc = TS_OK;

	if (random_hex(vid, VOLUNTEER_ID_LEN / 2) != 0 ||
	    random_hex(secret, VOLUNTEER_SECRET_LEN / 2) != 0)
		return fail(ts, "cannot make a token", NULL);
	buf_appendf(&b, "%s %s\n", secret, name);
	if (atomic_write(ts->volunteers, vid, b.data, b.len, 0600) != 0)
		rc = fail(ts, "cannot record volunteer", vid);
	buf_free(&b);
	snprintf(token, VOLUNTEER_TOKEN_LEN + 1, "%s.%s", vid, secret);
	return rc;
}

int
taskstore_volunteer_check(struct taskstore *ts, const char *token, char *vid)
{
	struct buf b = { NULL, 0, 0 };
	unsigned char diff = 0;
	size_t i;
	int rc;

	if (strlen(token) != VOLUNTEER_TOKEN_LEN ||
	    token[VOLUNTEER_ID_LEN] != '.' ||
	    !span_only(token, VOLUNTEER_ID_LEN, hex_chars) ||
	    !span_only(token + VOLUNTEER_ID_LEN + 1, VOLUNTEER_SECRET_LEN,
	    hex_chars))
		return TS_FORBIDDEN;
	memcpy(vid, token, VOLUNTEER_ID_LEN);
	vid[VOLUNTEER_ID_LEN] = '\0';
	rc = read_file(ts->volunteers, vid, &b, 4096);
	if (rc != 0) {
		buf_free(&b);
		return rc == 1 ? TS_FORBIDDEN : fail(ts, "cannot read "
		    "volunteer", vid);
	}
	if (b.len < VOLUNTEER_SECRET_LEN) {
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
