/*
 * follow-latency: the time from a submission to its completion with
 * `ct-dispatch -f` running (t/bench/run): N times, start ct-submit on a
 * FASTA file, read the job ID it prints, and wait, by inotify on
 * SPOOL/completed, until the job's file arrives there. Prints the median,
 * the smallest and the largest latency, in milliseconds.
 *
 * usage: follow-latency N SPOOL CT-SUBMIT FASTA
 * Exits 0, or 1 after a message (also when a job takes over 10 s), 64 on
 * a usage error.
 */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run ct-submit -S spool fasta; its one line of output into id. */
static int
submit(const char *prog, const char *spool, const char *fasta, char *id,
    size_t idlen)
{
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(prog, prog, "-S", spool, fasta, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((size_t)got < idlen - 1 &&
	    (n = read(fds[0], id + got, idlen - 1 - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	id[got] = '\0';
	id[strcspn(id, "\n")] = '\0';
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || id[0] == '\0')
		return -1;
	return 0;
}

/* Wait until name arrives in the watched directory, or the deadline. */
static int
arrived(int ifd, const char *dir, const char *name, double deadline)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	char path[PATH_MAX + 256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (;;) {
		struct pollfd p = { ifd, POLLIN, 0 };
		double left = deadline - now_ms();
		ssize_t n;
		char *q;

		/* It may have come before the watch saw anything. */
		if (access(path, F_OK) == 0)
			return 0;
		if (left <= 0 || poll(&p, 1, (int)left + 1) < 0)
			return -1;
		if (p.revents == 0)
			continue;
		n = read(ifd, buf, sizeof buf);
		for (q = buf; n > 0 && q < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)q;

			if (e->len > 0 && strcmp(e->name, name) == 0)
				return 0;
			q += sizeof *e + e->len;
		}
	}
}

int
main(int argc, char **argv)
{
	char dir[PATH_MAX], id[128];
	double *ms, t0;
	long n, i;
	int ifd;

	if (argc != 5 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: follow-latency N SPOOL CT-SUBMIT "
		    "FASTA\n");
		return 64;
	}
	snprintf(dir, sizeof dir, "%s/completed", argv[2]);
	if ((ifd = inotify_init1(IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(ifd, dir, IN_MOVED_TO | IN_CREATE) < 0) {
		perror(dir);
		return 1;
	}
	ms = calloc((size_t)n, sizeof *ms);
	for (i = 0; ms != NULL && i < n; i++) {
		t0 = now_ms();
		if (submit(argv[3], argv[2], argv[4], id, sizeof id) != 0) {
			fprintf(stderr, "follow-latency: ct-submit failed\n");
			return 1;
		}
		if (arrived(ifd, dir, id, t0 + 10000) != 0) {
			fprintf(stderr, "follow-latency: %s not completed "
			    "within 10 s\n", id);
			return 1;
		}
		ms[i] = now_ms() - t0;
		usleep(20000);	/* let the dispatcher go back to sleep */
	}
	if (ms == NULL)
		return 1;
	qsort(ms, (size_t)n, sizeof *ms, by_value);
	printf("%.1f %.1f %.1f\n", n % 2 ? ms[n / 2] :
	    (ms[n / 2 - 1] + ms[n / 2]) / 2, ms[0], ms[n - 1]);
	free(ms);
	return 0;
}
