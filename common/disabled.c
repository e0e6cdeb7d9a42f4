/*
 * disabled.c: state/disabled.SERVER, written by ct-providers, read by
 * ct-dispatch (disabled.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "disabled.h"
#include "util.h"

/* "disabled." and a server ID (the registry bounds its length). */
#define NAME_MAX_LEN 300

static int
file_name(char *out, const char *server)
{
	int n = snprintf(out, NAME_MAX_LEN, "disabled.%s", server);

	if (n < 0 || n >= NAME_MAX_LEN || strchr(server, '/') != NULL ||
	    server[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

bool
disabled_reason_ok(const char *reason)
{
	const unsigned char *p;

	if (strlen(reason) > DISABLED_REASON_MAX)
		return false;
	for (p = (const unsigned char *)reason; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int
disabled_set(struct spool *sp, const char *server, const char *reason)
{
	char name[NAME_MAX_LEN], line[64 + DISABLED_REASON_MAX];
	int64_t now = now_usec();
	int d, n;

	if (file_name(name, server) != 0)
		return -1;
	if (!disabled_reason_ok(reason)) {
		errno = EINVAL;
		return -1;
	}
	if ((d = spool_dir(sp, SPOOL_STATE)) < 0)
		return -1;
	n = snprintf(line, sizeof line, "%lu %" PRId64 ".%06" PRId64 " %s\n",
	    (unsigned long)getuid(), now / 1000000, now % 1000000, reason);
	return atomic_write(d, name, line, (size_t)n, 0660);
}

int
disabled_clear(struct spool *sp, const char *server)
{
	char name[NAME_MAX_LEN];
	bool create = sp->create;
	int d;

	if (file_name(name, server) != 0)
		return -1;
	sp->create = false;	/* nothing to clear makes no state/ */
	d = spool_dir(sp, SPOOL_STATE);
	sp->create = create;
	if (d < 0)
		return errno == ENOENT ? 0 : -1;
	if (unlinkat(d, name, 0) != 0)
		return errno == ENOENT ? 0 : -1;
	return dir_sync(d) == 0 ? 1 : -1;
}

/* The line "UID SECONDS.USEC REASON" into why; false if it is not one. */
static bool
parse_line(char *text, struct disabling *why)
{
	const char *p = text, *end;
	int64_t uid, sec, usec;
	char *nl = strchr(text, '\n');

	if (nl == NULL || nl[1] != '\0')
		return false;
	*nl = '\0';
	if (parse_int64(p, &end, 0, UINT32_MAX - 1, &uid) != 0 || *end != ' ')
		return false;
	p = end + 1;
	if (parse_int64(p, &end, 0, INT64_MAX / 1000000 - 1, &sec) != 0 ||
	    *end != '.' || strspn(end + 1, "0123456789") != 6)
		return false;
	if (parse_int64(end + 1, &end, 0, 999999, &usec) != 0 || *end != ' ' ||
	    !disabled_reason_ok(end + 1))
		return false;
	why->uid = (uid_t)uid;
	why->usec = sec * 1000000 + usec;
	snprintf(why->reason, sizeof why->reason, "%s", end + 1);
	return true;
}

int
disabled_get(struct spool *sp, const char *server, struct disabling *why)
{
	char name[NAME_MAX_LEN];
	struct buf b = { 0 };
	bool create = sp->create;
	struct stat st;
	int d, fd;

	if (file_name(name, server) != 0)
		return -1;
	sp->create = false;	/* a reader makes no state/ */
	d = spool_dir(sp, SPOOL_STATE);
	sp->create = create;
	if (d < 0)
		return errno == ENOENT ? 0 : -1;
	if (why == NULL) {
		if (fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
		return errno == ENOENT ? 0 : -1;
	}
	why->uid = (uid_t)-1;
	why->usec = 0;
	why->reason[0] = '\0';
	if ((fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		/* There, but not ours to read: disabled all the same. */
		return fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 1 : -1;
	}
	if (read_bounded(fd, &b, 64 + DISABLED_REASON_MAX) == 0) {
		buf_append(&b, "", 1);
		if (!parse_line(b.data, why)) {
			why->uid = (uid_t)-1;
			why->usec = 0;
			why->reason[0] = '\0';
		}
	}
	close(fd);
	buf_free(&b);
	return 1;
}
