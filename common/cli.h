/*
 * cli.h: what every program's command line shares: popt, -S/--spool,
 * -h/--help, -V/--version, --usage, and one way of reporting usage errors.
 *
 * Errors: every usage error is printed here, with the usage text, and
 * ends the program with EX_USAGE; nothing else here fails.
 *
 * A program declares its own option table and its usage and help texts
 * (the usage text is the man page's SYNOPSIS, word for word), then calls
 * cli_next() until it returns -1; -h, -V, --usage and every error are
 * handled here.
 *
 * Every option has a short and a long name, both in the program's table:
 * that table is the one list of options, which the hidden option
 * --list-options prints for the bash completion (share/completion).
 */
#ifndef CT_CLI_H
#define CT_CLI_H

#include <popt.h>
#include <stdbool.h>

#include "config.h"
#include "strvec.h"

struct cli {
	const char *usage;	/* "usage: ct-x [-a] ...\n", the SYNOPSIS */
	const char *help;	/* the options, one per line, after usage */
	/*
	 * What the arguments are, for the completion: "ids" (the default of
	 * cli_parse_ids), "file", "words list show ..." (the first argument
	 * is one of them), or NULL for none.
	 */
	const char *args;
	char *spool;		/* set by -S; NULL if not given */
	poptContext pc;
	const struct poptOption *table;	/* cli_start's, for --list-options */
	struct strvec ids;	/* cli_parse_ids: the IDs, - expanded */
	bool ids_given;		/* cli_parse_ids: some ID, or -, given */
};

/* The most that - reads from standard input for job IDs. */
#define CLI_STDIN_IDS_MAX (64 * 1024 * 1024)

/* The -S, -h, -V and --usage entries, for POPT_ARG_INCLUDE_TABLE. */
extern struct poptOption cli_common_options[];

/*
 * A program's own options, each with a short name ch and a long name
 * (without its dashes): a flag sets the int at *var to 1; a string option
 * stores a copy at *var (to be freed) and, with val other than 0, makes
 * cli_next() return val. CLI_STRING_OF says what its argument is, for
 * the completion: "file", "dir" or "user"; CLI_STRING_WORDS gives the
 * words, separated by blanks, it is one or a comma list of.
 */
#define CLI_FLAG(ch, name, var) \
	{ (name), (ch), POPT_ARG_NONE, (var), 0, NULL, NULL }
#define CLI_STRING(ch, name, var, val) \
	{ (name), (ch), POPT_ARG_STRING, (var), (val), NULL, NULL }
#define CLI_STRING_OF(ch, name, var, val, what) \
	{ (name), (ch), POPT_ARG_STRING, (var), (val), NULL, (what) }
#define CLI_STRING_WORDS(ch, name, var, val, words) \
	{ (name), (ch), POPT_ARG_STRING, (var), (val), (words), "words" }
/*
 * A string option that may be given again and again: each copy appended
 * to the NULL-terminated array at *var (NULL if none; free each, then it).
 */
#define CLI_STRINGS_WORDS(ch, name, var, words) \
	{ (name), (ch), POPT_ARG_ARGV, (var), 0, (words), "words" }

/* The tail of every program's table: cli_common_options, then the end. */
#define CLI_COMMON_OPTIONS \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_common_options, 0, NULL, \
	    NULL }, \
	POPT_TABLEEND

/* Start parsing; the program's table must include cli_common_options. */
void cli_start(struct cli *c, int argc, char **argv,
    const struct poptOption *table);

/*
 * The val of the next program option, or -1 when options are done. On a
 * usage error print it and the usage text and exit EX_USAGE.
 */
int cli_next(struct cli *c);

/* Complain about a bad argument, print the usage text, exit EX_USAGE. */
_Noreturn void cli_usage_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Check every job ID in ids before any of them reaches the file system;
 * on the first bad one, print it and the usage text and exit EX_USAGE.
 */
void cli_check_ids(struct cli *c, const char *const *ids);

/* The remaining arguments, NULL-terminated (never NULL itself). */
const char **cli_args(struct cli *c);

/* How many job IDs a program takes. */
enum cli_ids { CLI_ANY_IDS, CLI_SOME_IDS, CLI_ONE_ID };

/*
 * The command line of a program whose arguments are job IDs: parse table
 * to the end (its own options must have val 0, taking effect through
 * their arg pointers), then check the IDs, their number as want says and
 * each with cli_check_ids. An argument - stands for the IDs on standard
 * input, separated by white space (as ct-submit prints them), read once.
 * Returns them (never NULL); c->ids_given says whether any was given,
 * for an empty standard input gives none.
 */
const char *const *cli_parse_ids(struct cli *c, int argc, char **argv,
    const struct poptOption *table, enum cli_ids want);

/* Free the parser and -S; cli_args() and spool are gone after it. */
void cli_end(struct cli *c);

#endif
