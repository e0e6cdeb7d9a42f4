/*
 * trivial-wrapper.c: the cheapest wrapper that keeps the contract
 * (ct-wrapper(7)), for timing ct-dispatch itself: submit swallows the
 * input and answers with a handle, poll says done, fetch prints a line,
 * cancel does nothing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char block[65536];

	if (argc < 2)
		return 64;
	if (strcmp(argv[1], "submit") == 0) {
		while (read(0, block, sizeof block) > 0)
			;
		puts("h1");
	} else if (strcmp(argv[1], "poll") == 0)
		puts("done");
	else if (strcmp(argv[1], "fetch") == 0)
		puts("trivial result");
	else if (strcmp(argv[1], "cancel") != 0)
		return 64;
	return 0;
}
