/*
 * blobstore.c: blobs named by their SHA-256, and manifests of them
 * (blobstore.h).
 *
 * Nothing that arrives from the network names a file here but a digest,
 * checked to be one, or a manifest's file name, checked to be a single
 * component of a few characters; every file is opened beneath a
 * directory descriptor, without following a symbolic link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "blobstore.h"
#include "charset.h"
#include "jobid.h"
#include "util.h"

int
blob_put_fd(int blobs, int tmp, int fd, uint64_t max,
    char id[SHA256_HEX_LEN + 1], uint64_t *size)
{
	char name[128];
	int out, saved;

	snprintf(name, sizeof name, "blob.%ld.%s", (long)getpid(),
	    jobid_nonce());
	if ((out = file_create(tmp, name, 0600)) < 0)
		return -1;
	if (sha256_fd(fd, out, max, id, size) != 0) {
		saved = errno;
		close(out);
		goto fail;
	}
	if (file_seal(out) != 0) {
		saved = errno;
		goto fail;
	}
	/* The same content under the same name: the one there will do. */
	if (rename_noreplace(tmp, name, blobs, id) != 0) {
		saved = errno;
		if (saved != EEXIST)
			goto fail;
		unlinkat(tmp, name, 0);
	}
	return dir_sync(blobs);
fail:
	unlinkat(tmp, name, 0);
	errno = saved;
	return -1;
}

