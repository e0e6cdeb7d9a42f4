/*
 * statefile.c: small state files, replaced atomically (statefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "statefile.h"

int
statefile_write(const char *name, const void *text, size_t len)
{
	return atomic_write(AT_FDCWD, name, text, len, 0600);
}

int
statefile_write_for_boot(const char *name, const void *text, size_t len)
{
	return atomic_write_for_boot(AT_FDCWD, name, text, len, 0600);
}

int
statefile_read(const char *name, struct buf *out, size_t max)
{
	int fd, rc;

	out->len = 0;
	buf_append(out, "", 0);
	fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
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
statefile_get(const char *text, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key), vlen;
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			vlen = strcspn(p, "\n");
			if (n > 0)
				snprintf(out, n, "%.*s", (int)vlen, p);
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* The record's text for this job and server at attempt, handle last. */
static void
submitted_text(struct buf *b, unsigned attempt)
{
	const char *job = getenv("CT_JOB_ID"), *server = getenv("CT_SERVER");

	buf_appendf(b, "job=%s\nserver=%s\nattempt=%u\n", job ? job : "",
	    server ? server : "", attempt);
}

int
statefile_submitted_read(unsigned attempt, char *out, size_t n)
{
	struct buf want = { NULL, 0, 0 }, have = { NULL, 0, 0 };
	int rc;

	submitted_text(&want, attempt);
	rc = statefile_read(STATEFILE_SUBMITTED, &have, 4096);
	/* Another attempt's record, or a dispatcher's earlier job: none. */
	if (rc == 0 && (have.len < want.len || memcmp(have.data, want.data,
	    want.len) != 0 || statefile_get(have.data + want.len, "handle",
	    out, n) != 0 || out[0] == '\0'))
		rc = 1;
	buf_free(&want);
	buf_free(&have);
	return rc;
}

int
statefile_submitted_write(unsigned attempt, const char *handle, bool lasting)
{
	struct buf b = { NULL, 0, 0 };
	int rc;

	submitted_text(&b, attempt);
	buf_appendf(&b, "handle=%s\n", handle);
	rc = lasting ? statefile_write(STATEFILE_SUBMITTED, b.data, b.len) :
	    statefile_write_for_boot(STATEFILE_SUBMITTED, b.data, b.len);
	buf_free(&b);
	return rc;
}
