/*
 * options.h: the one checker of a job's options (ct-submit -o key=value)
 * for every wrapper: only the keys a table lists, each with a value of
 * the shape its row says, checked before anything reaches a command line
 * or a server. The table is the wrapper's: built from parameter
 * "options" for a configured command (command.h), fixed for a remote
 * service (ncbi(8), ebi(8)).
 *
 * options_check prints why it refuses, "NAME: option KEY ...", and
 * returns the exit status the contract gives for that; options_syntax_ok
 * prints nothing.
 */
#ifndef CT_OPTIONS_H
#define CT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* What an option's value may be, besides 1 to maxlen bytes. */
enum option_kind {
	OPT_PLAIN,	/* A-Z a-z 0-9 . _ + -: never a path */
	OPT_NUMBER,	/* a real number > 0, and <= max unless max is 0 */
	OPT_INT,	/* a whole number from min to max */
	OPT_WORD,	/* one of words */
	OPT_LIST,	/* whole numbers joined by commas: 9606,10090 */
	OPT_RANGE,	/* START-END, both whole numbers */
	OPT_PAIR,	/* two integers joined by a comma: 1,-3 */
	OPT_TEXT,	/* A-Z a-z 0-9, blank, . _ - */
};

/* One key a job may give, and what its value may be. */
struct option_spec {
	const char *key;	/* as given to ct-submit -o */
	const char *field;	/* what the provider calls it; NULL: none */
	enum option_kind kind;
	size_t maxlen;		/* the longest value, in bytes */
	long min, max;		/* see the kinds */
	const char *words;	/* OPT_WORD: the values, blank-separated */
};

/* What a wrapper accepts, and how it says no. */
struct option_rules {
	const struct option_spec *specs;
	size_t nspecs;
	/* What follows "option KEY " for a key that no row has. */
	const char *unknown;
	/*
	 * What follows "option KEY: " for a value of the wrong shape, the
	 * row's field after it; NULL: say what the row's kind takes.
	 */
	const char *bad_value;
	/* A field (a row, if it has none) may be set only once. */
	bool once;
};

/* A job option that passed: its row, and its value. */
struct job_option {
	const struct option_spec *spec;
	const char *value;
};

/* Whether every option is key=value with a key (wrapper_verb asks). */
bool options_syntax_ok(int nopts, char *const *opts);

/*
 * Check the job's options, key=value each, against rules, in the order
 * given, and fill out[0..nopts) with them. Returns 0, or after a message
 * about the first one refused EX_DATAERR.
 */
int options_check(const struct option_rules *rules, int nopts,
    char *const *opts, struct job_option *out);

#endif
