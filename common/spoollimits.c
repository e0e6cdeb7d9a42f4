/*
 * spoollimits.c: state/limits, written by ct-dispatch, and the checks of
 * ct-submit against it; the per-user counts in state/users/UID/
 * (spoollimits.h, cputorrent-spool(5)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "err.h"
#include "exitcodes.h"
#include "jobid.h"
#include "spoollimits.h"
#include "util.h"

#define LIMITS_FILE "limits"
#define USERS_DIR "users"
/* Beside the entries; no job ID begins with a dot. */
#define COUNT_FILE ".count"

/* Each limit: its name in the registry and in state/limits, its range. */
static const struct field {
	const char *name;
	size_t off;
	uint64_t min, max;
} fields[] = {
	{ "max-input", offsetof(struct limits, max_input), 1,
	    LIMITS_MAX_INPUT_MAX },
	{ "max-options", offsetof(struct limits, max_options), 0,
	    LIMITS_MAX_OPTIONS_MAX },
	{ "max-option-size", offsetof(struct limits, max_option_size), 1,
	    LIMITS_MAX_OPTION_SIZE_MAX },
	{ "min-free", offsetof(struct limits, min_free), 0, INT64_MAX },
	{ "user-jobs", offsetof(struct limits, user_jobs), 0, INT64_MAX },
	{ "user-bytes", offsetof(struct limits, user_bytes), 0, INT64_MAX },
};

#define NFIELDS (sizeof fields / sizeof fields[0])

static uint64_t *
field_of(struct limits *l, const struct field *f)
{
	return (uint64_t *)((char *)l + f->off);
}

void
limits_builtin(struct limits *l)
{
	l->max_input = LIMITS_MAX_INPUT;
	l->max_options = LIMITS_MAX_OPTIONS;
	l->max_option_size = LIMITS_MAX_OPTION_SIZE;
	l->min_free = LIMITS_MIN_FREE;
	l->user_jobs = LIMITS_USER_JOBS;
	l->user_bytes = LIMITS_USER_BYTES;
}

int
limits_publish(struct spool *sp, const struct limits *l)
{
	struct buf now = { 0 }, text = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < NFIELDS; i++)
		buf_appendf(&text, "%s=%" PRIu64 "\n", fields[i].name,
		    *field_of((struct limits *)l, &fields[i]));
	/* Every pass loads the registry: a write only when it changed. */
	if (spool_read_state(sp, LIMITS_FILE, &now, LIMITS_FILE_MAX) != 0 ||
	    now.len != text.len || memcmp(now.data, text.data, text.len) != 0)
		rc = spool_replace(sp, SPOOL_STATE, LIMITS_FILE, text.data,
		    text.len);
	buf_free(&now);
	buf_free(&text);
	return rc;
}

/* The value of name=value line at line[0..len) into l, if it is valid. */
static void
load_line(struct limits *l, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len), *end;
	int64_t v;
	size_t i;

	if (eq == NULL || eq + 1 == line + len || eq[1] == '-')
		return;
	for (i = 0; i < NFIELDS; i++) {
		if (strlen(fields[i].name) != (size_t)(eq - line) ||
		    memcmp(line, fields[i].name, (size_t)(eq - line)) != 0)
			continue;
		if (parse_int64(eq + 1, &end, (int64_t)fields[i].min,
		    (int64_t)fields[i].max, &v) == 0 && end == line + len)
			*field_of(l, &fields[i]) = (uint64_t)v;
		return;
	}
}

void
limits_load(struct spool *sp, struct limits *l)
{
	struct buf b = { 0 };
	const char *line, *end;

	limits_builtin(l);
	if (spool_read_state(sp, LIMITS_FILE, &b, LIMITS_FILE_MAX) != 0) {
		buf_free(&b);
		return;
	}
	/* Each line ended by a NUL in place of its newline, then read. */
	for (line = b.data; line != NULL && line < b.data + b.len;
	    line = end + 1) {
		if ((end = memchr(line, '\n', (size_t)(b.data + b.len - line)))
		    == NULL || memchr(line, '\0', (size_t)(end - line)) != NULL)
			break;		/* a last line cut short: not trusted */
		*(char *)end = '\0';
		load_line(l, line, (size_t)(end - line));
	}
	buf_free(&b);
}

