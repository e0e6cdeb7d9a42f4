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

/* The whole of path ("-" or NULL: standard input), at most max bytes. */
static void
slurp(const char *path, const char *what, size_t max, struct buf *b)
{
	int fd = 0, rc;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		ct_dieerr(errno == ENOENT || errno == EACCES ? EX_NOINPUT :
		    EX_IOERR, "cannot open the %s %s", what, path);
	rc = read_bounded(fd, b, max);
	if (rc < 0)
		ct_dieerr(EX_IOERR, "cannot read the %s %s", what,
		    path != NULL ? path : "on standard input");
	if (rc > 0)
		ct_die(EX_DATAERR, "the %s %s is larger than %zu MiB", what,
		    path != NULL ? path : "on standard input", max >> 20);
	if (fd != 0)
		close(fd);
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	char *db = NULL, *query = NULL, *evalue = NULL, *max = NULL;
	char *gapopen = NULL, *gapextend = NULL, **opts = NULL, why[512];
	/* BLAST's names with one dash too, for the wrappers' -key value. */
	struct poptOption table[] = {
		CLI_STRING_OF('d', "db", &db, 0, "file"),
		{ "evalue", 'e', POPT_ARG_STRING | POPT_ARGFLAG_ONEDASH,
		    &evalue, 0, NULL, NULL },
		{ "gapextend", 'E', POPT_ARG_STRING | POPT_ARGFLAG_ONEDASH,
		    &gapextend, 0, NULL, NULL },
		{ "gapopen", 'G', POPT_ARG_STRING | POPT_ARGFLAG_ONEDASH,
		    &gapopen, 0, NULL, NULL },
		{ "max-target-seqs", 'm', POPT_ARG_STRING |
		    POPT_ARGFLAG_ONEDASH, &max, 0, NULL, NULL },
		CLI_STRINGS_WORDS('o', "option", &opts,
		    "evalue= max_target_seqs= gapopen= gapextend="),
		CLI_STRING_OF('q', "query", &query, 0, "file"),
		CLI_COMMON_OPTIONS
	};
	const struct {
		const char *key;
		char **value;
	} given[] = {
		{ "evalue", &evalue }, { "max_target_seqs", &max },
		{ "gapopen", &gapopen }, { "gapextend", &gapextend },
	};
	struct buf qb = { 0 }, dbb = { 0 }, out = { 0 };
	struct ss_opts o;
	size_t i;

	ct_setprogname(argv[0]);
	/* blastp's -max_target_seqs: a long name has no '_' here (cli.h). */
	for (i = 1; i < (size_t)argc; i++)
		if (strcmp(argv[i], "-max_target_seqs") == 0)
			argv[i] = (char *)"--max-target-seqs";
		else if (strcmp(argv[i], "--") == 0)
			break;
	cli_start(&c, argc, argv, table);
	while (cli_next(&c) != -1)
		;
	if (cli_args(&c)[0] != NULL)
		cli_usage_error(&c, "unexpected argument '%s'", cli_args(&c)[0]);
	if (db == NULL)
		cli_usage_error(&c, "-d database is required");
	ss_opts_default(&o);
	for (i = 0; opts != NULL && opts[i] != NULL; i++)
		if (ss_opts_parse(&o, opts[i], strlen(opts[i]), why,
		    sizeof why) != 0)
			cli_usage_error(&c, "-o %s", why);
	for (i = 0; i < sizeof given / sizeof given[0]; i++)
		if (*given[i].value != NULL && ss_opts_set(&o, given[i].key,
		    *given[i].value, why, sizeof why) != 0)
			cli_usage_error(&c, "%s", why);
	if (ss_opts_check(&o, why, sizeof why) != 0)
		cli_usage_error(&c, "%s", why);
	slurp(query, "query", QUERY_MAX, &qb);
	slurp(db, "database", DB_MAX, &dbb);
	if (ss_search(qb.data, qb.len, dbb.data, dbb.len, base_name(db), &o,
	    NULL, NULL, &out, why, sizeof why) != 0)
		ct_die(EX_DATAERR, "%s", why);
	if (write_all(1, out.data, out.len) != 0)
		ct_dieerr(EX_IOERR, "cannot write the report");
	buf_free(&qb);
	buf_free(&dbb);
	buf_free(&out);
	for (i = 0; opts != NULL && opts[i] != NULL; i++)
		free(opts[i]);
	free(opts);
	free(db);
	free(query);
	free(evalue);
	free(max);
	free(gapopen);
	free(gapextend);
	cli_end(&c);
	return 0;
}
