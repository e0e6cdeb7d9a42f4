/*
 * run.h: running a helper program the way git's run-command does: an argv
 * vector, never a shell; an environment built by the caller, nothing
 * inherited, no descriptor but 0, 1 and 2; its own process group, killed
 * whole at the timeout.
 *
 * Errors: run_program prints only when the program cannot be started for
 * want of resources (no pipe, EAGAIN, ENOMEM); what the program itself
 * did, a failed exec included (as status 127), is in struct run_result.
 */
#ifndef CT_RUN_H
#define CT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct account;

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
 * What to run, and how (git's struct child_process). Unset fields are
 * zero: no directory change, stdin from /dev/null, stdout discarded.
 */
struct child {
	const char *path;	/* the program */
	char *const *argv;	/* NULL-terminated */
	char *const *envp;	/* NULL-terminated: all it gets */
	const char *dir;	/* its working directory; NULL: here */
	const void *in;		/* its stdin, a file holding these bytes
				   whole (never a pipe a caller's death
				   could cut short); NULL: /dev/null */
	size_t inlen;
	struct buf *out;	/* stdout collected here, at most max_out */
	size_t max_out;		/* more than this: cut, and killed */
	int64_t timeout_ms;	/* then the whole process group is killed */
	/*
	 * The account it runs as (account.h), which a caller running as
	 * root must give; NULL: the caller's own.
	 */
	const struct account *as;
	/*
	 * Fenced: the program runs under the keeper (keeper.h), a child of
	 * the caller that holds a copy of fence_fd (a job's lock, flock(2))
	 * and nothing else of the caller's, runs it in a session of its own,
	 * and lets the copy go only when no process of that session is left:
	 * after the program has ended, or at the timeout (its own, half a
	 * second after the caller's), even if the caller has died meanwhile.
	 * So whoever takes the lock next knows that nothing of this run goes
	 * on.
	 */
	int fenced;
	int fence_fd;
	/*
	 * While the program runs, meanwhile(meanwhile_arg) is called every
	 * meanwhile_ms (if both are set): for a caller whose other work must
	 * not wait for a slow program, as ct-dispatch's commit of the steps
	 * it has staged, whose jobs' locks it holds until then.
	 */
	void (*meanwhile)(void *arg);
	void *meanwhile_arg;
	int meanwhile_ms;
};

/*
 * Run c->path. Returns 0 when the child ran (see r), or -1 if it could
 * not be started (printed).
 */
int run_program(const struct child *c, struct run_result *r);

#endif
