/*
 * spawn-loop: the floor for a dispatch pass (t/bench/run): N times, what
 * one wrapper call cannot do without: fork, exec the program with the
 * arguments given, its standard output on a pipe that is read to the
 * end, and wait for it. Prints the mean microseconds per call.
 *
 * usage: spawn-loop N program [arg ...]
 * Exits 0, or 1 after a message, 64 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char buf[4096];
	long n, i;
	double t0;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: spawn-loop N program [arg ...]\n");
		return 64;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		int fds[2], status;
		pid_t pid;

		if (pipe(fds) != 0 || (pid = fork()) < 0) {
			perror("spawn-loop");
			return 1;
		}
		if (pid == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			close(fds[1]);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		close(fds[1]);
		while (read(fds[0], buf, sizeof buf) > 0)
			;
		close(fds[0]);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawn-loop: %s failed\n", argv[2]);
			return 1;
		}
	}
	printf("%.1f\n", (now() - t0) * 1e6 / n);
	return 0;
}
