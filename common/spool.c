/*
 * spool.c: the spool directory and its protocol (spool.h,
 * cputorrent-spool(5)).
 *
 * Every name that reaches the file system here is either a fixed
 * subdirectory name or a job ID that passed jobid_valid(), and every
 * lookup is an openat(2) relative to a directory descriptor with
 * O_NOFOLLOW, so no path given by a user can lead outside the spool.
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
#include <sysexits.h>
#include <unistd.h>

#include "atomicfile.h"
#include "err.h"
#include "privilege.h"
#include "spool.h"

#include "config.h"

/* No job file is read past this size; inputs are far smaller. */
#define MAX_JOB_FILE (1024 * 1024 * 1024)
/* Nor is a header (the fields before the input) longer than this. */
#define MAX_JOB_HEADER (4 * 1024 * 1024)

static const char *const dir_names[SPOOL_NDIRS] = {
	"tmp", "new", "processing", "completed", "failed", "results",
	"locks", "work", "state", "cancel", "held",
};

/* Where jobs are: each state's directory, and held/ for New jobs too. */
struct place {
	enum job_state state;
	enum spool_dir dir;
};

const char *
spool_dir_name(enum spool_dir d)
{
	return dir_names[d];
}

enum spool_dir
spool_state_dir(enum job_state s)
{
	switch (s) {
	case JOB_NEW: return SPOOL_NEW;
	case JOB_PROCESSING: return SPOOL_PROCESSING;
	case JOB_COMPLETED: return SPOOL_COMPLETED;
	default: return SPOOL_FAILED;
	}
}

const char *
spool_choose(const char *opt)
{
	return setting_choose(opt, "CT_SPOOL", CT_SPOOL_DEFAULT);
}

int
spool_make(const char *path)
{
	/* Another writer may make it first: EEXIST is as good. */
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot create spool %s", path);
		return -1;
	}
	if (dir_sync_parent(AT_FDCWD, path) != 0) {
		ct_warnerr("cannot sync the directory above %s", path);
		return -1;
	}
	return 0;
}

int
spool_open(struct spool *sp, const char *path, bool create)
{
	int i;

	sp->path = path;
	sp->create = create;
	sp->see_all = false;
	for (i = 0; i < SPOOL_NDIRS; i++)
		sp->dirs[i] = -1;
	sp->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->fd < 0 && errno == ENOENT) {
		/* A spool that does not exist yet is not a trusted one. */
		privilege_drop();
		if (!create) {
			ct_warnerr("no spool at %s", path);
			return EX_UNAVAILABLE;
		}
		if (spool_make(path) != 0)
			return EX_IOERR;
		sp->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (sp->fd < 0) {
		ct_warnerr("cannot open spool %s", path);
		return EX_IOERR;
	}
	privilege_check_spool(sp->fd);
	/*
	 * A shared spool is laid out by make install. Making directories in
	 * it with the group's rights would let -S name any directory of it
	 * (SPOOL/new, say) as a spool and fill it with more directories.
	 */
	if (privilege_elevated())
		sp->create = false;
	return 0;
}

void
spool_close(struct spool *sp)
{
	int i;

	for (i = 0; i < SPOOL_NDIRS; i++)
		if (sp->dirs[i] >= 0)
			close(sp->dirs[i]);
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}

int
spool_dir(struct spool *sp, enum spool_dir d)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd;

	if (sp->dirs[d] >= 0)
		return sp->dirs[d];
	fd = openat(sp->fd, dir_names[d], flags);
	if (fd < 0 && errno == ENOENT && sp->create) {
		/* work/ is the dispatcher's alone (spool-work.c). */
		if (mkdirat(sp->fd, dir_names[d], d == SPOOL_WORK ? 0700 :
		    0770) != 0 &&
		    errno != EEXIST)
			return -1;
		if (dir_sync(sp->fd) != 0)
			return -1;
		fd = openat(sp->fd, dir_names[d], flags);
	}
	if (fd >= 0)
		sp->dirs[d] = fd;
	return fd;
}

