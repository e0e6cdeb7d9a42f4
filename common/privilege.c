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
static mode_t caller_umask;
static bool umask_changed;

void
privilege_init(void)
{
	int fd;

	/*
	 * A closed 0, 1 or 2 would be reused by the next open(2), and a
	 * spool file could end up as someone's standard output. Fill the gap
	 * with /dev/null opened the wrong way round, so that reading a closed
	 * stdin or writing a closed stdout still fails (EBADF) as it should.
	 */
	for (fd = 0; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			ct_dieerr(EX_OSERR, "cannot open /dev/null");
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
	/* What is written from now on is the caller's: their umask rules. */
	if (umask_changed)
		umask(caller_umask);
	umask_changed = false;
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
	caller_umask = umask(007);
	umask_changed = true;
}
