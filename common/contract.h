/*
 * contract.h: the dispatcher's side of ct-wrapper(7), as git's
 * transport-helper.c is git's side of gitremote-helpers(7).
 *
 * Every program that calls a wrapper goes through here, so the rules of
 * the contract are written once: how registry parameters are named in
 * the environment, the environment a call gets, the call itself, what
 * each exit status means, and how a handle and a poll line are read.
 *
 * Nothing here prints, except run_program()'s own message when a wrapper
 * cannot be started at all: a call's failure is described in the caller's
 * why buffer, for the job's history.
 */
#ifndef CT_CONTRACT_H
#define CT_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct account;
struct job;
struct registry;
struct registry_server;
struct strvec;

enum contract_verb {
	CONTRACT_SUBMIT,	/* input on stdin, options as arguments */
	CONTRACT_POLL,		/* one line: done, running, failed REASON */
	CONTRACT_FETCH,		/* the result on stdout */
	CONTRACT_CANCEL,
	/* several jobs' inputs on stdin (batchcall.h), options as arguments */
	CONTRACT_SUBMIT_BATCH,
};

/* The PATH every call gets; a wrapper's own commands get it too. */
#define CONTRACT_PATH "/usr/local/bin:/usr/bin:/bin"

/*
 * "submit", "poll", "fetch", "cancel", "submit-batch"; check has a call
 * of its own.
 */
const char *contract_verb_name(enum contract_verb v);

/* What the end of a call means for the attempt at its server. */
enum contract_outcome {
	CONTRACT_OK,		/* exit 0: stdout holds the answer */
	CONTRACT_TRANSIENT,	/* try again later, at the same server */
	CONTRACT_PERMANENT,	/* this server cannot do this job */
};

/* One call of a wrapper for a job. */
struct contract_call {
	const char *wrapper_dir;	/* absolute: the wrapper runs elsewhere */
	const struct registry_server *server;
	const struct job *job;		/* with its input, for submit */
	/* submit-batch: its stdin, for the job's input (batchcall.h) */
	const void *in;
	size_t inlen;
	const char *workdir;		/* absolute: work/ID/N, made already */
	int lock_fd;			/* the job's lock, which the call holds */
	const struct account *as;	/* contract_account()'s answer */
	enum contract_verb verb;
	/* A call to withdraw the job's work: bounded as a cancel is. */
	bool withdrawing;
	struct buf *out;		/* the wrapper's stdout is added here */
	/* Called every meanwhile_ms during the call (run.h), if set. */
	void (*meanwhile)(void *arg);
	void *meanwhile_arg;
	int meanwhile_ms;
};

/* What a wrapper may print for any verb but fetch: a line, or a reason. */
#define CONTRACT_MAX_ANSWER (64 * 1024)

/*
 * The wrapper directory, where a server's classname is looked for:
 * $CT_WRAPPER_DIR if it is set and not empty, else the one chosen at
 * build time (ct-wrapper(7)). As given: it may be relative.
 */
const char *contract_wrapper_dir(void);

/*
 * The account a root caller runs every wrapper as (account.h): the
 * registry's run-as, else the one chosen at build time. *as is set to it
 * (in a), or to NULL when the caller is not root: then wrappers run as
 * the caller. Returns 0, or -1 with why: root with no such account, or
 * one that is root itself; nothing may then be called.
 */
int contract_dispatcher_account(const struct registry *r, struct account *a,
    const struct account **as, char *why, size_t whylen);

/*
 * Whom server s's wrapper runs as for job j: base (the answer of
 * contract_dispatcher_account), or, for a server with run-as="owner", the
 * job's owner, in a (base still for root's own jobs). Returns 0 with *as
 * set (NULL: the caller itself), or -1 with why: the call cannot be made
 * as the registry asks (the job of another user to run as its owner, by a
 * caller that is not root; an owner with no account).
 */
int contract_account(const struct registry_server *s, const struct job *j,
    const struct account *base, struct account *a,
    const struct account **as, char *why, size_t whylen);

/*
 * The environment of a call of server s's wrapper, all of it, added to
 * env: for job j, with dir its attempt's work directory; or, with j
 * NULL, for the check verb, which has no job, dir its HOME and TMPDIR.
 */
void contract_env(const struct registry_server *s, const struct job *j,
    const char *dir, struct strvec *env);

/* However little of the deadline is left, a call gets this long. */
#define CONTRACT_MIN_TIMEOUT_S 1
/* A cancel is bounded tighter: nothing waits on its answer. */
#define CONTRACT_CANCEL_TIMEOUT_S 10

