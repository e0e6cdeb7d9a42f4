/*
 * gen-spool: fill a spool with completed jobs, fast, for the lookup
 * benchmarks (t/bench/run); or with New ones, for the dispatch benchmark. Each job is a job file in completed/ in the
 * real format (cputorrent-spool(5); what job_format() writes and
 * t/lib/mkjob makes: a 1 KB FASTA input, three events New, Processing,
 * Completed) and its result in results/, a small BLAST XML report (the
 * one form results are kept in). IDs are made like real ones,
 * YYYYMMDD-HHMMSS-USEC-HOSTHASH-PID-SEQ, one job a second ending now, each
 * from its own process as a shell loop of ct-submit would make them.
 *
 * The spool is a fixture, not one in use: files are written in place and
 * never fsynced (page cache only), with no staging in tmp/.
 *
 * usage: gen-spool [-Njr] [-n count] [-t epoch] [-u uid] spool
 *   -N        New jobs: job files in new/ with only their first event,
 *             and no results
 *   -n count  how many jobs (default 1000)
 *   -t epoch  the second of the last job (default: now less two minutes)
 *   -u uid    their owner (default: the caller)
 *   -j, -r    write only the job files, or only the results: two
 *             processes given the same -n and -t fill one spool at
 *             twice the speed
 * Prints the ID of the job in the middle (number count/2) on standard
 * output. Exits 0, or 1 after a message, 64 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "gen-spool: %s %s: %s\n", what, name, strerror(errno));
	exit(1);
}

static void
put(int dir, const char *name, const char *data, size_t len, int64_t usec)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0660);
	/* Written when it was submitted, as ct-submit writes its jobs. */
	struct timespec t[2] = { { usec / 1000000, usec % 1000000 * 1000 },
	    { usec / 1000000, usec % 1000000 * 1000 } };

	if (fd < 0)
		die("cannot create", name);
	if (write(fd, data, len) != (ssize_t)len)
		die("cannot write", name);
	if (futimens(fd, t) != 0)
		die("cannot set the times of", name);
	if (close(fd) != 0)
		die("cannot close", name);
}

/* A small, fixed pseudo-random sequence (the same spool every run). */
static uint64_t rng = 88172645463325252ull;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char residues[] =
    "MALWMRLLPLLALLALWGPDPAAAFVNQHLCGSHLVEALYLVCGERGFFYTPKTRREAEDLQVGQVEL"
    "GGGPGAGSLQPLALEGSLQKRGIVEQCCTSICSLYQLENYCN";