/* Close fd, keeping errno. */
static void
saved_errno_close(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/*
 * The directory of jobs in state s, for a reader: its descriptor, -2 if
 * the spool has none yet (so no such jobs), or -1 after printing why.
 */
static int
state_dir_to_read(struct spool *sp, enum spool_dir sd)
{
	int d = spool_dir(sp, sd);

	if (d < 0 && errno != ENOENT) {
		ct_warnerr("cannot open %s/%s", sp->path, dir_names[sd]);
		return -1;
	}
	return d < 0 ? -2 : d;
}

/* spool_dir, with a message on failure. */
static int
need_dir(struct spool *sp, enum spool_dir d)
{
	int fd = spool_dir(sp, d);

	if (fd < 0)
		ct_warnerr("cannot open %s/%s", sp->path, dir_names[d]);
	return fd;
}

int
spool_stage(struct spool *sp, const void *data, size_t len,
    char tmpname[SPOOL_TMPNAME_MAX])
{
	int fd;

	if (spool_stage_nowait(sp, data, len, tmpname, &fd) != 0)
		return -1;
	return spool_stage_wait(sp, tmpname, fd);
}

int
spool_stage_wait(struct spool *sp, const char *tmpname, int fd)
{
	/* Every step is checked: a full disk shows at write, fsync or close. */
	if (file_seal(fd) != 0) {
		ct_warnerr("cannot write %s/tmp/%s", sp->path, tmpname);
		spool_unstage(sp, tmpname);
		return -1;
	}
	return 0;
}

int
spool_stage_nowait(struct spool *sp, const void *data, size_t len,
    char tmpname[SPOOL_TMPNAME_MAX], int *fdp)
{
	static unsigned long seq;
	int d, fd;

	if ((d = need_dir(sp, SPOOL_TMP)) < 0)
		return -1;
	snprintf(tmpname, SPOOL_TMPNAME_MAX, "%s.%ld.%s.%lu", jobid_host_tag(),
	    (long)getpid(), jobid_nonce(), seq++);
	if ((fd = file_create(d, tmpname, 0660)) < 0) {
		ct_warnerr("cannot create %s/tmp/%s", sp->path, tmpname);
		return -1;
	}
	if (write_all(fd, data, len) != 0) {
		ct_warnerr("cannot write %s/tmp/%s", sp->path, tmpname);
		close(fd);
		unlinkat(d, tmpname, 0);
		return -1;
	}
	/*
	 * Start the writeback now, so that when a batch of files is fsynced
	 * one after the other, the first fsync's journal commit carries them
	 * all and the rest find little left to do. Only a hint: fsync is what
	 * makes the file last, so a failure here is not one.
	 */
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	*fdp = fd;
	return 0;
}

void
spool_unstage(struct spool *sp, const char *tmpname)
{
	int d = spool_dir(sp, SPOOL_TMP);

	if (d >= 0)
		unlinkat(d, tmpname, 0);
}

int
spool_publish(struct spool *sp, const char *tmpname, enum spool_dir d,
    const char *name)
{
	int td, dd;

	if ((td = spool_dir(sp, SPOOL_TMP)) < 0 || (dd = spool_dir(sp, d)) < 0)
		return -1;
	return rename_noreplace(td, tmpname, dd, name);
}

int
spool_replace(struct spool *sp, enum spool_dir d, const char *id,
    const void *data, size_t len)
{
	char tmpname[SPOOL_TMPNAME_MAX];
	int td, dd;

	if (spool_stage(sp, data, len, tmpname) != 0)
		return -1;
	/* tmp/ is open: the file was staged in it. */
	td = spool_dir(sp, SPOOL_TMP);
	if ((dd = spool_dir(sp, d)) < 0 || renameat(td, tmpname, dd, id) != 0) {
		ct_warnerr("cannot replace %s/%s/%s", sp->path, dir_names[d],
		    id);
		spool_unstage(sp, tmpname);
		return -1;
	}
	return spool_sync(sp, d);
}

int
spool_read_state(struct spool *sp, const char *name, struct buf *b,
    size_t max)
{
	bool create = sp->create;
	int d, fd, rc;

	sp->create = false;
	d = spool_dir(sp, SPOOL_STATE);
	sp->create = create;
	if (d < 0)
		return errno == ENOENT ? 1 : -1;
	if ((fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 1 : -1;
	rc = read_bounded(fd, b, max);
	close(fd);
	return rc == 0 ? 0 : -1;
}

int
spool_move(struct spool *sp, enum spool_dir from, enum spool_dir to,
    const char *id)
{
	if (spool_move_unsynced(sp, from, to, id) != 0)
		return -1;
	/* Both are open: the rename went through them. */
	if (dir_sync(sp->dirs[to]) != 0 || dir_sync(sp->dirs[from]) != 0)
		return -1;
	return 0;
}

int
spool_move_unsynced(struct spool *sp, enum spool_dir from, enum spool_dir to,
    const char *id)
{
	int fd, td;

	if ((fd = spool_dir(sp, from)) < 0 || (td = spool_dir(sp, to)) < 0)
		return -1;
	return rename_noreplace(fd, id, td, id);
}

/* The lock's descriptor; -2 if nb and it is held; -1 (printed). */
static int lock(struct spool *sp, const char *id, int nb);

enum spool_lock_result
spool_lock(struct spool *sp, const char *id, int *fd)
{
	*fd = lock(sp, id, LOCK_NB);
	return *fd >= 0 ? SPOOL_LOCKED : *fd == -2 ? SPOOL_LOCK_BUSY :
	    SPOOL_LOCK_ERROR;
}

int
spool_lock_wait(struct spool *sp, const char *id)
{
	return lock(sp, id, 0);
}

static int
lock(struct spool *sp, const char *id, int nb)
{
	int d = need_dir(sp, SPOOL_LOCKS), fd;

	if (d < 0)
		return -1;
	fd = openat(d, id, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd < 0) {
		ct_warnerr("cannot open %s/locks/%s", sp->path, id);
		return -1;
	}
	while (flock(fd, LOCK_EX | nb) != 0) {
		if (errno == EINTR)
			continue;
		saved_errno_close(fd);
		if (errno == EWOULDBLOCK)
			return -2;
		ct_warnerr("cannot lock %s/locks/%s", sp->path, id);
		return -1;
	}
	return fd;
}

int
spool_sync(struct spool *sp, enum spool_dir d)
{
	int fd = need_dir(sp, d);

	if (fd < 0)
		return -1;
	if (dir_sync(fd) != 0) {
		ct_warnerr("cannot sync %s/%s", sp->path, dir_names[d]);
		return -1;
	}
	return 0;
}

int
spool_find(struct spool *sp, const char *id, enum job_state *state,
    enum spool_dir *where, int *fd)
{
	/* Latest states first: see below. */
	static const struct place order[] = {
		{ JOB_COMPLETED, SPOOL_COMPLETED },
		{ JOB_FAILED, SPOOL_FAILED },
		{ JOB_PROCESSING, SPOOL_PROCESSING },
		{ JOB_NEW, SPOOL_NEW },
		{ JOB_NEW, SPOOL_HELD },
	};
	int round;
	size_t i;

	/*
	 * A job moves forward while we look, at most twice (New to
	 * Processing to Completed or Failed), and each move is one rename:
	 * at every instant it is in exactly one directory. A round that
	 * misses it saw it move, so three rounds always find an existing job.
	 * Its owner may also move a New job between new/ and held/ (ct-hold,
	 * ct-release); a round missed so saw that move, and such moves are
	 * the owner's, made one at a time.
	 */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof order / sizeof order[0]; i++) {
			enum spool_dir sd = order[i].dir;
			int d = state_dir_to_read(sp, sd);

			if (d == -2)
				continue;
			if (d < 0)
				return -1;
			*fd = openat(d, id, O_RDONLY | O_NOFOLLOW |
			    O_NONBLOCK | O_CLOEXEC);
			if (*fd >= 0) {
				*state = order[i].state;
				*where = sd;
				return 1;
			}
			if (errno == ENOENT)
				continue;
			ct_warnerr("cannot open %s/%s/%s", sp->path,
			    dir_names[sd], id);
			return -1;
		}
	}
	return 0;
}

/* Read until the buffer holds the whole "input N" line, or end of file. */
static int
read_header(int fd, struct buf *b, size_t size)
{
	for (;;) {
		const char *in = b->len == 0 ? NULL :
		    memmem(b->data, b->len, "\ninput ", 7);
		size_t want;
		ssize_t n;

		if (in != NULL && memchr(in + 1, '\n',
		    b->len - (size_t)(in + 1 - b->data)) != NULL)
			return 0;
		if (b->len >= size || b->len >= MAX_JOB_HEADER)
			return 0;	/* the parser will say what is wrong */
		want = b->len == 0 ? 8192 : 65536;
		if ((n = buf_read(fd, b, want)) <= 0)
			return (int)n;
	}
}

/*
 * Read the job in fd as spool_read_job does, leaving the bytes read in
 * *raw, so that whose a bad job is can still be told. Returns 0, or -1
 * with the message in why.
 */
static int
read_job(int fd, const char *path, bool want_input, struct job *j,
    struct buf *raw, char *why, size_t whylen)
{
	struct stat st;
	char err[256], tail[JOB_END_MARKER_LEN];
	size_t off, end;

	if (fstat(fd, &st) != 0) {
		snprintf(why, whylen, "cannot stat %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_size > MAX_JOB_FILE) {
		(void)buf_read(fd, raw, 8192);	/* for its owner */
		snprintf(why, whylen, "%s: job file too large (%jd bytes)",
		    path, (intmax_t)st.st_size);
		return -1;
	}
	if ((want_input ? read_bounded(fd, raw, (size_t)st.st_size) :
	    read_header(fd, raw, (size_t)st.st_size)) < 0) {
		snprintf(why, whylen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (job_parse(raw->data, raw->len, want_input, j, &off, err,
	    sizeof err) != 0) {
		snprintf(why, whylen, "%s: corrupt job file: %s", path, err);
		return -1;
	}
	if (!want_input) {
		/* The size and the end marker prove the rest is there. */
		end = off + j->input_len + JOB_END_MARKER_LEN;
		if (end != (size_t)st.st_size ||
		    pread(fd, tail, sizeof tail, (off_t)(end - sizeof tail)) !=
		    (ssize_t)sizeof tail ||
		    memcmp(tail, JOB_END_MARKER, sizeof tail) != 0) {
			snprintf(why, whylen, "%s: corrupt job file: input "
			    "length does not match the file, or the end "
			    "marker is missing", path);
			job_free(j);
			return -1;
		}
	}
	return 0;
}

int
spool_read_job(int fd, const char *path, bool want_input, struct job *j)
{
	struct buf raw = { 0 };
	char why[1024];
	int rc;

	if ((rc = read_job(fd, path, want_input, j, &raw, why,
	    sizeof why)) != 0)
		ct_warn("%s", why);
	buf_free(&raw);
	close(fd);
	return rc;
}

static bool
may_see_owner(const struct spool *sp, uid_t owner)
{
	uid_t uid = getuid();

	return sp->see_all || uid == 0 || uid == owner;
}

bool
spool_may_see(const struct spool *sp, const struct job *j)
{
	return may_see_owner(sp, j->owner);
}

/*
 * Read the job in fd for the caller, as spool_read_job, and close fd.
 * Returns 0 for a job the caller may see; 1, saying nothing, for one
 * they may not, whole or bad (another user's damaged or oversized job is
 * neither their business nor a reason to fail their listing); -1 after
 * the message for a bad job of theirs, or whose owner cannot be read
 * (said only to those who see every job).
 */
static int
read_visible(const struct spool *sp, int fd, const char *path,
    bool want_input, struct job *j)
{
	struct buf raw = { 0 };
	char why[1024];
	uid_t owner;
	int rc;

	rc = read_job(fd, path, want_input, j, &raw, why, sizeof why);
	if (rc == 0 && !spool_may_see(sp, j)) {
		job_free(j);
		rc = 1;
	} else if (rc != 0) {
		if (job_peek_owner(raw.data, raw.len, &owner) == 0 ?
		    may_see_owner(sp, owner) : may_see_owner(sp, (uid_t)-1))
			ct_warn("%s", why);
		else
			rc = 1;
	}
	buf_free(&raw);
	close(fd);
	return rc;
}

/* "SPOOL/dir/id", for messages. */
static char *
job_path(const struct spool *sp, enum spool_dir d, const char *id)
{
	struct buf b = { 0 };

	buf_appendf(&b, "%s/%s/%s", sp->path, dir_names[d], id);
	return b.data;
}

enum spool_lookup
spool_load(struct spool *sp, const char *id, bool want_input, struct job *j,
    enum job_state *state)
{
	enum spool_dir where;
	char *path;
	int fd, rc;

	rc = spool_find(sp, id, state, &where, &fd);
	if (rc <= 0)
		return rc == 0 ? SPOOL_NOTFOUND : SPOOL_ERROR;
	path = job_path(sp, where, id);
	rc = read_visible(sp, fd, path, want_input, j);
	free(path);
	if (rc != 0)
		return rc > 0 ? SPOOL_NOTFOUND : SPOOL_ERROR;
	j->held = where == SPOOL_HELD;
	if (strcmp(j->id, id) != 0) {
		job_free(j);
		return SPOOL_NOTFOUND;
	}
	return SPOOL_FOUND;
}

int
spool_foreach(struct spool *sp, spool_visit_fn visit, void *ctx)
{
	return spool_foreach_in(sp, SPOOL_ALL_STATES, visit, ctx);
}

int
spool_foreach_in(struct spool *sp, unsigned states, spool_visit_fn visit,
    void *ctx)
{
	static const struct place order[] = {
		{ JOB_NEW, SPOOL_NEW },
		{ JOB_NEW, SPOOL_HELD },
		{ JOB_PROCESSING, SPOOL_PROCESSING },
		{ JOB_COMPLETED, SPOOL_COMPLETED },
		{ JOB_FAILED, SPOOL_FAILED },
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		enum job_state s = order[i].state;
		enum spool_dir sd = order[i].dir;
		struct dirent *de;
		DIR *dir;
		int d, dd;

		if (!(states & (1u << s)))
			continue;
		if ((d = state_dir_to_read(sp, sd)) == -2)
			continue;
		if (d < 0)
			return -1;
		if ((dd = dup(d)) < 0 || (dir = fdopendir(dd)) == NULL) {
			ct_warnerr("cannot read %s/%s", sp->path,
			    dir_names[sd]);
			if (dd >= 0)
				close(dd);
			return -1;
		}
		rewinddir(dir);
		while ((errno = 0, de = readdir(dir)) != NULL) {
			struct job j;
			char *path;
			int fd, v;

			if (!jobid_valid(de->d_name))
				continue;
			fd = openat(d, de->d_name, O_RDONLY | O_NOFOLLOW |
			    O_NONBLOCK | O_CLOEXEC);
			if (fd < 0) {
				if (errno == ENOENT)
					continue;	/* it moved on */
				ct_warnerr("cannot open %s/%s/%s", sp->path,
				    dir_names[sd], de->d_name);
				rc = -1;
				continue;
			}
			path = job_path(sp, sd, de->d_name);
			v = read_visible(sp, fd, path, false, &j);
			if (v == 0 && strcmp(j.id, de->d_name) != 0) {
				ct_warn("%s: corrupt job file: it holds job %s",
				    path, j.id);
				job_free(&j);
				v = -1;
			}
			free(path);
			if (v != 0) {
				if (v < 0)
					rc = -1;
				continue;
			}
			j.held = sd == SPOOL_HELD;
			v = visit(&j, s, ctx);
			job_free(&j);
			if (v != 0) {
				closedir(dir);
				return v;
			}
		}
		if (errno != 0) {
			ct_warnerr("cannot read %s/%s", sp->path,
			    dir_names[sd]);
			rc = -1;
		}
		closedir(dir);
	}
	return rc;
}

int
spool_open_result(struct spool *sp, const char *id)
{
	struct stat st;
	int d = spool_dir(sp, SPOOL_RESULTS), fd;

	fd = d < 0 ? -1 :
	    openat(d, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ct_warnerr("%s: job completed, but its result %s/results/%s "
		    "cannot be opened", id, sp->path, id);
		return -1;
	}
	/* A FIFO or a device planted here must not pass for a result. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ct_warn("%s: job completed, but its result %s/results/%s is "
		    "not a regular file", id, sp->path, id);
		close(fd);
		return -1;
	}
	return fd;
}

size_t
spool_reap_tmp(struct spool *sp, int64_t max_age_usec)
{
	int64_t now = now_usec();
	struct dirent *de;
	size_t reaped = 0;
	DIR *dir;
	int d = spool_dir(sp, SPOOL_TMP), dd;

	if (d < 0 || (dd = dup(d)) < 0)
		return 0;
	if ((dir = fdopendir(dd)) == NULL) {
		close(dd);
		return 0;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		struct stat st;
		int64_t mtime;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(d, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		mtime = (int64_t)st.st_mtim.tv_sec * 1000000 +
		    st.st_mtim.tv_nsec / 1000;
		if (now - mtime < max_age_usec)
			continue;
		if (unlinkat(d, de->d_name, 0) == 0)
			reaped++;
	}
	closedir(dir);
	return reaped;
}
