/*
 * replay.c: run a fuzz harness over files, for make check: each file
 * named is read whole and given to LLVMFuzzerTestOneInput once. A crash
 * or a sanitizer's report ends the run; otherwise it exits 0.
 *
 *	replay-NAME FILE...
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *b = NULL;
	size_t cap = 0, n;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		perror(path);
		exit(66);
	}
	*len = 0;
	do {
		if (*len == cap && (b = realloc(b, cap = 2 * cap + 4096)) == NULL)
			abort();
		n = fread(b + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(path);
		exit(74);
	}
	fclose(f);
	return b;
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		size_t len;
		unsigned char *b = slurp(argv[i], &len);

		LLVMFuzzerTestOneInput(b, len);
		free(b);
	}
	return 0;
}