int
limits_check_static(const struct limits *l, size_t max_input,
    const char *const *options, size_t noptions)
{
	size_t i, key, len;

	if (max_input > l->max_input) {
		ct_warn("-m: %zu bytes, over the largest input allowed, "
		    "%" PRIu64 " bytes (max-input)", max_input, l->max_input);
		return EX_DATAERR;
	}
	if (noptions > l->max_options) {
		ct_warn("%zu options (-o): over the %" PRIu64 " allowed "
		    "(max-options)", noptions, l->max_options);
		return EX_DATAERR;
	}
	for (i = 0; i < noptions; i++) {
		key = strcspn(options[i], "=");
		if ((len = strlen(options[i] + key + 1)) > l->max_option_size) {
			ct_warn("-o %.*s: a value of %zu bytes, over the %"
			    PRIu64 " allowed (max-option-size)", (int)key,
			    options[i], len, l->max_option_size);
			return EX_DATAERR;
		}
	}
	return 0;
}

/* The bytes free in the spool's file system for the caller, or -1. */
static int
spool_free(struct spool *sp, uint64_t *avail)
{
	struct statvfs vfs;

	if (fstatvfs(sp->fd, &vfs) != 0)
		return -1;
	*avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	return 0;
}

/*
 * state/users/UID, made if need be, opened and locked. Returns its
 * descriptor, or -1 after printing why.
 */
