/*
 * util.h: small helpers every program needs: allocation that cannot
 * return NULL, full reads and writes, the clock.
 *
 * Errors: nothing here prints, except that running out of memory
 * (and a bad format for buf_appendf) is printed and ends the program.
 */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Allocation; on failure these print "out of memory" and exit EX_OSERR. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * A growable byte buffer. len bytes are valid; the byte at data[len] is
 * always NUL so text can be handled as a string, but the data may also
 * hold NULs of its own.
 */
struct buf {
	char *data;
	size_t len, cap;
};

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_appendf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/*
 * Read fd to end of file, appending to b, but never more than max bytes in
 * all. Returns 0 at end of file, 1 if the data would exceed max (b then
 * holds max + 1 bytes, enough to say so), -1 on a read error (errno set).
 */
int read_bounded(int fd, struct buf *b, size_t max);

/*
 * One read(2) of at most want bytes appended to b (NUL kept after them),
 * retrying on EINTR. Returns the number read, 0 at end of file, or -1.
 */
ssize_t buf_read(int fd, struct buf *b, size_t want);

/* Write all n bytes, retrying on short writes and EINTR; -1 on error. */
int write_all(int fd, const void *p, size_t n);

/*
 * Write dir/name over in place (made with mode if missing, never through
 * a symbolic link) with p[0..n): not atomic, for a small count kept under
 * a lock whose damage its reader heals by counting again (slots.h,
 * spoollimits.h). Returns 0, or -1 with errno set.
 */
int write_file_at(int dir, const char *name, const void *p, size_t n,
    unsigned mode);

/*
 * Copy from to to until end of file. Returns 0, COPY_READ_FAILED or
 * COPY_WRITE_FAILED (errno set), so the caller can say which side failed.
 */
enum { COPY_READ_FAILED = -1, COPY_WRITE_FAILED = -2 };
int copy_fd(int from, int to);

/* Microseconds since the Epoch, from the real-time clock. */
int64_t now_usec(void);

/* Microseconds from a monotonic clock, for measuring intervals. */
int64_t monotonic_usec(void);

/*
 * usec as a timeout for poll(2): rounded up to a whole millisecond, so
 * that the wait never ends early; 0 if it is past; at most INT_MAX ms
 * (24 days), so a longer wait is a loop that polls again.
 */
int poll_timeout_ms(int64_t usec);

/* 32-bit FNV-1a hash: stable across hosts and builds. */
uint32_t fnv1a32(const void *p, size_t n);

/*
 * Parse a size such as "4096", "64k", "8M" or "1G" (binary multiples).
 * Returns 0 and sets *out, or -1 if s is not a valid size.
 */
int parse_size(const char *s, size_t *out);

/*
 * Parse the decimal integer at s (digits, after an optional '-'), which
 * must lie in [min, max]: every number read from a file or a provider
 * goes through here, so none can overflow what is done with it later.
 * With end NULL nothing may follow it; else *end gets what follows.
 * Returns 0 and sets *out, or -1 if s is not such a number.
 */
int parse_int64(const char *s, const char **end, int64_t min, int64_t max,
    int64_t *out);

/* The value of environment variable var, or NULL if unset or empty. */
const char *env_nonempty(const char *var);

/*
 * A setting chosen the usual way: opt (from the command line) if given,
 * else environment variable var if set, else dflt.
 */
const char *setting_choose(const char *opt, const char *var,
    const char *dflt);

/* "dir/name", allocated. */
char *path_join(const char *dir, const char *name);

/* Parse a non-negative decimal number of seconds, fraction allowed. */
int parse_seconds(const char *s, double *out);

#endif
