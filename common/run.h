/*
 * run.h: running a helper program the way git's run-command does: an argv
 * vector, never a shell; an environment built by the caller, nothing
 * inherited; its own process group, killed whole at the timeout.
 */
#ifndef CT_RUN_H
#define CT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct run_result {
	int exited;		/* 1: exited, status in code */
	int code;		/* exit status, or the signal that killed it */
	int timed_out;		/* killed at the timeout */
	int overflow;		/* stdout exceeded max_out: cut, and killed */
	char err_tail[512];	/* the last line of its stderr */
	char err_text[2048];	/* the end of its stderr, NUL-terminated,
				   for callers that must read all of a
				   short message ("...", then "Exiting.") */
};

/*
 * Run path with argv and envp (NULL-terminated), in directory dir (NULL:
 * here), feeding it in[0..inlen) on stdin (/dev/null if in is NULL),
 * collecting stdout in out (at most max_out bytes) or, if out_fd >= 0,
 * copying it to out_fd. After timeout_ms, or when stdout overflows, the
 * whole process group is killed with SIGKILL. Returns 0 when the child
 * ran (see r), or -1 if it could not be started (printed).
 */
int run_program(const char *path, char *const argv[], char *const envp[],
    const char *dir, const void *in, size_t inlen, struct buf *out,
    int out_fd, size_t max_out, int timeout_ms, struct run_result *r);

#endif
