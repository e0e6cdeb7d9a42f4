/*
 * ct-ssearch: a Smith-Waterman protein search (common/ssearch.h) of FASTA
 * queries against a FASTA database, its BLAST XML report on standard
 * output: the command of a server or a volunteer offering service
 * ssearch, as blastp is of blastp. The browser volunteer's component is
 * the same engine built for WebAssembly, and gives the same report.
 *
 * The local wrapper and ct-volunteer append a job's options as
 * "-key value": -evalue, -max_target_seqs, -gapopen and -gapextend are
 * taken with one dash, as blastp takes them (-max_target_seqs for
 * --max-target-seqs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "ssearch.h"
#include "util.h"

/* The most read of each input: well beyond a volunteer's database. */
#define QUERY_MAX (64UL * 1024 * 1024)
#define DB_MAX (1024UL * 1024 * 1024)

static const char usage[] =
    "usage: ct-ssearch -d database [-e evalue] [-E gapextend] [-G gapopen]\n"
    "       [-m max] [-o key=value ...] [-q query]\n";

static const char help[] =
    "Search protein queries against a FASTA database (Smith-Waterman,\n"
    "BLOSUM62); the BLAST XML report on standard output.\n"
    "  -d database  the database, a FASTA file of proteins\n"
    "  -e evalue    report hits of E-value at most this (default 10)\n"
    "  -E gapextend the cost of each gap position (default 1)\n"
    "  -G gapopen   the cost of opening a gap (default 11)\n"
    "  -m max       report at most max hits per query (default 500)\n"
    "  -o key=value an option as a job gives it (evalue, max_target_seqs,\n"
    "               gapopen, gapextend); again for more\n"
    "  -q query     the queries, FASTA (default: standard input)\n"
    "  -h, -V       help, version\n";

/*
 * The whole of path ("-" or NULL: standard input), at most max bytes,
 * into b. Returns 0, or after a message the exit status.
 */
static int
slurp(const char *path, const char *what, size_t max, struct buf *b)
{
	const char *shown = path != NULL ? path : "on standard input";
	int fd = 0, rc;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warnerr("cannot open the %s %s", what, path);
		return errno == ENOENT || errno == EACCES ? EX_NOINPUT :
		    EX_IOERR;
	}
	rc = read_bounded(fd, b, max);
	if (rc < 0)
		ct_warnerr("cannot read the %s %s", what, shown);
	else if (rc > 0)
		ct_warn("the %s %s is larger than %zu MiB", what, shown,
		    max >> 20);
	if (fd != 0)
		close(fd);
	return rc < 0 ? EX_IOERR : rc > 0 ? EX_DATAERR : 0;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* The options' strings, as popt made them. */
struct args {
	char *db, *query, *evalue, *max, *gapopen, *gapextend, **opts;
};

static void
args_free(struct args *a)
{
	size_t i;

	for (i = 0; a->opts != NULL && a->opts[i] != NULL; i++)
		free(a->opts[i]);
	free(a->opts);
	free(a->db);
	free(a->query);
	free(a->evalue);
	free(a->max);
	free(a->gapopen);
	free(a->gapextend);
}

/* The search's options from the command line's; a usage error exits. */
static void
options(struct cli *c, struct args *a, struct ss_opts *o)
{
	const struct {
		const char *key;
		char *value;
	} given[] = {
		{ "evalue", a->evalue }, { "max_target_seqs", a->max },
		{ "gapopen", a->gapopen }, { "gapextend", a->gapextend },
	};
	char why[512];
	size_t i;
	int bad = 0;

	ss_opts_default(o);
	/* Which option was wrong: "-o ..." for a job's form. */
	snprintf(why, sizeof why, "-o ");
	for (i = 0; !bad && a->opts != NULL && a->opts[i] != NULL; i++)
		bad = ss_opts_parse(o, a->opts[i], strlen(a->opts[i]),
		    why + 3, sizeof why - 3) != 0;
	for (i = 0; !bad && i < sizeof given / sizeof given[0]; i++)
		bad = given[i].value != NULL && ss_opts_set(o, given[i].key,
		    given[i].value, why, sizeof why) != 0;
	if (!bad)
		bad = ss_opts_check(o, why, sizeof why) != 0;
	if (bad) {
		args_free(a);
		cli_usage_error(c, "%s", why);
	}
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	struct args a = { NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	/* BLAST's names with one dash too, for the wrappers' -key value. */
	struct poptOption table[] = {
		CLI_STRING_OF('d', "db", &a.db, 0, "file"),
		{ "evalue", 'e', POPT_ARG_STRING | POPT_ARGFLAG_ONEDASH,
		    &a.evalue, 0, NULL, NULL },
		{ "gapextend", 'E', POPT_ARG_STRING | POPT_ARGFLAG_ONEDASH,
		    &a.gapextend, 0, NULL, NULL },
		{ "gapopen", 'G', POPT_ARG_STRING | POPT_ARGFLAG_ONEDASH,
		    &a.gapopen, 0, NULL, NULL },
		{ "max-target-seqs", 'm', POPT_ARG_STRING |
		    POPT_ARGFLAG_ONEDASH, &a.max, 0, NULL, NULL },
		CLI_STRINGS_WORDS('o', "option", &a.opts,
		    "evalue= max_target_seqs= gapopen= gapextend="),
		CLI_STRING_OF('q', "query", &a.query, 0, "file"),
		CLI_COMMON_OPTIONS
	};
	struct buf qb = { 0 }, dbb = { 0 }, out = { 0 };
	struct ss_opts o;
	char why[512];
	int i, status;

	ct_setprogname(argv[0]);
	/* blastp's -max_target_seqs: a long name has no '_' here (cli.h). */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-max_target_seqs") == 0)
			argv[i] = (char *)"--max-target-seqs";
	cli_start(&c, argc, argv, table);
	while (cli_next(&c) != -1)
		;
	if (cli_args(&c)[0] != NULL || a.db == NULL) {
		snprintf(why, sizeof why, a.db == NULL ? "-d database is "
		    "required" : "unexpected argument '%.100s'",
		    cli_args(&c)[0]);
		args_free(&a);
		cli_usage_error(&c, "%s", why);
	}
	options(&c, &a, &o);
	if ((status = slurp(a.query, "query", QUERY_MAX, &qb)) == 0 &&
	    (status = slurp(a.db, "database", DB_MAX, &dbb)) == 0 &&
	    ss_search(qb.data, qb.len, dbb.data, dbb.len, base_name(a.db), &o,
	    NULL, NULL, &out, why, sizeof why) != 0) {
		ct_warn("%s", why);
		status = EX_DATAERR;
	}
	if (status == 0 && write_all(1, out.data, out.len) != 0) {
		ct_warnerr("cannot write the report");
		status = EX_IOERR;
	}
	buf_free(&qb);
	buf_free(&dbb);
	buf_free(&out);
	args_free(&a);
	cli_end(&c);
	return status;
}
