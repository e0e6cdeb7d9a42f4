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

enum { OPT_HELP = 0x1000, OPT_VERSION, OPT_USAGE, OPT_LIST_OPTIONS };

/*
 * popt's own --help and --usage come only with POPT_AUTOHELP, which no
 * table includes: these are ours, and print the usage text that is the
 * man page's SYNOPSIS. Nothing reads popt's configuration files
 * (poptReadDefaultConfig), so no alias can rename an option either.
 */
struct poptOption cli_common_options[] = {
	{ "spool", 'S', POPT_ARG_STRING, NULL, 'S', NULL, "dir" },
	{ "help", 'h', POPT_ARG_NONE, NULL, OPT_HELP, NULL, NULL },
	{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION, NULL, NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, OPT_USAGE, NULL, NULL },
	/* Hidden: the table, for share/completion; in no help or page. */
	{ "list-options", '\0', POPT_ARG_NONE, NULL, OPT_LIST_OPTIONS, NULL,
	    NULL },
	POPT_TABLEEND
};

/*
 * The long names of table's options (beside the short one, if any), after
 * c->help, filled to 76 columns; *col is where the line is, 0 before the
 * first.
 */
static void
list_long_names(const struct poptOption *o, int *col)
{
	for (; o->longName != NULL || o->shortName != '\0' ||
	    o->argInfo != 0; o++) {
		int len;

		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			list_long_names(o->arg, col);
			continue;
		}
		if (o->longName == NULL || o->val == OPT_LIST_OPTIONS)
			continue;
		if (*col == 0)
			*col = printf("Long names:");
		else
			*col += printf(",");
		len = (int)strlen(o->longName) + 6;
		if (*col + len > 76) {
			fputs("\n ", stdout);
			*col = 1;
		}
		if (o->shortName != '\0')
			*col += printf(" -%c", o->shortName);
		*col += printf(" --%s", o->longName);
	}
}

static void
print_long_names(const struct poptOption *table)
{
	int col = 0;

	list_long_names(table, &col);
	if (col > 0)
		puts(".");
}

/*
 * One line per option of table: "-s --long [what [words]]", what as
 * CLI_STRING_OF or CLI_STRING_WORDS say ("arg" for an argument of no
 * known kind); -s is "-" where there is no short name.
 */
static void
list_options(const struct poptOption *o)
{
	for (; o->longName != NULL || o->shortName != '\0' ||
	    o->argInfo != 0; o++) {
		int kind = o->argInfo & POPT_ARG_MASK;

		if (kind == POPT_ARG_INCLUDE_TABLE) {
			list_options(o->arg);
			continue;
		}
		if (o->val == OPT_LIST_OPTIONS)
			continue;
		if (o->shortName != '\0')
			printf("-%c", o->shortName);
		else
			putchar('-');
		printf(" --%s", o->longName != NULL ? o->longName : "");
		if (kind != POPT_ARG_NONE)
			printf(" %s", o->argDescrip != NULL ? o->argDescrip :
			    "arg");
		if (o->descrip != NULL)
			printf(" %s", o->descrip);
		putchar('\n');
	}
}

void
cli_start(struct cli *c, int argc, char **argv,
    const struct poptOption *table)
{
	c->spool = NULL;
	c->table = table;
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
			print_long_names(c->table);
			cli_end(c);
			exit(0);
		case OPT_USAGE:
			fputs(c->usage, stdout);
			cli_end(c);
			exit(0);
		case OPT_LIST_OPTIONS:
			list_options(c->table);
			printf("args %s\n", c->args != NULL ? c->args : "none");
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

		if (jobid_valid(*ids))
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

	if (c->args == NULL)
		c->args = "ids";
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
