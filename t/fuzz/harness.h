/*
 * harness.h: what every fuzz harness under t/fuzz/ shares. A harness is
 * one parser's entry point, called as the program that parses the bytes
 * calls it, in libFuzzer's form: AFL++ drives it (make fuzz), and
 * replay.c runs it over kept inputs (make check).
 */
#ifndef CT_FUZZ_HARNESS_H
#define CT_FUZZ_HARNESS_H

#include <ftw.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a NUL-terminated string, as a parser of text gets them. */
static inline char *
harness_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A directory of the harness's own, ct-fuzz-NAME.XXXXXX, made at its
 * first call: in /dev/shm where there is one, for a harness that writes
 * a file at each run (a file rewritten on a disk costs a writeback, and
 * runs come thousands a second), else in /tmp. With quiet, stdout goes
 * to /dev/null from then on: what a wrapper answers is not wanted.
 */
static char harness_dir_path[256];

static inline int
harness_remove(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* At exit, the directory goes with what the runs left in it. */
static inline void
harness_dir_remove(void)
{
	nftw(harness_dir_path, harness_remove, 8, FTW_DEPTH | FTW_PHYS);
}

static inline char *
harness_dir(const char *name, int quiet)
{
	char *dir = harness_dir_path;

	if (dir[0] != '\0')
		return dir;
	snprintf(dir, sizeof harness_dir_path, "%s/ct-fuzz-%s.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name);
	if (mkdtemp(dir) == NULL || atexit(harness_dir_remove) != 0 ||
	    (quiet && freopen("/dev/null", "w", stdout) == NULL))
		abort();
	return dir;
}

#endif
