/*
 * durable-submit: the floor that ct-submit is measured against (t/bench/run;
 * see "Floors" in performance.md). For each job it does the least that a
 * crash-safe spool needs and nothing else: create a temp file in SPOOL/tmp
 * with O_EXCL, write the bytes, fsync, close, rename it to SPOOL/new/NAME
 * (NAME made like a real job ID), fsync SPOOL/new. No parsing, no checks,
 * no job record: the input bytes are the file.
 *
 * usage: durable-submit [-m job|end|batch|none] [-n count] spool [file ...]
 *   -m job    fsync new/ after every job (default; the per-job floor)
 *   -m end    fsync new/ once, after the last job (a batch in one process)
 *   -m batch  stage every job in tmp/ first, then rename them all, then
 *             fsync new/ once: what ct-submit does with several files
 *   -m none   no fsync at all (page cache only)
 *   -n count  count jobs of a built-in 1 KB payload instead of files
 * tmp/ and new/ are made if missing. Prints nothing; exits 0, or 1 after a
 * message, 64 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum mode { SYNC_JOB, SYNC_END, SYNC_BATCH, SYNC_NONE };

struct staged {
	char tmpname[64];
	char id[128];
};

static const char *spool;

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "durable-submit: %s %s: %s\n", what, name,
	    strerror(errno));
	exit(1);
}

static int
open_dir(int root, const char *name)
{
	int fd;

	if (mkdirat(root, name, 0770) != 0 && errno != EEXIST)
		die("cannot create", name);
	fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open", name);
	return fd;
}

static uint32_t
host_hash(void)
{
	char host[256] = "localhost";
	const unsigned char *c;
	uint32_t h = 2166136261u;

	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	for (c = (const unsigned char *)host; *c != '\0'; c++) {
		h ^= *c;
		h *= 16777619u;
	}
	return h;
}

/* YYYYMMDD-HHMMSS-USEC-HOSTHASH-PID-SEQ, as jobid_make() makes them. */
static void
make_id(char *buf, size_t n, uint32_t host, unsigned long seq)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, n, "%04d%02d%02d-%02d%02d%02d-%06ld-%08x-%ld-%lu",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, (unsigned)host,
	    (long)getpid(), seq);
}

/* Read a whole file into *buf (grown as needed); its length. */
static size_t
read_file(const char *path, char **buf, size_t *cap)
{
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot open", path);
	for (;;) {
		if (*cap - len < 65536) {
			*cap = *cap * 2 + 65536;
			if ((*buf = realloc(*buf, *cap)) == NULL)
				die("out of memory reading", path);
		}
		r = read(fd, *buf + len, *cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("cannot read", path);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	return len;
}

/* Write data to a new file in tmp/; its name and the job's ID in *st. */
static void
stage(int tmp, const char *data, size_t len, enum mode m, uint32_t host,
    unsigned long seq, struct staged *st)
{
	size_t off = 0;
	ssize_t w;
	int fd;

	snprintf(st->tmpname, sizeof st->tmpname, "%08x.%ld.%lu",
	    (unsigned)host, (long)getpid(), seq);
	fd = openat(tmp, st->tmpname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd < 0)
		die("cannot create tmp/", st->tmpname);
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("cannot write tmp/", st->tmpname);
		}
		off += (size_t)w;
	}
	if (m != SYNC_NONE && fsync(fd) != 0)
		die("cannot fsync tmp/", st->tmpname);
	if (close(fd) != 0)
		die("cannot close tmp/", st->tmpname);
	make_id(st->id, sizeof st->id, host, seq);
}

static void
publish(int tmp, int new, const struct staged *st, enum mode m)
{
	if (renameat2(tmp, st->tmpname, new, st->id, RENAME_NOREPLACE) != 0)
		die("cannot rename to new/", st->id);
	if (m == SYNC_JOB && fsync(new) != 0)
		die("cannot fsync", "new/");
}

int
main(int argc, char **argv)
{
	enum mode m = SYNC_JOB;
	long count = -1;
	char *buf = NULL, *end;
	size_t cap = 0, len;
	uint32_t host = host_hash();
	unsigned long seq = 0, njobs, k;
	struct staged one, *batch = NULL;
	int opt, root, tmp, new;

	while ((opt = getopt(argc, argv, "m:n:")) != -1) {
		switch (opt) {
		case 'm':
			if (strcmp(optarg, "job") == 0)
				m = SYNC_JOB;
			else if (strcmp(optarg, "end") == 0)
				m = SYNC_END;
			else if (strcmp(optarg, "batch") == 0)
				m = SYNC_BATCH;
			else if (strcmp(optarg, "none") == 0)
				m = SYNC_NONE;
			else
				goto usage;
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || count < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || (count >= 0) != (optind + 1 == argc))
		goto usage;
	spool = argv[optind++];
	if (mkdir(spool, 0700) != 0 && errno != EEXIST)
		die("cannot create", spool);
	root = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die("cannot open", spool);
	tmp = open_dir(root, "tmp");
	new = open_dir(root, "new");

	if (count >= 0) {
		/* 1 KB: a FASTA header and 16 lines of 60 residues, padded. */
		static const char res[] = "MALWMRLLPLLALLALWGPDPAAAFVNQHLCGSHL"
		    "VEALYLVCGERGFFYTPKTRREAEDLQVGQVELGG";
		cap = len = 1024;
		if ((buf = malloc(cap)) == NULL)
			die("out of memory for", "payload");
		memset(buf, 'A', len);
		memcpy(buf, ">bench 1 KB query\n", 18);
		for (size_t p = 18, q = 0; p < len; p++, q++)
			buf[p] = (q % 61 == 60) ? '\n' : res[q % 61];
		buf[len - 1] = '\n';
	}
	njobs = count >= 0 ? (unsigned long)count :
	    (unsigned long)(argc - optind);
	if (m == SYNC_BATCH && (batch = calloc(njobs + 1, sizeof *batch)) ==
	    NULL)
		die("out of memory for", "the batch");
	for (k = 0; k < njobs; k++, seq++) {
		struct staged *st = m == SYNC_BATCH ? &batch[k] : &one;

		if (count < 0)
			len = read_file(argv[optind + (int)k], &buf, &cap);
		stage(tmp, buf, len, m, host, seq, st);
		if (m != SYNC_BATCH)
			publish(tmp, new, st, m);
	}
	for (k = 0; m == SYNC_BATCH && k < njobs; k++)
		publish(tmp, new, &batch[k], m);
	if ((m == SYNC_END || m == SYNC_BATCH) && njobs > 0 && fsync(new) != 0)
		die("cannot fsync", "new/");
	free(batch);
	free(buf);
	return 0;
usage:
	fprintf(stderr, "usage: durable-submit [-m job|end|batch|none] "
	    "[-n count] spool [file ...]\n");
	return 64;
}
