/*
 * blobfetch.c: blobs fetched from ct-serve, and the database cache made
 * of them (blobfetch.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "blobfetch.h"
#include "blobstore.h"
#include "util.h"

/* A blob on its way into a file, hashed as it comes. */
struct incoming {
	int fd;
	struct sha256 h;
};

static int
take(const void *data, size_t n, void *ctx)
{
	struct incoming *in = ctx;

	sha256_add(&in->h, data, n);
	return write_all(in->fd, data, n);
}

/* GET /v1/blobs/ID into a new dirfd/name, checked: 0, or -1 (why). */
static int
fetch_blob(const struct blob_source *src, const char *id, uint64_t size,
    int dirfd, const char *name, char *why, size_t whylen)
{
	struct http_limits lim = src->lim;
	struct http_response r;
	struct incoming in;
	struct buf url = { NULL, 0, 0 };
	char got[SHA256_HEX_LEN + 1];
	size_t n = strlen(src->base);
	int rc = -1;

	while (n > 0 && src->base[n - 1] == '/')
		n--;
	buf_appendf(&url, "%.*s/v1/blobs/%s", (int)n, src->base, id);
	if ((in.fd = file_create(dirfd, name, 0600)) < 0) {
		snprintf(why, whylen, "cannot create %s: %s", name,
		    strerror(errno));
		buf_free(&url);
		return -1;
	}
	sha256_begin(&in.h);
	lim.max_body = size;
	/* A file of a database may be large: time enough for it. */
	lim.total_ms = 0x7fffffffL;
	http_call(url.data, &(struct http_call){ .method = "GET",
	    .bearer = src->token, .to = take, .to_ctx = &in }, &lim, &r);
	if (r.outcome != HTTP_OK) {
		snprintf(why, whylen, "%s", r.error);
		close(in.fd);
	} else if (sha256_end(&in.h, got), strcmp(got, id) != 0) {
		snprintf(why, whylen, "blob %s arrived as %s: refused", id,
		    got);
		close(in.fd);
	} else if (file_seal(in.fd) != 0) {
		snprintf(why, whylen, "cannot write %s: %s", name,
		    strerror(errno));
	} else {
		rc = 0;
	}
	http_response_free(&r);
	buf_free(&url);
	return rc;
}