static int
user_dir(struct spool *sp, unsigned long uid)
{
	char name[32];
	int d = spool_dir(sp, SPOOL_STATE), u = -1, fd = -1;

	snprintf(name, sizeof name, "%lu", uid);
	/*
	 * A shared spool has state/users/ from make install (spool.h: no
	 * directory is made there with the group's rights but a user's own
	 * record).
	 */
	if (d < 0 || (sp->create && mkdirat(d, USERS_DIR, 0770) != 0 &&
	    errno != EEXIST) ||
	    (u = openat(d, USERS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (mkdirat(u, name, 0770) != 0 &&
	    errno != EEXIST) || (fd = openat(u, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ct_warnerr("cannot open %s/state/%s/%s", sp->path, USERS_DIR,
		    name);
		if (u >= 0)
			close(u);
		return -1;
	}
	close(u);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		ct_warnerr("cannot lock %s/state/%s/%s", sp->path, USERS_DIR,
		    name);
		close(fd);
		return -1;
	}
	return fd;
}

/* The count on fd: 0, or -1 if it is empty or damaged. */
static int
read_count(int fd, struct limits_count *c)
{
	char text[64];
	const char *p;
	int64_t jobs, bytes;
	ssize_t len;

	if ((len = pread(fd, text, sizeof text - 1, 0)) <= 0)
		return -1;
	text[len] = '\0';
	if (parse_int64(text, &p, 0, INT64_MAX, &jobs) != 0 || *p != ' ' ||
	    parse_int64(p + 1, &p, 0, INT64_MAX, &bytes) != 0 || *p != '\n')
		return -1;
	c->jobs = (uint64_t)jobs;
	c->bytes = (uint64_t)bytes;
	return 0;
}

/*
 * Write the count over the one on fd, in place: always the same width, so
 * that nothing is truncated (which costs ext4 a flush on close, at each
 * job). A write cut short reads as damaged, and is counted again.
 */
static int
write_count(int fd, const struct limits_count *c)
{
	char text[64];
	int len = snprintf(text, sizeof text, "%019" PRIu64 " %019" PRIu64
	    "\n", c->jobs, c->bytes);
	ssize_t w;

	while ((w = pwrite(fd, text, (size_t)len, 0)) < 0 && errno == EINTR)
		;
	return w == len ? 0 : -1;
}

/*
 * Where job id is now: 1 not finished (held too), 0 finished, -1 gone;
 * its size in *size. The states are looked at in the order jobs move
 * through them, so a job that moves on while we look is found.
 */
static int
job_now(struct spool *sp, const char *id, uint64_t *size)
{
	/* held/ on both sides of new/: a job may move either way. */
	static const enum spool_dir dirs[] = { SPOOL_HELD, SPOOL_NEW,
	    SPOOL_HELD, SPOOL_PROCESSING, SPOOL_COMPLETED, SPOOL_FAILED };
	bool create = sp->create;
	struct stat st;
	size_t i;
	int d, where = -1;

	sp->create = false;	/* a state directory missing holds no job */
	for (i = 0; i < sizeof dirs / sizeof dirs[0] && where < 0; i++)
		if ((d = spool_dir(sp, dirs[i])) >= 0 && fstatat(d, id, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			*size = (uint64_t)st.st_size;
			where = i < 4;
		}
	sp->create = create;
	return where;
}

/*
 * Count b's directory again, each job looked up, with b's jobs (whose
 * entries are not made yet). The entry of a job that is nowhere goes: no
 * other submission of the user's is in progress (it would hold the lock
 * we hold), so that job was never published, or has been removed since.
 */
static int
recount(struct spool *sp, struct limits_batch *b)
{
	struct dirent *de;
	uint64_t size;
	size_t i;
	DIR *ds;
	int dd, where;

	if ((dd = dup(b->dir)) < 0 || (ds = fdopendir(dd)) == NULL) {
		if (dd >= 0)
			close(dd);
		return -1;
	}
	rewinddir(ds);
	b->count.jobs = b->n;
	for (b->count.bytes = 0, i = 0; i < b->n; i++)
		b->count.bytes += b->sizes[i];
	while ((errno = 0, de = readdir(ds)) != NULL) {
		if (!jobid_valid(de->d_name))
			continue;
		if ((where = job_now(sp, de->d_name, &size)) >= 0) {
			b->count.jobs += (uint64_t)where;
			b->count.bytes += size;
		} else
			(void)unlinkat(b->dir, de->d_name, 0);
	}
	closedir(ds);
	return errno != 0 ? -1 : 0;
}

/* Would one more job of len bytes pass a quota? */
static bool
over_quota(const struct limits *l, const struct limits_count *c, size_t len)
{
	return (l->user_jobs > 0 && c->jobs + 1 > l->user_jobs) ||
	    (l->user_bytes > 0 && c->bytes + len > l->user_bytes);
}

/* Make dir/id; 0, or -1 (errno set). */
static int
make_entry(int dir, const char *id)
{
	return write_file_at(dir, id, "", 0, 0660);
}

/*
 * The caller's directory, locked for the whole submission, and its count
 * (known false if it must be counted again). Returns 0, or EX_IOERR
 * after a message.
 */
static int
start_submission(struct spool *sp, struct limits_batch *b)
{
	if (b->holding)
		return 0;
	if ((b->dir = user_dir(sp, (unsigned long)getuid())) < 0)
		return EX_IOERR;
	if ((b->countfd = openat(b->dir, COUNT_FILE, O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0660)) < 0) {
		ct_warnerr("cannot open %s/state/%s/%lu/%s", sp->path,
		    USERS_DIR, (unsigned long)getuid(), COUNT_FILE);
		close(b->dir);
		return EX_IOERR;
	}
	b->holding = true;
	b->known = read_count(b->countfd, &b->count) == 0;
	return 0;
}

static int admit_locked(struct spool *sp, const struct limits *l,
    struct limits_batch *b, const char *id, size_t len);

/*
 * The lock of the caller's record again, for a submission that has held
 * it before: the count as others have left it, with this batch's jobs.
 * Returns 0, or EX_IOERR after a message.
 */
static int
relock(struct spool *sp, struct limits_batch *b)
{
	struct limits_count now;
	size_t i;

	while (flock(b->dir, LOCK_EX) != 0)
		if (errno != EINTR) {
			ct_warnerr("cannot lock %s/state/%s/%lu", sp->path,
			    USERS_DIR, (unsigned long)getuid());
			return EX_IOERR;
		}
	if (!b->known || read_count(b->countfd, &now) != 0) {
		b->known = false;	/* counted again, with the batch */
		return 0;
	}
	b->count = now;
	for (i = b->committed; i < b->n; i++) {
		b->count.jobs++;
		b->count.bytes += b->sizes[i];
	}
	return 0;
}

int
limits_admit(struct spool *sp, const struct limits *l,
    struct limits_batch *b, const char *id, size_t len)
{
	uint64_t avail;
	int rc;

	if (spool_free(sp, &avail) != 0) {
		ct_warnerr("cannot tell the free space of %s", sp->path);
		return EX_IOERR;
	}
	if (avail < l->min_free || avail - l->min_free < len) {
		ct_warn("%s: %" PRIu64 " bytes free, and a job of %zu bytes "
		    "must leave %" PRIu64 " (min-free): try later", sp->path,
		    avail, len, l->min_free);
		return EX_TEMPFAIL;
	}
	b->limits = l;
	if (b->holding && (rc = relock(sp, b)) != 0)
		return rc;
	if ((rc = start_submission(sp, b)) != 0)
		return rc;
	rc = admit_locked(sp, l, b, id, len);
	/*
	 * Not held while the next input is read (a slow pipe must not stop
	 * this user's other submissions): limits_commit takes it again, and
	 * counts again what others committed meanwhile.
	 */
	(void)flock(b->dir, LOCK_UN);
	return rc;
}

/* limits_admit's part under the lock of the caller's record. */
static int
admit_locked(struct spool *sp, const struct limits *l,
    struct limits_batch *b, const char *id, size_t len)
{
	unsigned long uid = (unsigned long)getuid();
	struct limits_count *c = &b->count;

	if (!b->known || over_quota(l, c, len)) {
		if (recount(sp, b) != 0) {
			ct_warnerr("cannot count the jobs of uid %lu in %s",
			    uid, sp->path);
			return EX_IOERR;
		}
		b->known = true;
		if (over_quota(l, c, len))
			(void)write_count(b->countfd, c);
	}
	if (l->user_jobs > 0 && c->jobs + 1 > l->user_jobs) {
		ct_warn("uid %lu has %" PRIu64 " job%s not finished in the "
		    "spool%s, of the %" PRIu64 " allowed (user-jobs): try "
		    "later", uid, c->jobs, c->jobs == 1 ? "" : "s", b->n > 0 ?
		    " with this batch's" : "", l->user_jobs);
		return EX_TEMPFAIL;
	}
	if (l->user_bytes > 0 && c->bytes + len > l->user_bytes) {
		ct_warn("uid %lu has %" PRIu64 " bytes of jobs in the spool%s: "
		    "with %zu more, over the %" PRIu64 " allowed (user-bytes): "
		    "try later", uid, c->bytes, b->n > 0 ? " with this batch's" :
		    "", len, l->user_bytes);
		return EX_TEMPFAIL;
	}
	/* Counted here; written with the batch's entries (limits_commit). */
	c->jobs++;
	c->bytes += len;
	b->ids = xrealloc(b->ids, (b->n + 1) * sizeof *b->ids);
	b->sizes = xrealloc(b->sizes, (b->n + 1) * sizeof *b->sizes);
	b->sizes[b->n] = len;
	b->ids[b->n++] = xstrdup(id);
	return 0;
}

int
limits_commit(struct spool *sp, struct limits_batch *b)
{
	const struct limits *l = b->limits;
	unsigned long uid = (unsigned long)getuid();
	struct limits_count *c = &b->count;
	size_t i;
	int rc;

	if (!b->holding || b->committed == b->n)
		return 0;
	/*
	 * Held from here until the jobs are published (limits_batch_free):
	 * a recount meanwhile would take their entries for gone jobs'. What
	 * others committed since the admission counts now.
	 */
	if ((rc = relock(sp, b)) != 0)
		return rc;
	if (!b->known || (l->user_jobs > 0 && c->jobs > l->user_jobs) ||
	    (l->user_bytes > 0 && c->bytes > l->user_bytes)) {
		if (recount(sp, b) != 0) {
			ct_warnerr("cannot count the jobs of uid %lu in %s",
			    uid, sp->path);
			return EX_IOERR;
		}
		b->known = true;
	}
	if (l->user_jobs > 0 && c->jobs > l->user_jobs) {
		ct_warn("uid %lu has %" PRIu64 " jobs not finished in the "
		    "spool with this batch's, over the %" PRIu64 " allowed "
		    "(user-jobs): try later", uid, c->jobs, l->user_jobs);
		return EX_TEMPFAIL;
	}
	if (l->user_bytes > 0 && c->bytes > l->user_bytes) {
		ct_warn("uid %lu has %" PRIu64 " bytes of jobs in the spool "
		    "with this batch's, over the %" PRIu64 " allowed "
		    "(user-bytes): try later", uid, c->bytes, l->user_bytes);
		return EX_TEMPFAIL;
	}
	/* Raised before the entries are made: a crash leaves it high. */
	if (write_count(b->countfd, &b->count) != 0) {
		ct_warnerr("cannot write %s/state/%s/%lu/%s", sp->path,
		    USERS_DIR, (unsigned long)getuid(), COUNT_FILE);
		return EX_IOERR;
	}
	for (i = b->committed; i < b->n; i++) {
		if (make_entry(b->dir, b->ids[i]) != 0) {
			ct_warnerr("cannot write %s/state/%s/%lu/%s", sp->path,
			    USERS_DIR, (unsigned long)getuid(), b->ids[i]);
			b->committed = i;
			return EX_IOERR;
		}
	}
	b->committed = b->n;
	return 0;
}

void
limits_withdraw(struct limits_batch *b, size_t first)
{
	size_t i;

	if (first >= b->n || !b->holding)
		return;
	/* Removed before the count is lowered: a crash leaves it high. */
	for (i = first; i < b->committed; i++)
		(void)unlinkat(b->dir, b->ids[i], 0);
	for (i = first; i < b->n; i++) {
		b->count.jobs -= b->count.jobs > 0 ? 1 : 0;
		b->count.bytes -= b->count.bytes > b->sizes[i] ?
		    b->sizes[i] : b->count.bytes;
		free(b->ids[i]);
	}
	if (b->committed > first) {
		(void)write_count(b->countfd, &b->count);
		b->committed = first;
	}
	b->n = first;
}

void
limits_batch_free(struct limits_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->ids[i]);
	free(b->ids);
	free(b->sizes);
	b->ids = NULL;
	b->sizes = NULL;
	b->n = 0;
	if (b->holding) {
		close(b->countfd);
		close(b->dir);	/* the lock: the submission is over */
	}
	b->holding = false;
}
