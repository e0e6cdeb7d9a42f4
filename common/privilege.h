/*
 * privilege.h: running set-group-ID on a shared spool.
 *
 * Errors: a change of group that fails is printed here and ends the
 * program (EX_OSERR): running on with the wrong rights is never
 * better. Nothing else prints.
 *
 * On a host shared by several users, the job commands are installed
 * setgid to the group that owns the spool (cputorrent-spool(5), INSTALL
 * MODES), and the spool is closed to everyone else. The programs then hold
 * the group's rights only while they touch the spool: they read the
 * caller's input files and write the caller's output files with the
 * caller's own rights, and they give the group up for good when pointed
 * at a spool that is not a trusted one (owned by root and by the group,
 * and not writable by others), so -S and CT_SPOOL cannot be used to reach
 * the real spool through a directory the caller made.
 *
 * Without the setgid bit these functions change nothing.
 */
#ifndef CT_PRIVILEGE_H
#define CT_PRIVILEGE_H

#include <stdbool.h>

/*
 * Call first in main(). Makes sure descriptors 0, 1 and 2 are open (on
 * /dev/null if the caller closed them), so that no spool file can land on
 * them, and notes whether the program runs setgid.
 */
void privilege_init(void);

/* True while the program holds a group it was not started with. */
bool privilege_elevated(void);

/*
 * Decide about the spool directory open on fd (-1 if it does not exist):
 * keep the group only if it is trusted (see above), otherwise drop it for
 * good. In a trusted shared spool, set the umask so that files stay
 * readable by the group and by no one else.
 */
void privilege_check_spool(int fd);

/* Give the group up for good. */
void privilege_drop(void);

/* Act with the caller's own group until privilege_resume(). */
void privilege_suspend(void);
void privilege_resume(void);

#endif