int
main(int argc, char **argv)
{
	char host[256] = "localhost", id[80], mid[80] = "";
	char input[1100], result[1024], rec[4096];
	unsigned long uid = (unsigned long)getuid();
	long count = 1000, i;
	const unsigned char *c;
	uint32_t hash = 2166136261u;
	int64_t start, usec;
	size_t inlen, reslen, reclen, k;
	int opt, root, comp, res, jobs = 1, results = 1, fresh = 0;
	long long last = (long long)time(NULL) - 120;
	char *end;
	time_t secs;
	struct tm tm;

	while ((opt = getopt(argc, argv, "Njn:rt:u:")) != -1) {
		errno = 0;
		switch (opt) {
		case 'N':
			fresh = 1;
			results = 0;
			break;
		case 'j':
			results = 0;
			break;
		case 'r':
			jobs = 0;
			break;
		case 't':
			last = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0')
				goto usage;
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || count < 1)
				goto usage;
			break;
		case 'u':
			uid = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0')
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || (!jobs && !results) || last < count)
		goto usage;
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	for (c = (const unsigned char *)host; *c != '\0'; c++) {
		hash ^= *c;
		hash *= 16777619u;
	}

	if (mkdir(argv[optind], 0700) != 0 && errno != EEXIST)
		die("cannot create", argv[optind]);
	if ((root = open(argv[optind], O_RDONLY | O_DIRECTORY)) < 0)
		die("cannot open", argv[optind]);
	{
		static const char *const dirs[] = { "tmp", "new",
		    "processing", "completed", "failed", "results" };

		for (k = 0; k < sizeof dirs / sizeof dirs[0]; k++)
			if (mkdirat(root, dirs[k], 0770) != 0 &&
			    errno != EEXIST)
				die("cannot create", dirs[k]);
	}
	if ((comp = openat(root, fresh ? "new" : "completed", O_RDONLY |
	    O_DIRECTORY)) < 0)
		die("cannot open", fresh ? "new" : "completed");
	if ((res = openat(root, "results", O_RDONLY | O_DIRECTORY)) < 0)
		die("cannot open", "results");

	start = ((int64_t)last - count + 1) * 1000000;
	for (i = 0; i < count; i++) {
		usec = start + (int64_t)i * 1000000 +
		    (int64_t)(next_rand() % 1000000);
		secs = (time_t)(usec / 1000000);
		gmtime_r(&secs, &tm);
		snprintf(id, sizeof id,
		    "%04d%02d%02d-%02d%02d%02d-%06" PRId64 "-%08x-%ld-0",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, usec % 1000000, (unsigned)hash,
		    (long)(next_rand() % 4194000 + 300));
		if (i == count / 2)
			memcpy(mid, id, sizeof mid);

		/* A 1 KB FASTA query: a header, lines of 60 residues. */
		inlen = (size_t)snprintf(input, sizeof input,
		    ">q%ld bench query\n", i);
		for (k = 0; inlen < 1023; k++)
			input[inlen++] = k % 61 == 60 ? '\n' :
			    residues[(k - k / 61) % (sizeof residues - 1)];
		input[inlen++] = '\n';

		/* A result is BLAST XML: a small report for the query. */
		reslen = (size_t)snprintf(result, sizeof result,
		    "<?xml version=\"1.0\"?>\n<BlastOutput>\n"
		    "  <BlastOutput_program>blastp</BlastOutput_program>\n"
		    "  <BlastOutput_version>BLASTP 2.12.0+</BlastOutput_version>\n"
		    "  <BlastOutput_db>swissprot</BlastOutput_db>\n"
		    "  <BlastOutput_query-ID>Query_1</BlastOutput_query-ID>\n"
		    "  <BlastOutput_query-def>q%ld bench query"
		    "</BlastOutput_query-def>\n"
		    "<BlastOutput_iterations>\n<Iteration>\n"
		    "  <Iteration_iter-num>1</Iteration_iter-num>\n"
		    "  <Iteration_query-ID>Query_1</Iteration_query-ID>\n"
		    "  <Iteration_query-def>q%ld bench query"
		    "</Iteration_query-def>\n"
		    "  <Iteration_query-len>1006</Iteration_query-len>\n"
		    "<Iteration_hits>\n</Iteration_hits>\n"
		    "  <Iteration_message>No hits found</Iteration_message>\n"
		    "</Iteration>\n</BlastOutput_iterations>\n"
		    "</BlastOutput>\n", i, i);

		if (fresh)
			reclen = (size_t)snprintf(rec, sizeof rec,
			    "cputorrent-job 1\nid %s\nowner %lu\nservice "
			    "blastp\nsubmitted %" PRId64 ".%06" PRId64 "\n"
			    "event %" PRId64 ".%06" PRId64 " 0 submitted by "
			    "uid %lu on %s\ninput %zu\n",
			    id, uid, usec / 1000000, usec % 1000000,
			    usec / 1000000, usec % 1000000, uid, host, inlen);
		else
			reclen = (size_t)snprintf(rec, sizeof rec,
			    "cputorrent-job 1\nid %s\nowner %lu\nservice blastp\n"
			    "database swissprot\nsubmitted %" PRId64 ".%06" PRId64 "\n"
			    "provider local\n"
			    "event %" PRId64 ".%06" PRId64 " 0 submitted by uid %lu on "
			    "%s\n"
			    "event %" PRId64 ".%06" PRId64 " 1 sent to local\n"
			    "event %" PRId64 ".%06" PRId64 " 2 result fetched and "
			    "checked\n"
			    "input %zu\n",
			    id, uid, usec / 1000000, usec % 1000000,
			    usec / 1000000, usec % 1000000, uid, host,
			    usec / 1000000 + 2, usec % 1000000,
			    usec / 1000000 + 60, usec % 1000000, inlen);
		memcpy(rec + reclen, input, inlen);
		reclen += inlen;
		memcpy(rec + reclen, "end\n", 4);
		reclen += 4;

		/* The result first, as a dispatcher would. */
		if (results)
			put(res, id, result, reslen, usec);
		if (jobs)
			put(comp, id, rec, reclen, usec);
	}
	printf("%s\n", mid);
	return fflush(stdout) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: gen-spool [-Njr] [-n count] [-t epoch] "
	    "[-u uid] spool\n");
	return 64;
}
