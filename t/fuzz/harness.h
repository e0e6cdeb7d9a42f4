/*
 * harness.h: what every fuzz harness under t/fuzz/ shares. A harness is
 * one parser's entry point, called as the program that parses the bytes
 * calls it, in libFuzzer's form: AFL++ drives it (make fuzz), and
 * replay.c runs it over kept inputs (make check).
 */
#ifndef CT_FUZZ_HARNESS_H
#define CT_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
 * A directory of the harness's own, made at its first call: tmpl is a
 * static "/tmp/NAME.XXXXXX", which mkdtemp fills in. With quiet, stdout
 * goes to /dev/null from then on: what a wrapper answers is not wanted.
 */
static inline const char *
harness_dir(char *tmpl, int quiet)
{
	size_t n = strlen(tmpl);

	if (n >= 6 && strcmp(tmpl + n - 6, "XXXXXX") == 0 &&
	    (mkdtemp(tmpl) == NULL ||
	    (quiet && freopen("/dev/null", "w", stdout) == NULL)))
		abort();
	return tmpl;
}

#endif
