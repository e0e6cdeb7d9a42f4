/*
 * open-one: the floor for a lookup by name (t/bench/run): a process that
 * opens one file by its path, reads it whole and exits. With -w it also
 * copies the file to standard output, the floor for ct-fetch.
 *
 * usage: open-one [-w] file
 * Exits 0, or 1 after a message, 64 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static char buf[65536];
	const char *path;
	int fd, copy = 0;
	ssize_t r, w, off;

	if (argc == 3 && strcmp(argv[1], "-w") == 0)
		copy = 1;
	else if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: open-one [-w] file\n");
		return 64;
	}
	path = argv[argc - 1];
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		for (off = 0; copy && off < r; off += w)
			if ((w = write(STDOUT_FILENO, buf + off,
			    (size_t)(r - off))) < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				path = "standard output";
				goto fail;
			}
	}
	close(fd);
	return 0;
fail:
	fprintf(stderr, "open-one: %s: %s\n", path, strerror(errno));
	return 1;
}
