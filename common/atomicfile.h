/*
 * atomicfile.h: files written whole or not at all, and directories whose
 * new entries are made to last.
 *
 * Errors: nothing here prints; every function that can fail returns -1
 * with errno set, and its caller says what failed.
 *
 * The protocol is Maildir's and Postfix's (skalibs calls it
 * openwritenclose): create a temporary name with O_EXCL and O_NOFOLLOW,
 * write everything, fsync, close (each step checked), rename it to the
 * real name, fsync the directory. A reader sees no file or the old one or
 * the whole new one, never a part; a crash before the directory's fsync
 * may bring back the old one, never a part.
 *
 * atomic_write and atomic_write_with take all the steps at once, with the
 * temporary file beside its name. The spool stages its files in tmp/ and
 * publishes a batch of them with one directory fsync (cputorrent-spool(5)),
 * so it takes the same steps one by one: file_create, write_all (util.h),
 * file_seal, then a rename (rename_noreplace for a new name) and dir_sync.
 */
#ifndef CT_ATOMICFILE_H
#define CT_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Create dirfd/name for writing: it must not exist (O_EXCL) and is never
 * reached through a symbolic link. dirfd may be AT_FDCWD. Returns the
 * descriptor, or -1.
 */
int file_create(int dirfd, const char *name, mode_t mode);

/*
 * Make the file written on fd last: fsync it, then close it (a full disk
 * or a lost NFS write shows in either). fd is closed even on failure.
 * Returns 0, or -1.
 */
int file_seal(int fd);

/*
 * fsync directory dirfd (AT_FDCWD: the working directory), so that the
 * entries renamed or created in it last.
 */
int dir_sync(int dirfd);

/* fsync the directory that holds dirfd/path (a name with or without '/'). */
int dir_sync_parent(int dirfd, const char *path);

/*
 * Rename from/fname to to/tname, never replacing an existing file. Where
 * the file system cannot do that in one rename (NFS), link and unlink
 * instead, checking the result of a link that reports failure. Returns 0,
 * or -1 (EEXIST: the name is taken; ENOENT: the file is gone).
 */
int rename_noreplace(int from, const char *fname, int to, const char *tname);

/*
 * Fills the temporary file open on fd. Returns 0, or -1 with errno set;
 * what else it wants to tell its caller, it leaves in ctx.
 */
typedef int (*atomic_fill_fn)(int fd, void *ctx);

/*
 * Replace dirfd/name (dirfd may be AT_FDCWD; name may hold '/') with what
 * fill writes: a temporary file beside it, created with mode (less the
 * umask), filled, sealed, renamed over name, then its directory fsynced.
 * fill is called only once the temporary file exists. Returns 0, or -1
 * with nothing left behind but the old file, if any.
 */
int atomic_write_with(int dirfd, const char *name, mode_t mode,
    atomic_fill_fn fill, void *ctx);

/* atomic_write_with, writing data[0..len). */
int atomic_write(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode);

/*
 * atomic_write, but nothing fsynced: still whole or not at all to every
 * reader while the host runs, but a crash of the host may bring back the
 * old file, or none. For state that means nothing after a restart: the
 * record of processes of this host, which a restart ends whatever the
 * file says. Two fsyncs a file less.
 */
int atomic_write_for_boot(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode);

#endif
