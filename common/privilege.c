/*
 * privilege.c: holding the spool group only where it is needed. See
 * privilege.h for the model.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "exitcodes.h"
#include "privilege.h"

static gid_t real_gid, spool_gid;
static bool elevated;

void
privilege_init(void)
{
	int fd;

	/* A closed 0, 1 or 2 would be reused by the next open(2). */
	do {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			ct_dieerr(EX_OSERR, "cannot open /dev/null");
	} while (fd <= STDERR_FILENO);
	close(fd);
	real_gid = getgid();
	spool_gid = getegid();
	elevated = real_gid != spool_gid;
}

bool
privilege_elevated(void)
{
	return elevated;
}

void
privilege_drop(void)
{
	if (!elevated)
		return;
	if (setresgid(real_gid, real_gid, real_gid) != 0)
		ct_dieerr(EX_OSERR, "cannot drop group privileges");
	elevated = false;
}

void
privilege_suspend(void)
{
	if (elevated && setresgid((gid_t)-1, real_gid, (gid_t)-1) != 0)
		ct_dieerr(EX_OSERR, "cannot suspend group privileges");
}

void
privilege_resume(void)
{
	if (elevated && setresgid((gid_t)-1, spool_gid, (gid_t)-1) != 0)
		ct_dieerr(EX_OSERR, "cannot resume group privileges");
}

void
privilege_check_spool(int fd)
{
	struct stat st;

	if (!elevated)
		return;
	/* fstat of the open directory: no window to swap a symlink in. */
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 ||
	    st.st_gid != spool_gid || (st.st_mode & S_IWOTH) != 0) {
		privilege_drop();
		return;
	}
	umask(007);
}
