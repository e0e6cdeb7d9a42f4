/*
 * statefile.c: small state files, replaced atomically (statefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
