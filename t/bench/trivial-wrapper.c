/*
 * trivial-wrapper.c: the cheapest wrapper that keeps the contract
 * (ct-wrapper(7)), for timing ct-dispatch itself: submit reads the input,
 * answers with its query's name as the handle, poll says done, fetch
 * prints a minimal BLAST XML report for that query (a result is BLAST
 * XML or nothing), cancel does nothing. submit-batch (ct-wrapper(7),
 * Batches) reads the manifest and answers "ID HANDLE" for each of its
 * jobs, the handle its submit would give.
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

/* submit-batch: each "job ID ATTEMPT DEADLINE LENGTH WORKDIR" line. */
static int
submit_batch(void)
{
	static char text[64 << 20];
	char id[128];
	size_t len = 0, at;
	ssize_t n;
	unsigned long long skip;
	int used;

	while (len < sizeof text && (n = read(0, text + len,
	    sizeof text - len)) > 0)
		len += (size_t)n;
	at = strcspn(text, "\n") + 1;	/* the magic line */
	while (at < len) {
		char *nl = memchr(text + at, '\n', len - at);

		if (nl == NULL)
			return 64;
		*nl = '\0';
		used = 0;
		if (sscanf(text + at, "job %127s %*u %*d %llu %n", id, &skip,
		    &used) != 2 || used == 0)
			return 64;
		/* The handle a submit of it would give: its query's name. */
		at = (size_t)(nl - text) + 1;
		if (at < len && text[at] == '>' && skip > 1)
			printf("%s %.*s\n", id, (int)strcspn(text + at + 1,
			    " \t\r\n"), text + at + 1);
		else
			printf("%s h1\n", id);
		at += skip;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char block[65536], name[128];
	ssize_t n, got = 0;
	size_t k = 0;

	if (argc < 2)
		return 64;
	if (strcmp(argv[1], "submit-batch") == 0)
		return submit_batch();
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
