/*
 * intents.c: a batch call's intents to submit, in one durable file
 * (intents.h).
 *
 * The file: the line "cputorrent-intents 1", then for each job the line
 * "job ID LENGTH" and LENGTH bytes of its record, then the line "end".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "err.h"
#include "intents.h"
#include "jobid.h"

#define INTENTS_DIR "intents"
#define INTENTS_MAGIC "cputorrent-intents 1\n"
#define INTENTS_END "end\n"
/* A batch is at most a few thousand records of a few kilobytes. */
#define INTENTS_MAX ((size_t)256 << 20)

void
intents_add(struct intents *in, const char *id, const char *rec, size_t len)
{
	if (in->data.len == 0)
		buf_appendf(&in->data, "%s", INTENTS_MAGIC);
	buf_appendf(&in->data, "job %s %zu\n", id, len);
	buf_append(&in->data, rec, len);
	in->n++;
}

void
intents_free(struct intents *in)
{
	buf_free(&in->data);
	in->n = 0;
}

/*
 * state/intents/, opened; with create, made (and its making durable) if
 * it is missing. Returns its descriptor, or -1 (errno set).
 */
static int
intents_dir(struct spool *sp, bool create)
{
	int st = spool_dir(sp, SPOOL_STATE), fd;

	if (st < 0)
		return -1;
	fd = openat(st, INTENTS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(st, INTENTS_DIR, 0770) != 0 && errno != EEXIST)
		return -1;
	if (dir_sync(st) != 0)
		return -1;
	return openat(st, INTENTS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

int
intents_write(struct spool *sp, const char *name, const struct intents *in)
{
	char tmpname[SPOOL_TMPNAME_MAX];
	struct buf all = { 0 };
	int d, rc = -1;

	if ((d = intents_dir(sp, true)) < 0) {
		ct_warnerr("cannot open %s/state/%s", sp->path, INTENTS_DIR);
		return -1;
	}
	buf_append(&all, in->data.data, in->data.len);
	buf_appendf(&all, "%s", INTENTS_END);
	/*
	 * Staged in tmp/, whose leftovers after a crash are reaped, then
	 * renamed in whole, and the rename made durable.
	 */
	if (spool_stage(sp, all.data, all.len, tmpname) == 0) {
		if (renameat(spool_dir(sp, SPOOL_TMP), tmpname, d, name) != 0) {
			ct_warnerr("cannot write %s/state/%s/%s", sp->path,
			    INTENTS_DIR, name);
			spool_unstage(sp, tmpname);
		} else if (dir_sync(d) != 0) {
			ct_warnerr("cannot sync %s/state/%s", sp->path,
			    INTENTS_DIR);
			(void)unlinkat(d, name, 0);
		} else
			rc = 0;
	}
	close(d);
	buf_free(&all);
	return rc;
}

void
intents_remove(struct spool *sp, const char *name)
{
	int d = intents_dir(sp, false);

	if (d < 0 && errno == ENOENT)
		return;
	if (d < 0 || (unlinkat(d, name, 0) != 0 && errno != ENOENT))
		ct_warnerr("cannot remove %s/state/%s/%s", sp->path,
		    INTENTS_DIR, name);
	if (d >= 0)
		close(d);
}

/*
 * The intents of one whole file, data[0..len), each given to fn (only
 * id's, unless it is NULL). Returns 1 if one must stay, or the file is
 * not whole; 0 if every one was settled.
 */
static int
each_in(const char *file, char *data, size_t len, const char *id,
    intents_fn fn, void *arg)
{
	size_t ml = strlen(INTENTS_MAGIC), el = strlen(INTENTS_END);
	char *p = data + ml, *end = data + len - el, *nl;
	int keep = 0;

	if (len < ml + el || memcmp(data, INTENTS_MAGIC, ml) != 0 ||
	    memcmp(end, INTENTS_END, el) != 0)
		return 1;
	while (p < end) {
		char jid[JOBID_MAX + 2];
		unsigned long long n;
		int used = 0;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 1;
		*nl = '\0';
		if (sscanf(p, "job %65s %llu%n", jid, &n, &used) != 2 ||
		    p + used != nl || !jobid_valid(jid) ||
		    n > (unsigned long long)(end - nl - 1))
			return 1;
		p = nl + 1;
		if ((id == NULL || strcmp(id, jid) == 0) &&
		    fn(arg, file, jid, p, (size_t)n) != 0)
			keep = 1;
		p += n;
	}
	return keep;
}

void
intents_each(struct spool *sp, const char *id, bool remove, intents_fn fn,
    void *arg)
{
	struct dirent *de;
	DIR *ds;
	int d = intents_dir(sp, false), dd;

	if (d < 0)
		return;		/* none yet: a spool of before batches */
	if ((dd = dup(d)) < 0 || (ds = fdopendir(dd)) == NULL) {
		if (dd >= 0)
			close(dd);
		close(d);
		return;
	}
	while ((de = readdir(ds)) != NULL) {
		struct buf b = { 0 };
		int fd;

		if (!jobid_valid(de->d_name))
			continue;	/* . and .. */
		fd = openat(d, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read_bounded(fd, &b, INTENTS_MAX) == 0 &&
		    each_in(de->d_name, b.data, b.len, id, fn, arg) == 0 &&
		    remove && unlinkat(d, de->d_name, 0) != 0 &&
		    errno != ENOENT)
			ct_warnerr("cannot remove %s/state/%s/%s", sp->path,
			    INTENTS_DIR, de->d_name);
		close(fd);
		buf_free(&b);
	}
	closedir(ds);
	close(d);
}