/* Remove dirfd/name, a directory of the cache, with what it holds. */
static void
remove_tree(int dirfd, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if (unlinkat(fd, e->d_name, 0) != 0 && errno == EISDIR)
				remove_tree(fd, e->d_name);
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Fetch version id into the new directory stage: 0, or -1 (why). */
static int
fetch_into(const struct blob_source *src, int stage, const char *id,
    const char *name, uint64_t max, char *why, size_t whylen)
{
	struct buf text = { NULL, 0, 0 };
	struct manifest m;
	char got[SHA256_HEX_LEN + 1];
	int files, fd, rc = -1;
	size_t i;

	if (fetch_blob(src, id, MANIFEST_MAX_SIZE, stage, "manifest", why,
	    whylen) != 0)
		return -1;
	if ((fd = openat(stage, "manifest", O_RDONLY | O_CLOEXEC)) < 0 ||
	    read_bounded(fd, &text, MANIFEST_MAX_SIZE) != 0) {
		snprintf(why, whylen, "cannot read the manifest back");
		goto out;
	}
	sha256_of(text.data, text.len, got);
	if (strcmp(got, id) != 0) {
		snprintf(why, whylen, "the manifest changed on disk");
		goto out;
	}
	if (manifest_parse(text.data, text.len, max, &m, why, whylen) != 0)
		goto out;
	if (strcmp(m.kind, "blastdb") != 0 && (strcmp(m.kind, "fasta") != 0 ||
	    m.n != 1)) {
		snprintf(why, whylen, "blob %s is a %s, not a BLAST database "
		    "nor a FASTA file", id, m.kind);
		goto out;
	}
	if (mkdirat(stage, "files", 0700) != 0 || (files = openat(stage,
	    "files", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "cannot make files/: %s",
		    strerror(errno));
		goto out;
	}
	for (i = 0; i < m.n; i++)
		if (fetch_blob(src, m.files[i].blob, m.files[i].size, files,
		    m.files[i].name, why, whylen) != 0)
			break;
	if (i == m.n && dir_sync(files) == 0 &&
	    atomic_write(stage, "name", name, strlen(name), 0600) == 0)
		rc = 0;
	else if (i == m.n)
		snprintf(why, whylen, "cannot write the cache: %s",
		    strerror(errno));
	close(files);
out:
	if (fd >= 0)
		close(fd);
	buf_free(&text);
	return rc;
}

int
dbcache_fetch(const struct blob_source *src, int cache, const char *id,
    const char *name, uint64_t max, char *why, size_t whylen)
{
	char stage_name[SHA256_HEX_LEN + 32];
	int stage, rc;

	if (!sha256_hex_valid(id)) {
		snprintf(why, whylen, "not a blob ID");
		return -1;
	}
	if (faccessat(cache, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	snprintf(stage_name, sizeof stage_name, ".%s.%ld", id, (long)getpid());
	remove_tree(cache, stage_name);
	if (mkdirat(cache, stage_name, 0700) != 0 || (stage = openat(cache,
	    stage_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "cannot make %s: %s", stage_name,
		    strerror(errno));
		return -1;
	}
	rc = fetch_into(src, stage, id, name, max, why, whylen);
	close(stage);
	/* Another task may have fetched it meanwhile: the same, whole. */
	if (rc == 0 && renameat(cache, stage_name, cache, id) != 0 &&
	    errno != EEXIST && errno != ENOTEMPTY) {
		snprintf(why, whylen, "cannot rename %s: %s", stage_name,
		    strerror(errno));
		rc = -1;
	}
	if (rc == 0 && dir_sync(cache) != 0) {
		snprintf(why, whylen, "cannot sync the cache: %s",
		    strerror(errno));
		rc = -1;
	}
	remove_tree(cache, stage_name);
	return rc;
}

int
dbcache_path(int cache, const char *id, char **path)
{
	struct buf text = { NULL, 0, 0 }, p = { NULL, 0, 0 };
	struct manifest m;
	char why[256];
	size_t i, n;
	int fd, rc;

	*path = NULL;
	if (!sha256_hex_valid(id))
		return 1;
	buf_appendf(&p, "%s/manifest", id);
	fd = openat(cache, p.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	buf_free(&p);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	rc = read_bounded(fd, &text, MANIFEST_MAX_SIZE);
	close(fd);
	if (rc != 0 || manifest_parse(text.data, text.len, UINT64_MAX, &m, why,
	    sizeof why) != 0) {
		buf_free(&text);
		errno = EBADMSG;
		return -1;
	}
	buf_free(&text);
	/* A FASTA database is its one file (ct-ssearch -d). */
	if (strcmp(m.kind, "fasta") == 0 && m.n == 1) {
		buf_appendf(&p, "%s/files/%s", id, m.files[0].name);
		*path = p.data;
		return 0;
	}
	for (i = 0; i < m.n; i++) {
		n = strlen(m.files[i].name);
		if (n > 4 && (strcmp(m.files[i].name + n - 4, ".pin") == 0 ||
		    strcmp(m.files[i].name + n - 4, ".nin") == 0)) {
			buf_appendf(&p, "%s/files/%.*s", id, (int)(n - 4),
			    m.files[i].name);
			*path = p.data;
			return 0;
		}
	}
	errno = EBADMSG;
	return -1;
}

void
dbcache_flush(int cache, const char *name, const char *keep,
    bool (*in_use)(const char *id, void *ctx), void *ctx)
{
	struct buf b = { NULL, 0, 0 }, other = { NULL, 0, 0 };
	struct dirent *e;
	DIR *d;
	int fd = dup(cache);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		int nf;

		if (e->d_name[0] == '.' && e->d_name[1] != '\0' &&
		    e->d_name[1] != '.' && strchr(e->d_name + 1, '.') != NULL) {
			/* A fetch of this process's pid cut short: stale. */
			long pid = strtol(strrchr(e->d_name, '.') + 1, NULL, 10);

			if (pid > 0 && kill((pid_t)pid, 0) != 0 &&
			    errno == ESRCH)
				remove_tree(cache, e->d_name);
			continue;
		}
		if (!sha256_hex_valid(e->d_name) ||
		    strcmp(e->d_name, keep) == 0 || in_use(e->d_name, ctx))
			continue;
		other.len = 0;
		buf_appendf(&other, "%s/name", e->d_name);
		nf = openat(cache, other.data, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nf < 0)
			continue;
		b.len = 0;
		if (read_bounded(nf, &b, 256) == 0) {
			buf_append(&b, "", 0);
			if (strcmp(b.data, name) == 0)
				remove_tree(cache, e->d_name);
		}
		close(nf);
	}
	closedir(d);
	buf_free(&b);
	buf_free(&other);
}
