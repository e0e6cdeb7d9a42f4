/*
 * sharedsearch.c: one provider's search shared by a batch of jobs
 * (sharedsearch.h). Every file but the lock is written whole under a
 * temporary name and renamed (statefile.h), so the lock only orders
 * the jobs' requests; a reader never sees half a file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "sharedsearch.h"
#include "statefile.h"

#define SS_LOCK "lock"
#define SS_IDS "ids"
#define SS_POLL "poll"
#define SS_REPORT "report"
#define WITHDRAWN "withdrawn."

static const char name_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz0123456789._-";

static bool
plain_name(const char *s)
{
	return s[0] != '\0' && s[0] != '.' && s[strspn(s, name_chars)] == '\0';
}

int
shared_search_open(struct shared_search *s, const char *statedir,
    const char *handle)
{
	char *lock;

	s->dir = NULL;
	s->lock = -1;
	if (!plain_name(handle)) {
		ct_warn("a shared search's handle must be a plain name");
		return -1;
	}
	if (mkdir(statedir, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot make %s", statedir);
		return -1;
	}
	s->dir = path_join(statedir, handle);
	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot make %s", s->dir);
		goto fail;
	}
	lock = path_join(s->dir, SS_LOCK);
	s->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock < 0 || flock(s->lock, LOCK_EX) != 0) {
		ct_warnerr("cannot lock %s", lock);
		free(lock);
		goto fail;
	}
	free(lock);
	/* Touched: the sweep leaves a search in use alone. */
	(void)utimensat(AT_FDCWD, s->dir, NULL, 0);
	return 0;
fail:
	shared_search_close(s);
	return -1;
}

void
shared_search_close(struct shared_search *s)
{
	if (s->lock >= 0)
		close(s->lock);
	s->lock = -1;
	free(s->dir);
	s->dir = NULL;
}

/* Write dir/name whole. Returns 0, or -1 after a message. */
static int
put(struct shared_search *s, const char *name, const void *data, size_t len)
{
	char *p = path_join(s->dir, name);
	int rc = statefile_write(p, data, len);

	if (rc != 0)
		ct_warnerr("cannot write %s", p);
	free(p);
	return rc != 0 ? -1 : 0;
}

/* Read dir/name: 1 read, 0 none, -1 after a message. */
static int
get(struct shared_search *s, const char *name, struct buf *out, size_t max)
{
	char *p = path_join(s->dir, name);
	int rc = statefile_read(p, out, max);

	if (rc < 0)
		ct_warnerr("cannot read %s", p);
	free(p);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

int
shared_search_set_ids(struct shared_search *s, const char *const *ids,
    size_t n)
{
	struct buf b = { NULL, 0, 0 };
	size_t k;
	int rc;

	for (k = 0; k < n; k++)
		buf_appendf(&b, "%s\n", ids[k]);
	rc = put(s, SS_IDS, b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return rc;
}

int
shared_search_ids(struct shared_search *s, struct buf *text, char ***ids,
    size_t *n)
{
	char *line, *nl;

	*ids = NULL;
	*n = 0;
	if (get(s, SS_IDS, text, 1024 * 1024) != 1) {
		ct_warn("%s: the search's queries are not recorded", s->dir);
		return -1;
	}
	for (line = text->data; *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl++ = '\0';
		*ids = xrealloc(*ids, (*n + 1) * sizeof **ids);
		(*ids)[(*n)++] = line;
	}
	return 0;
}

void
shared_search_last_poll(struct shared_search *s, int64_t *when,
    char *answer, size_t size)
{
	struct buf b = { NULL, 0, 0 };
	const char *end;

	*when = 0;
	snprintf(answer, size, "running");
	/* A damaged record holds nothing back: the next poll asks. */
	if (get(s, SS_POLL, &b, 4096) == 1 &&
	    parse_int64(b.data, &end, 0, INT64_MAX, when) == 0 &&
	    *end == ' ' && end[1] != '\0') {
		end++;
		snprintf(answer, size, "%.*s", (int)strcspn(end, "\n"), end);
	} else
		*when = 0;
	buf_free(&b);
}

int
shared_search_polled(struct shared_search *s, int64_t when,
    const char *answer)
{
	struct buf b = { NULL, 0, 0 };
	int rc;

	buf_appendf(&b, "%lld %s\n", (long long)when, answer);
	rc = put(s, SS_POLL, b.data, b.len);
	buf_free(&b);
	return rc;
}

int
shared_search_report(struct shared_search *s, struct buf *out, size_t max)
{
	return get(s, SS_REPORT, out, max);
}

int
shared_search_keep_report(struct shared_search *s, const void *data,
    size_t len)
{
	return put(s, SS_REPORT, data, len);
}

int
shared_search_withdraw(struct shared_search *s, const char *id)
{
	char name[sizeof WITHDRAWN + 128];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (!plain_name(id) || strlen(id) > 120) {
		ct_warn("a job ID must be a plain name");
		return -1;
	}
	snprintf(name, sizeof name, "%s%s", WITHDRAWN, id);
	if (put(s, name, "", 0) != 0)
		return -1;
	if ((d = opendir(s->dir)) == NULL) {
		ct_warnerr("cannot read %s", s->dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, WITHDRAWN, sizeof WITHDRAWN - 1) == 0;
	closedir(d);
	return n;
}

/* Remove dir and the files in it (no deeper). */
static void
remove_search(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0))
			(void)unlinkat(fd, e->d_name, 0);
	closedir(d);
	(void)unlinkat(parent, name, AT_REMOVEDIR);
}

void
shared_search_sweep(const char *statedir, int64_t older_than)
{
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	DIR *d;

	if ((d = opendir(statedir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (plain_name(e->d_name) &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISDIR(st.st_mode) && now - st.st_mtime > older_than)
			remove_search(dirfd(d), e->d_name);
	closedir(d);
}
