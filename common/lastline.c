/*
 * lastline.c: the last line a command wrote to its standard error, fit to
 * quote in a one-line poll reason.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lastline.h"

/* How much of the end of the file is searched for that line. */
#define TAIL_BYTES 8192

/*
 * The length of s[0..len) without a last UTF-8 sequence that a cut left
 * incomplete.
 */
static size_t
whole_utf8(const char *s, size_t len)
{
	size_t lead = len, need;
	unsigned char c;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return len;
	c = (unsigned char)s[lead - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return len - (lead - 1) < need ? lead - 1 : len;
}

/*
 * Copy line[0..n) to out without control bytes (a tab becomes a space),
 * trimmed, at most LAST_LINE_MAX bytes and never ending inside a UTF-8
 * sequence. Returns the length.
 */
static size_t
clean_line(const char *line, size_t n, char *out)
{
	size_t i, len = 0;
	unsigned char c;

	for (i = 0; i < n && len < LAST_LINE_MAX; i++) {
		c = (unsigned char)line[i];
		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f || (c == ' ' && len == 0))
			continue;
		out[len++] = (char)c;
	}
	if (i < n)
		len = whole_utf8(out, len);
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return len;
}

void
last_line_of(const char *path, char out[LAST_LINE_MAX + 1])
{
	char tail[TAIL_BYTES];
	ssize_t n;
	off_t size;
	size_t end, start;
	int fd;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	n = size < 0 ? -1 : pread(fd, tail, sizeof tail,
	    size > TAIL_BYTES ? size - TAIL_BYTES : 0);
	close(fd);
	if (n <= 0)
		return;
	for (end = (size_t)n; end > 0; end = start - 1) {
		start = end;
		while (start > 0 && tail[start - 1] != '\n')
			start--;
		if (clean_line(tail + start, end - start, out) > 0)
			return;
		if (start == 0)
			break;
	}
}

