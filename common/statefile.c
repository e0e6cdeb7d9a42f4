/*
 * statefile.c: small state files, replaced atomically (statefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "statefile.h"

static int
sync_cwd(void)
{
	int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
statefile_write(const char *name, const void *text, size_t len)
{
	char tmp[256];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", name,
	    (long)getpid()) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, name) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return sync_cwd();
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
