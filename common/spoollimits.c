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
/* Held shared by each submission in progress (recount). */
#define SUBMITTING_FILE ".submitting"

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

struct count {
	uint64_t jobs, bytes;
};

/* The count beside the entries: 0, or -1 if there is none or damaged. */
static int
read_count(int dir, struct count *c)
{
	char text[64];
	const char *p;
	int64_t jobs, bytes;
	ssize_t len;
	int fd = openat(dir, COUNT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
	    rc = -1;

	if (fd < 0)
		return -1;
	if ((len = read(fd, text, sizeof text - 1)) > 0) {
		text[len] = '\0';
		if (parse_int64(text, &p, 0, INT64_MAX, &jobs) == 0 &&
		    *p == ' ' && parse_int64(p + 1, &p, 0, INT64_MAX,
		    &bytes) == 0 && *p == '\n') {
			c->jobs = (uint64_t)jobs;
			c->bytes = (uint64_t)bytes;
			rc = 0;
		}
	}
	close(fd);
	return rc;
}

static int
write_count(int dir, const struct count *c)
{
	char text[64];
	int len = snprintf(text, sizeof text, "%" PRIu64 " %" PRIu64 "\n",
	    c->jobs, c->bytes);

	return write_file_at(dir, COUNT_FILE, text, (size_t)len, 0660);
}

/*
 * Where job id is now: 1 not finished, 0 finished, -1 gone; its size in
 * *size. The states are looked at in the order jobs move through them,
 * so a job that moves on while we look is found.
 */
static int
job_now(struct spool *sp, const char *id, uint64_t *size)
{
	static const enum spool_dir dirs[] = { SPOOL_NEW, SPOOL_PROCESSING,
	    SPOOL_COMPLETED, SPOOL_FAILED };
	bool create = sp->create;
	struct stat st;
	size_t i;
	int d, where = -1;

	sp->create = false;	/* a state directory missing holds no job */
	for (i = 0; i < sizeof dirs / sizeof dirs[0] && where < 0; i++)
		if ((d = spool_dir(sp, dirs[i])) >= 0 && fstatat(d, id, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			*size = (uint64_t)st.st_size;
			where = i < 2;
		}
	sp->create = create;
	return where;
}

/* Is id one of b's, made by this process (same ID but for its number)? */
static bool
own_entry(const struct limits_batch *b, const char *id)
{
	const char *seq;

	if (b->n == 0 || (seq = strrchr(b->ids[0], '-')) == NULL)
		return false;
	return strncmp(id, b->ids[0], (size_t)(seq - b->ids[0]) + 1) == 0 &&
	    strchr(id + (seq - b->ids[0]) + 1, '-') == NULL;
}

/*
 * Count the entries of dir again, each job looked up; b's own, made by
 * this process for jobs not yet published, are counted from b. The
 * entry of another job that is nowhere is that of a job a submission
 * still in progress has not published (it holds .submitting shared), or
 * else of one that never will be, or has been removed: with no other
 * submission in progress, it goes; with one, it is counted, without
 * bytes. active holds .submitting shared, and still does on return.
 */
static int
recount(struct spool *sp, int dir, int active, const struct limits_batch *b,
    struct count *c)
{
	struct dirent *de;
	uint64_t size;
	bool alone;
	size_t i;
	DIR *ds;
	int dd, where;

	if ((dd = dup(dir)) < 0 || (ds = fdopendir(dd)) == NULL) {
		if (dd >= 0)
			close(dd);
		return -1;
	}
	/*
	 * Only a recount takes .submitting exclusively, and only under the
	 * directory's lock, which is ours: the shared lock, if the attempt
	 * loses it (flock(2) converts by unlock then lock), comes back at
	 * once.
	 */
	alone = flock(active, LOCK_EX | LOCK_NB) == 0;
	while (flock(active, LOCK_SH) != 0 && errno == EINTR)
		;
	c->jobs = b->n;
	for (c->bytes = 0, i = 0; i < b->n; i++)
		c->bytes += b->sizes[i];
	while ((errno = 0, de = readdir(ds)) != NULL) {
		if (!jobid_valid(de->d_name) || own_entry(b, de->d_name))
			continue;
		if ((where = job_now(sp, de->d_name, &size)) >= 0) {
			c->jobs += (uint64_t)where;
			c->bytes += size;
		} else if (!alone)
			c->jobs++;
		else
			(void)unlinkat(dir, de->d_name, 0);
	}
	closedir(ds);
	return errno != 0 ? -1 : 0;
}

/*
 * .submitting in dir, held shared by b from its first job until it is
 * freed, so that a recount knows whether a submission is in progress.
 * Returns 0, or -1 with errno set.
 */
static int
hold_submitting(int dir, struct limits_batch *b)
{
	int fd;

	if (b->holding)
		return 0;
	if ((fd = openat(dir, SUBMITTING_FILE, O_RDONLY | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0660)) < 0)
		return -1;
	while (flock(fd, LOCK_SH) != 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	b->active = fd;
	b->holding = true;
	return 0;
}

/* Would one more job of len bytes pass a quota? */
static bool
over_quota(const struct limits *l, const struct count *c, size_t len)
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

int
limits_admit(struct spool *sp, const struct limits *l,
    struct limits_batch *b, const char *id, size_t len)
{
	unsigned long uid = (unsigned long)getuid();
	struct count c;
	uint64_t avail;
	int dir, rc = EX_IOERR;

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
	if ((dir = user_dir(sp, uid)) < 0)
		return EX_IOERR;
	if (hold_submitting(dir, b) != 0)
		ct_warnerr("cannot lock %s/state/%s/%lu/%s", sp->path,
		    USERS_DIR, uid, SUBMITTING_FILE);
	else if ((read_count(dir, &c) != 0 || over_quota(l, &c, len)) &&
	    recount(sp, dir, b->active, b, &c) != 0)
		ct_warnerr("cannot count the jobs of uid %lu in %s", uid,
		    sp->path);
	else if (over_quota(l, &c, len)) {
		(void)write_count(dir, &c);
		if (l->user_jobs > 0 && c.jobs + 1 > l->user_jobs)
			ct_warn("uid %lu has %" PRIu64 " jobs not finished in "
			    "the spool%s, of the %" PRIu64 " allowed "
			    "(user-jobs): try later", uid, c.jobs, b->n > 0 ?
			    " with this batch's" : "", l->user_jobs);
		else
			ct_warn("uid %lu has %" PRIu64 " bytes of jobs in the "
			    "spool%s: with %zu more, over the %" PRIu64
			    " allowed (user-bytes): try later", uid, c.bytes,
			    b->n > 0 ? " with this batch's" : "", len,
			    l->user_bytes);
		rc = EX_TEMPFAIL;
	} else {
		/* Raised before the entry is made: a crash leaves it high. */
		c.jobs++;
		c.bytes += len;
		if (write_count(dir, &c) != 0 || make_entry(dir, id) != 0)
			ct_warnerr("cannot write %s/state/%s/%lu/%s", sp->path,
			    USERS_DIR, uid, id);
		else {
			b->ids = xrealloc(b->ids, (b->n + 1) *
			    sizeof *b->ids);
			b->sizes = xrealloc(b->sizes, (b->n + 1) *
			    sizeof *b->sizes);
			b->sizes[b->n] = len;
			b->ids[b->n++] = xstrdup(id);
			rc = 0;
		}
	}
	close(dir);	/* releases the lock */
	return rc;
}

void
limits_withdraw(struct spool *sp, struct limits_batch *b, size_t first)
{
	struct count c;
	uint64_t bytes = 0;
	size_t i, gone = 0;
	int dir;

	if (first >= b->n)
		return;
	if ((dir = user_dir(sp, (unsigned long)getuid())) >= 0) {
		/* Removed before the count is lowered: a crash leaves it high. */
		for (i = first; i < b->n; i++)
			if (unlinkat(dir, b->ids[i], 0) == 0) {
				gone++;
				bytes += b->sizes[i];
			}
		if (gone > 0 && read_count(dir, &c) == 0) {
			c.jobs = c.jobs > gone ? c.jobs - gone : 0;
			c.bytes = c.bytes > bytes ? c.bytes - bytes : 0;
			(void)write_count(dir, &c);
		}
		close(dir);
	}
	for (i = first; i < b->n; i++)
		free(b->ids[i]);
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
	if (b->holding)
		close(b->active);	/* the submission is over */
	b->holding = false;
}