/*
 * Make the call: the wrapper with the contract's arguments and
 * environment (and nothing else), in the attempt's work directory, for at
 * most the server's call-timeout, cut to what is left of the job's
 * deadline (at least CONTRACT_MIN_TIMEOUT_S), and for a cancel, or any call
 * that withdraws the job's work, to CONTRACT_CANCEL_TIMEOUT_S. The call is fenced to lock_fd (run.h): the
 * lock stays held until every process of the call is gone, even if the
 * caller dies, so that calls for one job never overlap. The outcome
 * follows the exit status (contract_exit_outcome); anything but
 * CONTRACT_OK leaves the reason, naming the wrapper and the verb, in why.
 */
enum contract_outcome contract_call(const struct contract_call *c,
    char *why, size_t whylen);

/*
 * What a wrapper's exit status means. 0 is success. EX_TEMPFAIL (75),
 * EX_OSERR (71: out of memory, a fork that failed) and EX_IOERR (74: an
 * I/O error, such as a full disk under its work directory, which is the
 * spool's) are try-later, as in Postfix's sys_exits_softerror() and
 * sendmail's 4.x.x: none says anything about the job or the server. Every
 * other status is a permanent failure at this server.
 */
enum contract_outcome contract_exit_outcome(int code);

/*
 * The handle in submit's output, which must be one line of 1 to 200 bytes
 * of [A-Za-z0-9._:/=+-], and may be followed by an estimate line
 * (contract_read_estimate); out is cut after the handle. Returns it,
 * inside out, or NULL if there is none.
 */
const char *contract_read_handle(struct buf *out);

/* The longest estimate believed: a day, in seconds. */
#define CONTRACT_MAX_ESTIMATE 86400

/*
 * The provider's own estimate in a submit's or a poll's answer: a second
 * line "estimate SECONDS", the seconds it expects the work still to take,
 * 0 to CONTRACT_MAX_ESTIMATE (ct-wrapper(7)). Returns it, or -1 if there
 * is none, or it is not one; call it before the answer is cut by
 * contract_read_handle or contract_read_poll.
 */
double contract_read_estimate(const struct buf *out);

/* What a poll said. */
enum contract_poll {
	CONTRACT_POLL_DONE,
	CONTRACT_POLL_RUNNING,
	CONTRACT_POLL_FAILED,	/* *reason: the wrapper's, or a default */
	CONTRACT_POLL_BROKEN,	/* not the contract's answer */
};

/*
 * Read poll's first line from out (which it cuts there). For FAILED,
 * *reason points into out, or at "no reason given".
 */
enum contract_poll contract_read_poll(struct buf *out, const char **reason);

/* The longest wait a provider may ask for with retry-after. */
#define CONTRACT_MAX_RETRY_AFTER_S 86400

/*
 * After a transient failure (75), how long the provider asked not to be
 * asked again: the first line of out, "retry-after SECONDS", 1 to
 * CONTRACT_MAX_RETRY_AFTER_S (HTTP's Retry-After, passed on). Returns it
 * in microseconds, or 0 if out says nothing of the kind.
 */
int64_t contract_retry_after(const struct buf *out);

/*
 * The environment variable that carries registry parameter prefix+name:
 * "CT_PARAM_", then the name upper-cased with every byte outside [A-Z0-9]
 * made '_' ("database.nr" -> "CT_PARAM_DATABASE_NR"). Allocated. Wrappers
 * use it to read what contract_call() set.
 */
char *contract_param_var(const char *prefix, const char *name);

/* How the check verb of a server's wrapper went (contract_check). */
enum contract_check {
	CONTRACT_CHECK_OK,		/* exit 0: no problem */
	CONTRACT_CHECK_PROBLEMS,	/* exit 78: the problems, a line each */
	CONTRACT_CHECK_UNKNOWN,		/* exit 64: a wrapper without check */
	CONTRACT_CHECK_FAILED,		/* no wrapper, or no answer: see why */
};

/* A check gets this long; it asks no provider anything. */
#define CONTRACT_CHECK_TIMEOUT_S 10

/*
 * Run the check verb of server s's wrapper, found in wrapper_dir (which
 * must be absolute): first that it is there and executable, then the
 * call, with the contract's environment for no job (contract_env), in an
 * empty private directory made for it and removed after, for at most
 * CONTRACT_CHECK_TIMEOUT_S, as the account as (contract_dispatcher_account;
 * NULL: as the caller). Its standard output is added to out. For
 * CONTRACT_CHECK_FAILED, why says what went wrong, naming the wrapper.
 * Prints nothing but run_program()'s messages.
 */
enum contract_check contract_check(const char *wrapper_dir,
    const struct registry_server *s, const struct account *as,
    struct buf *out, char *why, size_t whylen);

#endif
