/*
 * libexec.c: where the programs' helpers are (libexec.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "libexec.h"
#include "util.h"

char *
libexec_path(const char *helper)
{
	const char *dir = env_nonempty("CT_LIBEXEC_DIR");

	return path_join(dir != NULL ? dir : CT_WRAPPER_DIR_DEFAULT, helper);
}

void
libexec_answer(int argc, char **argv, const char *name, const char *usage,
    const char *help)
{
	if (argc != 2)
		return;
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		fputs(help, stdout);
		exit(0);
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", name, CT_VERSION);
		exit(0);
	}
}
