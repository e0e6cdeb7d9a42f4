/*
 * util.c: allocation, buffers, full I/O, clocks. Nothing here knows about
 * jobs or spools.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "exitcodes.h"
#include "util.h"

static void
out_of_memory(void)
{
	ct_die(EX_OSERR, "out of memory");
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
buf_reserve(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		out_of_memory();
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		ct_die(EX_SOFTWARE, "buf_appendf: bad format");
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
read_bounded(int fd, struct buf *b, size_t max)
{
	size_t start = b->len;

	for (;;) {
		size_t want, room = max + 1 - (b->len - start);
		ssize_t n;

		if (room == 0)
			return 1;
		want = room < 65536 ? room : 65536;
		if ((n = buf_read(fd, b, want)) <= 0)
			return (int)n;
	}
}

ssize_t
buf_read(int fd, struct buf *b, size_t want)
{
	ssize_t n;

	buf_reserve(b, want);
	while ((n = read(fd, b->data + b->len, want)) < 0 && errno == EINTR)
		;
	if (n > 0) {
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
	return n;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
write_file_at(int dir, const char *name, const void *p, size_t n,
    unsigned mode)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    (mode_t)mode), rc;

	if (fd < 0)
		return -1;
	/*
	 * Written, then cut to length; not emptied first (O_TRUNC): ext4
	 * writes a file emptied by a truncate out to the disk when it is
	 * closed (auto_da_alloc), which for a count rewritten at every job
	 * was a disk write a job.
	 */
	rc = write_all(fd, p, n) == 0 && ftruncate(fd, (off_t)n) == 0 ? 0 : -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

int
copy_fd(int from, int to)
{
	char block[65536];
	ssize_t n;

	for (;;) {
		n = read(from, block, sizeof block);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return COPY_READ_FAILED;
		if (n == 0)
			return 0;
		if (write_all(to, block, (size_t)n) != 0)
			return COPY_WRITE_FAILED;
	}
}

static int64_t
clock_usec(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
now_usec(void)
{
	return clock_usec(CLOCK_REALTIME);
}

int64_t
monotonic_usec(void)
{
	return clock_usec(CLOCK_MONOTONIC);
}

int
parse_int64(const char *s, const char **end, int64_t min, int64_t max,
    int64_t *out)
{
	const char *digits = s + (*s == '-');
	long long v;
	char *e;

	if (!isdigit((unsigned char)*digits))
		return -1;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno != 0 || v < min || v > max || (end == NULL && *e != '\0'))
		return -1;
	if (end != NULL)
		*end = e;
	*out = v;
	return 0;
}

int
poll_timeout_ms(int64_t usec)
{
	if (usec <= 0)
		return 0;
	if (usec / 1000 >= INT_MAX)
		return INT_MAX;
	return (int)((usec + 999) / 1000);
}

uint32_t
fnv1a32(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint32_t h = 2166136261u;

	while (n-- > 0) {
		h ^= *c++;
		h *= 16777619u;
	}
	return h;
}

int
parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

int
parse_seconds(const char *s, double *out)
{
	double v;
	char *end;

	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

const char *
env_nonempty(const char *var)
{
	const char *v = getenv(var);

	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
setting_choose(const char *opt, const char *var, const char *dflt)
{
	const char *env = env_nonempty(var);

	if (opt != NULL && *opt != '\0')
		return opt;
	return env != NULL ? env : dflt;
}

char *
path_join(const char *dir, const char *name)
{
	struct buf b = { NULL, 0, 0 };

	buf_appendf(&b, "%s/%s", dir, name);
	return b.data;
}