int
blob_put(int blobs, int tmp, const void *data, size_t len,
    char id[SHA256_HEX_LEN + 1])
{
	uint64_t size;
	int fd, rc = -1, saved;

	/* A memory file, so that one path writes every blob. */
	if ((fd = memfd_create("blob", MFD_CLOEXEC)) < 0)
		return -1;
	if (write_all(fd, data, len) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		rc = blob_put_fd(blobs, tmp, fd, len, id, &size);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
blob_open(int blobs, const char *id, int *fd, uint64_t *size)
{
	struct stat st;

	if (!sha256_hex_valid(id))
		return 1;
	*fd = openat(blobs, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT ? 1 : -1;
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		errno = EINVAL;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

bool
manifest_name_valid(const char *s)
{
	return s[0] != '.' && chars_only(s, CHARS_ALNUM "._-", 1,
	    MANIFEST_NAME_MAX);
}

int
manifest_parse(const char *data, size_t len, uint64_t max_size,
    struct manifest *m, char *why, size_t whylen)
{
	const char *kind, *name, *blob, *entry = NULL;
	json_t *j, *files, *f;
	json_int_t size;
	json_error_t e;
	uint64_t total = 0;
	size_t i, k;
	int rc = -1;

	memset(m, 0, sizeof *m);
	if (len > MANIFEST_MAX_SIZE) {
		snprintf(why, whylen, "a manifest of over %d bytes",
		    MANIFEST_MAX_SIZE);
		return -1;
	}
	if ((j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e)) == NULL) {
		snprintf(why, whylen, "a manifest that is not JSON: %s",
		    e.text);
		return -1;
	}
	if (json_unpack_ex(j, &e, 0, "{s:s, s:o, s?:s}", "kind", &kind,
	    "files", &files, "entry", &entry) != 0 ||
	    !chars_only(kind, CHARS_ALNUM "-", 1,
	    sizeof m->kind - 1) || !json_is_array(files) ||
	    json_array_size(files) == 0 ||
	    json_array_size(files) > MANIFEST_MAX_FILES) {
		snprintf(why, whylen, "a manifest of the wrong shape");
		goto out;
	}
	snprintf(m->kind, sizeof m->kind, "%s", kind);
	json_array_foreach(files, i, f) {
		struct manifest_file *mf = &m->files[i];

		if (json_unpack(f, "{s:s, s:s, s:I}", "name", &name, "blob",
		    &blob, "size", &size) != 0 || !manifest_name_valid(name) ||
		    !sha256_hex_valid(blob) || size < 0 ||
		    (uint64_t)size > max_size - total) {
			snprintf(why, whylen, "file %zu of the manifest: a "
			    "name, blob or size of the wrong shape, or over "
			    "%" PRIu64 " bytes in all", i + 1, max_size);
			goto out;
		}
		for (k = 0; k < i; k++)
			if (strcmp(m->files[k].name, name) == 0) {
				snprintf(why, whylen, "the manifest names "
				    "file %s twice", name);
				goto out;
			}
		total += (uint64_t)size;
		snprintf(mf->name, sizeof mf->name, "%s", name);
		memcpy(mf->blob, blob, SHA256_HEX_LEN + 1);
		mf->size = (uint64_t)size;
		m->n++;
	}
	if (entry != NULL)
		for (k = 0; k < m->n; k++)
			if (strcmp(m->files[k].name, entry) == 0)
				snprintf(m->entry, sizeof m->entry, "%s", entry);
	if ((entry != NULL || strcmp(m->kind, "component") == 0) &&
	    m->entry[0] == '\0') {
		snprintf(why, whylen, "the manifest's entry is none of its "
		    "files (a component must name one)");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int
blob_manifest(int blobs, const char *id, struct manifest *m, char *why,
    size_t whylen)
{
	struct buf b = { NULL, 0, 0 };
	uint64_t size;
	int fd, rc;

	if ((rc = blob_open(blobs, id, &fd, &size)) != 0) {
		snprintf(why, whylen, rc == 1 ? "no blob %.64s" :
		    "cannot open blob %.64s: %s", id, strerror(errno));
		return rc;
	}
	rc = read_bounded(fd, &b, MANIFEST_MAX_SIZE);
	close(fd);
	if (rc != 0)
		snprintf(why, whylen, "blob %.64s: unreadable, or not a "
		    "manifest (over %d bytes)", id, MANIFEST_MAX_SIZE);
	else
		rc = manifest_parse(b.data, b.len, UINT64_MAX, m, why, whylen);
	buf_free(&b);
	return rc != 0 ? -1 : 0;
}

/*
 * Whether name is a file of the BLAST database base: base.EXT, EXT one
 * of the extensions makeblastdb writes for a volume (versions 4 and 5,
 * protein or nucleotide). Alias files (.pal, .nal) name other files by
 * path, and are not taken.
 */
static bool
blastdb_file(const char *name, const char *base)
{
	static const char *const ext[] = { "in", "hr", "sq", "db", "ot", "tf",
	    "to", "js", "os", "og", "sd", "si", "ni", "nd", "pi", "pd", "hi",
	    "hd", "aa", "ab", "ac", NULL };
	size_t n = strlen(base), i;
	const char *e;

	if (strncmp(name, base, n) != 0 || name[n] != '.')
		return false;
	e = name + n + 1;
	if ((e[0] != 'p' && e[0] != 'n') || strlen(e) != 3)
		return false;
	for (i = 0; ext[i] != NULL; i++)
		if (strcmp(e + 1, ext[i]) == 0)
			return true;
	return false;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct manifest_file *)a)->name,
	    ((const struct manifest_file *)b)->name);
}

char *
manifest_text(const struct manifest *m)
{
	json_t *files = json_array(), *j;
	char *text;
	size_t i;

	for (i = 0; i < m->n; i++)
		json_array_append_new(files, json_pack("{s:s, s:s, s:I}",
		    "name", m->files[i].name, "blob", m->files[i].blob, "size",
		    (json_int_t)m->files[i].size));
	j = json_pack("{s:s, s:o}", "kind", m->kind, "files", files);
	if (j != NULL && m->entry[0] != '\0')
		json_object_set_new(j, "entry", json_string(m->entry));
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

/* Store manifest m, of the database at path, as a blob: its ID in id. */
static int
manifest_put(int blobs, int tmp, const struct manifest *m, const char *path,
    char id[SHA256_HEX_LEN + 1], char *why, size_t whylen)
{
	char *text = manifest_text(m);
	int rc = 0;

	if (text == NULL || blob_put(blobs, tmp, text, strlen(text), id) != 0) {
		snprintf(why, whylen, "cannot store the manifest of %.200s: %s",
		    path, strerror(errno));
		rc = -1;
	}
	free(text);
	return rc;
}

int
blob_put_fasta(int blobs, int tmp, const char *path, uint64_t max,
    char id[SHA256_HEX_LEN + 1], char *why, size_t whylen)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash == NULL ? path : slash + 1;
	struct manifest m;
	int fd;

	memset(&m, 0, sizeof m);
	snprintf(m.kind, sizeof m.kind, "fasta");
	if (!manifest_name_valid(base)) {
		snprintf(why, whylen, "%.200s: a FASTA database's file name is "
		    "1 to %d of [A-Za-z0-9._-]", path, MANIFEST_NAME_MAX);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || blob_put_fd(blobs, tmp, fd, max, m.files[0].blob,
	    &m.files[0].size) != 0) {
		snprintf(why, whylen, "%.200s: %s", path, errno == EFBIG ?
		    "too large" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	memcpy(m.files[0].name, base, strlen(base) + 1);
	m.n = 1;
	return manifest_put(blobs, tmp, &m, path, id, why, whylen);
}

int
blob_put_blastdb(int blobs, int tmp, const char *prefix, uint64_t max,
    char id[SHA256_HEX_LEN + 1], char *why, size_t whylen)
{
	const char *slash = strrchr(prefix, '/'), *base;
	struct manifest m;
	struct dirent *e;
	char *dir;
	bool index = false;
	DIR *d;
	int dfd, fd, rc = -1;

	memset(&m, 0, sizeof m);
	snprintf(m.kind, sizeof m.kind, "blastdb");
	dir = slash == NULL ? xstrdup(".") : slash == prefix ? xstrdup("/") :
	    xstrndup(prefix, (size_t)(slash - prefix));
	base = slash == NULL ? prefix : slash + 1;
	if (!manifest_name_valid(base) || strlen(base) > MANIFEST_NAME_MAX - 4) {
		snprintf(why, whylen, "%.200s: a database's name is 1 to %d "
		    "of [A-Za-z0-9._-]", prefix, MANIFEST_NAME_MAX - 4);
		free(dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		snprintf(why, whylen, "cannot read %.200s: %s", dir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		struct manifest_file *mf = &m.files[m.n];

		if (!blastdb_file(e->d_name, base))
			continue;
		if (m.n == MANIFEST_MAX_FILES) {
			snprintf(why, whylen, "%.200s: more than %d files",
			    prefix, MANIFEST_MAX_FILES);
			goto out;
		}
		fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || blob_put_fd(blobs, tmp, fd, max, mf->blob,
		    &mf->size) != 0) {
			snprintf(why, whylen, "%.200s/%s: %s", dir, e->d_name,
			    errno == EFBIG ? "too large" : strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
		/* base is at most MANIFEST_NAME_MAX - 4, ".EXT" 4 more. */
		memcpy(mf->name, e->d_name, strlen(e->d_name) + 1);
		index |= strcmp(e->d_name + strlen(base), ".pin") == 0 ||
		    strcmp(e->d_name + strlen(base), ".nin") == 0;
		m.n++;
	}
	if (!index) {
		snprintf(why, whylen, "%.200s: no BLAST database there (no "
		    ".pin or .nin; an alias database is not taken)", prefix);
		goto out;
	}
	qsort(m.files, m.n, sizeof m.files[0], by_name);
	rc = manifest_put(blobs, tmp, &m, prefix, id, why, whylen);
out:
	closedir(d);
	free(dir);
	return rc;
}

int
manifest_of_component(const char *dir, uint64_t max, struct manifest *m,
    char *why, size_t whylen)
{
	struct dirent *e;
	struct stat st;
	size_t n;
	DIR *d;
	int fd, rc = -1;

	memset(m, 0, sizeof *m);
	snprintf(m->kind, sizeof m->kind, "component");
	if ((d = opendir(dir)) == NULL) {
		snprintf(why, whylen, "cannot read %.200s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct manifest_file *mf = &m->files[m->n];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!manifest_name_valid(e->d_name)) {
			snprintf(why, whylen, "%.200s: a file name of other "
			    "than [A-Za-z0-9._-]: %.80s", dir, e->d_name);
			goto out;
		}
		if (m->n == MANIFEST_MAX_FILES) {
			snprintf(why, whylen, "%.200s: more than %d files", dir,
			    MANIFEST_MAX_FILES);
			goto out;
		}
		st.st_mode = S_IFREG;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    sha256_fd(fd, -1, max, mf->blob, &mf->size) != 0) {
			snprintf(why, whylen, "%.200s/%s: %s", dir, e->d_name,
			    fd >= 0 && !S_ISREG(st.st_mode) ? "not a regular "
			    "file" : errno == EFBIG ? "too large" :
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
		memcpy(mf->name, e->d_name, strlen(e->d_name) + 1);
		n = strlen(mf->name);
		if (n > 4 && strcmp(mf->name + n - 4, ".mjs") == 0) {
			if (m->entry[0] != '\0') {
				snprintf(why, whylen, "%.200s: two modules "
				    "(.mjs), %s and %s: which is the entry?",
				    dir, m->entry, mf->name);
				goto out;
			}
			snprintf(m->entry, sizeof m->entry, "%s", mf->name);
		}
		m->n++;
	}
	if (m->entry[0] == '\0') {
		snprintf(why, whylen, "%.200s: no module (.mjs) to run", dir);
		goto out;
	}
	qsort(m->files, m->n, sizeof m->files[0], by_name);
	rc = 0;
out:
	closedir(d);
	return rc;
}
