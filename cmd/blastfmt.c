/*
 * blastfmt: a BLAST XML report on standard input written to standard
 * output in another format (blastfmt.h). ct-fetch -f runs it, from
 * libexec, for every format but xml: apart, so that ct-fetch, which job
 * commands run often, does not load libxml2 and jansson at every start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blastfmt.h"
#include "err.h"
#include "exitcodes.h"
#include "libexec.h"
#include "xmlsafe.h"

static const char usage[] =
    "usage: blastfmt format\n";

static const char help[] =
    "Write the BLAST XML report on standard input to standard output in\n"
    "format: tabular [column...] or json, as ct-fetch -f takes them.\n"
    "Exit status: 0 written, 65 not a BLAST XML report, 74 write error.\n";

int
main(int argc, char **argv)
{
	struct blastfmt f;
	xmlTextReaderPtr r;
	char why[512];
	int rc;

	ct_setprogname(argv[0]);
	libexec_answer(argc, argv, "blastfmt", usage, help);
	if (argc != 2 || argv[1][0] == '-') {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (blastfmt_parse(argv[1], &f, why, sizeof why) != 0)
		ct_die(EX_USAGE, "-f %s: %s", argv[1], why);
	if (f.kind == BLASTFMT_XML)
		ct_die(EX_USAGE, "-f xml: the report is already XML");
	r = xmlsafe_reader_fd(STDIN_FILENO, "result.xml");
	rc = blastfmt_convert(r, stdout, &f, why, sizeof why);
	if (r != NULL)
		xmlFreeTextReader(r);
	xmlCleanupParser();	/* its tables too: nothing is left held */
	if (rc != 0)
		ct_die(EX_DATAERR, "the result cannot be converted: %s", why);
	if (fflush(stdout) != 0 || ferror(stdout))
		ct_dieerr(EX_IOERR, "cannot write standard output");
	return 0;
}
