/*
 * cli.c: shared command-line handling (cli.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jobid.h"
#include "err.h"
#include "exitcodes.h"
#include "util.h"

enum { OPT_HELP = 0x1000, OPT_VERSION };

struct poptOption cli_common_options[] = {
	{ "spool", 'S', POPT_ARG_STRING, NULL, 'S', "spool directory",
	    "DIR" },
	{ "help", 'h', POPT_ARG_NONE, NULL, OPT_HELP, "show help", NULL },
	{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION, "show version",
	    NULL },
	POPT_TABLEEND
};

void
cli_start(struct cli *c, int argc, char **argv,
    const struct poptOption *table)
{
	c->spool = NULL;
	c->pc = poptGetContext(ct_progname, argc, (const char **)argv, table,
	    0);
}

void
cli_usage_error(struct cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ct_warn("%s", msg);
	fputs(c->usage, stderr);
	cli_end(c);
	exit(EX_USAGE);
}

int
cli_next(struct cli *c)
{
	int rc;

	for (;;) {
		rc = poptGetNextOpt(c->pc);
		switch (rc) {
		case 'S':
			free(c->spool);
			c->spool = poptGetOptArg(c->pc);
			continue;
		case OPT_HELP:
			fputs(c->usage, stdout);
			fputs(c->help, stdout);
			cli_end(c);
			exit(0);
		case OPT_VERSION:
			printf("%s (cputorrent) %s\n", ct_progname,
			    CT_VERSION);
			cli_end(c);
			exit(0);
		default:
			break;
		}
		if (rc >= 0)
			return rc;
		if (rc == -1)
			return -1;
		cli_usage_error(c, "%s: %s", poptBadOption(c->pc,
		    POPT_BADOPTION_NOALIAS), poptStrerror(rc));
	}
}

void
cli_check_ids(struct cli *c, const char *const *ids)
{
	for (; *ids != NULL; ids++) {
		const unsigned char *p;

		/* A name (ct-submit -N) too: lookup.h says which it is. */
		if (jobid_valid(*ids) || jobname_valid(*ids))
			continue;
		/* Show the bad ID, but never a raw control byte. */
		for (p = (const unsigned char *)*ids; *p != '\0'; p++)
			if (*p < 0x20 || *p >= 0x7f)
				cli_usage_error(c, "invalid job ID (it has a "
				    "byte 0x%02x)", *p);
		cli_usage_error(c, "invalid job ID '%.80s': an ID is 1 to %d "
		    "letters, digits, '.', '_' or '-', starting with a letter "
		    "or digit", *ids, JOBID_MAX);
	}
}

/* -: the words of standard input, each an ID to be, onto ids. */
static void
read_stdin_ids(struct cli *c)
{
	struct buf b = { 0 };
	char *p, *word, *save = NULL;
	int rc = read_bounded(STDIN_FILENO, &b, CLI_STDIN_IDS_MAX);

	if (rc < 0)
		ct_dieerr(EX_IOERR, "cannot read job IDs from standard input");
	if (rc > 0)
		cli_usage_error(c, "standard input: more than %d MiB of job "
		    "IDs", CLI_STDIN_IDS_MAX / (1024 * 1024));
	buf_append(&b, "", 0);	/* a string, even when nothing was read */
	/* A NUL would cut an ID short unseen. */
	if (b.len > 0 && memchr(b.data, '\0', b.len) != NULL)
		cli_usage_error(c, "standard input: a NUL byte among the job "
		    "IDs");
	for (p = b.data; b.data != NULL &&
	    (word = strtok_r(p, " \t\r\n", &save)) != NULL; p = NULL)
		strvec_push(&c->ids, word);
	buf_free(&b);
}

const char *const *
cli_parse_ids(struct cli *c, int argc, char **argv,
    const struct poptOption *table, enum cli_ids want)
{
	const char *const *ids, *const *a;
	bool read_stdin = false;

	cli_start(c, argc, argv, table);
	while (cli_next(c) != -1)
		;
	for (a = cli_args(c); *a != NULL; a++) {
		c->ids_given = true;
		if (strcmp(*a, "-") != 0)
			strvec_push(&c->ids, *a);
		else if (!read_stdin) {
			read_stdin = true;
			read_stdin_ids(c);
		}
	}
	ids = (const char *const *)strvec_vector(&c->ids);
	if (want == CLI_ONE_ID && (ids[0] == NULL || ids[1] != NULL))
		cli_usage_error(c, "expected one job ID");
	if (want == CLI_SOME_IDS && ids[0] == NULL)
		cli_usage_error(c, "expected at least one job ID");
	cli_check_ids(c, ids);
	return ids;
}

const char **
cli_args(struct cli *c)
{
	static const char *none[] = { NULL };
	const char **a = poptGetArgs(c->pc);

	return a ? a : none;
}

void
cli_end(struct cli *c)
{
	if (c->pc != NULL)
		poptFreeContext(c->pc);
	c->pc = NULL;
	free(c->spool);
	c->spool = NULL;
	strvec_free(&c->ids);
}
