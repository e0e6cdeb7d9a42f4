/*
 * reportsplit: a batch's BLAST XML report split into one report per
 * query (reportsplit.h), for a wrapper that runs it from libexec once a
 * batch (report_split_apart): apart, so that the wrapper, which every
 * poll and fetch of every job runs, does not load libxml2 at each start.
 *
 * Standard input: a line with the number of queries N, N lines with
 * their identifiers in the order they were searched, then the report.
 * Standard output, for each query in turn: a line with the length in
 * bytes of its part (0 if the report has none for it), then the part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "err.h"
#include "exitcodes.h"
#include "libexec.h"
#include "reportsplit.h"
#include "result.h"
#include "util.h"

/* Room for the identifiers, beyond the report's own bound. */
#define IDS_MAX_BYTES (64UL * 1024 * 1024)

static const char usage[] =
    "usage: reportsplit\n";

static const char help[] =
    "Split the BLAST XML report of a batch's queries into one report per\n"
    "query. Input: their number, their identifiers one a line, the report.\n"
    "Output: for each query, the length of its part on a line, then it.\n"
    "Exit status: 0 split, 65 not a report of iterations, 74 I/O error.\n";

/*
 * The line at *p, before end, made a string; *p moves past it. Returns
 * NULL if no newline ends it.
 */
static const char *
take_line(char **p, char *end)
{
	char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));

	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return line;
}

int
main(int argc, char **argv)
{
	struct buf in = { NULL, 0, 0 }, *parts;
	const char **ids;
	char why[256], *p, *end;
	const char *line;
	int64_t n;
	size_t k;

	ct_setprogname(argv[0]);
	libexec_answer(argc, argv, "reportsplit", usage, help);
	if (argc != 1) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (read_bounded(STDIN_FILENO, &in, RESULT_MAX_SIZE + IDS_MAX_BYTES) !=
	    0)
		ct_dieerr(EX_IOERR, "cannot read standard input");
	p = in.data;
	end = p + in.len;
	/* One identifier is a line of at least one byte: n is bounded. */
	if (in.len == 0 || (line = take_line(&p, end)) == NULL ||
	    parse_int64(line, NULL, 0, (int64_t)(end - p), &n) != 0)
		ct_die(EX_DATAERR, "the input does not begin with the number "
		    "of queries");
	ids = xcalloc((size_t)n + 1, sizeof *ids);
	parts = xcalloc((size_t)n + 1, sizeof *parts);
	for (k = 0; k < (size_t)n; k++)
		if ((ids[k] = take_line(&p, end)) == NULL)
			ct_die(EX_DATAERR, "the input has %zu of its %lld "
			    "queries' identifiers", k, (long long)n);
	if ((size_t)(end - p) > RESULT_MAX_SIZE)
		ct_die(EX_DATAERR, "the report is larger than %lu bytes",
		    RESULT_MAX_SIZE);
	if (report_split(p, (size_t)(end - p), ids, (size_t)n, parts, why,
	    sizeof why) != 0)
		ct_die(EX_DATAERR, "the report cannot be split: %s", why);
	for (k = 0; k < (size_t)n; k++) {
		printf("%zu\n", parts[k].len);
		if (parts[k].len > 0)
			fwrite(parts[k].data, 1, parts[k].len, stdout);
		buf_free(&parts[k]);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		ct_dieerr(EX_IOERR, "cannot write standard output");
	free(parts);
	free(ids);
	buf_free(&in);
	xmlCleanupParser();	/* its tables too: nothing is left held */
	return 0;
}
