/*
 * trivial-wrapper.c: the cheapest wrapper that keeps the contract
 * (ct-wrapper(7)), for timing ct-dispatch itself: submit reads the input,
 * answers with its query's name as the handle, poll says done, fetch
 * prints a minimal BLAST XML report for that query (a result is BLAST
 * XML or nothing), cancel does nothing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The report, as t/lib/blastxml writes it, cut to what a result needs. */
static const char report[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE BlastOutput PUBLIC \"-//NCBI//NCBI BlastOutput/EN\" "
    "\"http://www.ncbi.nlm.nih.gov/dtd/NCBI_BlastOutput.dtd\">\n"
    "<BlastOutput>\n"
    "  <BlastOutput_program>blastp</BlastOutput_program>\n"
    "  <BlastOutput_db>trivial</BlastOutput_db>\n"
    "  <BlastOutput_query-ID>Query_1</BlastOutput_query-ID>\n"
    "  <BlastOutput_query-def>%s</BlastOutput_query-def>\n"
    "<BlastOutput_iterations>\n"
    "<Iteration>\n"
    "  <Iteration_iter-num>1</Iteration_iter-num>\n"
    "  <Iteration_query-ID>Query_1</Iteration_query-ID>\n"
    "  <Iteration_query-def>%s</Iteration_query-def>\n"
    "  <Iteration_query-len>1</Iteration_query-len>\n"
    "<Iteration_hits>\n"
    "</Iteration_hits>\n"
    "</Iteration>\n"
    "</BlastOutput_iterations>\n"
    "</BlastOutput>\n";

int
main(int argc, char **argv)
{
	char block[65536], name[128];
	ssize_t n, got = 0;
	size_t k = 0;

	if (argc < 2)
		return 64;
	if (strcmp(argv[1], "submit") == 0) {
		/* The query's name: after '>', up to a blank, as BLAST's. */
		while (got < (ssize_t)sizeof name - 1 &&
		    (n = read(0, name + got, sizeof name - 1 - (size_t)got)) > 0)
			got += n;
		while (read(0, block, sizeof block) > 0)
			;
		name[got] = '\0';
		k = got > 0 && name[0] == '>' ? strcspn(name + 1, " \t\r\n") : 0;
		memmove(name, name + 1, k);
		name[k] = '\0';
		puts(k > 0 ? name : "h1");
	} else if (strcmp(argv[1], "poll") == 0)
		puts("done");
	else if (strcmp(argv[1], "fetch") == 0 && argc > 2)
		printf(report, argv[2], argv[2]);
	else if (strcmp(argv[1], "cancel") != 0)
		return 64;
	return 0;
}
