/*
 * contract.c: the dispatcher's side of ct-wrapper(7) (contract.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "contract.h"
#include "job.h"
#include "registry.h"
#include "result.h"
#include "run.h"
#include "strvec.h"

/* What a wrapper may print for any verb but fetch: a line, or a reason. */
#define CONTRACT_MAX_HANDLE 200

static const char *const verb_names[] = {
	[CONTRACT_SUBMIT] = "submit",
	[CONTRACT_POLL] = "poll",
	[CONTRACT_FETCH] = "fetch",
	[CONTRACT_CANCEL] = "cancel",
	[CONTRACT_SUBMIT_BATCH] = "submit-batch",
};

/* The exit statuses that mean "later", ct-wrapper(7), EXIT STATUS. */
static const int try_later[] = { EX_TEMPFAIL, EX_OSERR, EX_IOERR };

const char *
contract_verb_name(enum contract_verb v)
{
	return verb_names[v];
}

enum contract_outcome
contract_exit_outcome(int code)
{
	size_t i;

	if (code == 0)
		return CONTRACT_OK;
	for (i = 0; i < sizeof try_later / sizeof try_later[0]; i++)
		if (code == try_later[i])
			return CONTRACT_TRANSIENT;
	return CONTRACT_PERMANENT;
}

/* The arguments: the verb, then the job's options or the handle. */
static void
contract_argv(const struct contract_call *c, struct strvec *argv)
{
	const struct job *j = c->job;
	size_t i;

	strvec_push(argv, c->server->wrapper);
	strvec_push(argv, contract_verb_name(c->verb));
	if (c->verb == CONTRACT_SUBMIT || c->verb == CONTRACT_SUBMIT_BATCH)
		for (i = 0; i < j->noptions; i++)
			strvec_push(argv, j->options[i]);
	else
		strvec_push(argv, j->handle != NULL ? j->handle : "");
}

void
contract_env(const struct registry_server *s, const struct job *j,
    const char *dir, struct strvec *env)
{
	const char *libexec = env_nonempty("CT_LIBEXEC_DIR");
	size_t i;

	strvec_push(env, "PATH=" CONTRACT_PATH);
	strvec_push(env, "LANG=C");
	strvec_push(env, "LC_ALL=C");
	strvec_pushf(env, "HOME=%s", dir);
	strvec_pushf(env, "TMPDIR=%s", dir);
	strvec_push(env, "CT_CONTRACT=1");
	/* Where the helpers a wrapper runs are (libexec.h), if not installed. */
	if (libexec != NULL)
		strvec_pushf(env, "CT_LIBEXEC_DIR=%s", libexec);
	if (j != NULL) {
		strvec_pushf(env, "CT_JOB_ID=%s", j->id);
		strvec_pushf(env, "CT_ATTEMPT=%u", j->attempts);
	}
	strvec_pushf(env, "CT_SERVER=%s", s->id);
	if (j != NULL) {
		strvec_pushf(env, "CT_SERVICE=%s", j->service);
		strvec_pushf(env, "CT_DATABASE=%s",
		    j->database ? j->database : "");
		strvec_pushf(env, "CT_WORKDIR=%s", dir);
		strvec_pushf(env, "CT_DEADLINE=%lld",
		    (long long)(j->deadline_usec / 1000000));
	}
	for (i = 0; i < s->nparams; i++) {
		char *var = contract_param_var("", s->params[i].name);

		strvec_pushf(env, "%s=%s", var, s->params[i].value);
		free(var);
	}
}

/* How long the call may take, in seconds (contract_call). */
static int64_t
contract_timeout(const struct contract_call *c)
{
	int64_t t = c->server->call_timeout, left;

	if (c->verb == CONTRACT_CANCEL || c->withdrawing) {
		if (t > CONTRACT_CANCEL_TIMEOUT_S)
			t = CONTRACT_CANCEL_TIMEOUT_S;
	} else if (c->job->deadline_usec != 0) {
		left = (c->job->deadline_usec - now_usec()) / 1000000;
		if (left < t)
			t = left;
	}
	return t < CONTRACT_MIN_TIMEOUT_S ? CONTRACT_MIN_TIMEOUT_S : t;
}

/* The outcome of a call that ran for at most timeout s, why in why. */
static enum contract_outcome
contract_judge(const struct contract_call *c, const struct run_result *r,
    int64_t timeout, char *why, size_t whylen)
{
	const char *w = c->server->wrapper, *verb = contract_verb_name(c->verb);

	if (r->timed_out) {
		snprintf(why, whylen, "%s %s timed out after %lld s", w, verb,
		    (long long)timeout);
		return CONTRACT_TRANSIENT;
	}
	if (r->overflow) {
		snprintf(why, whylen, "%s %s wrote too much", w, verb);
		return CONTRACT_PERMANENT;
	}
	if (!r->exited) {
		snprintf(why, whylen, "%s %s killed by signal %d", w, verb,
		    r->code);
		return CONTRACT_TRANSIENT;
	}
	if (r->code == 0)
		return CONTRACT_OK;
	snprintf(why, whylen, "%s %s exit %d%s%s", w, verb, r->code,
	    r->err_tail[0] ? ": " : "", r->err_tail);
	/* run_program's own 127: the wrapper itself cannot be run. */
	if (r->code == 127 && strstr(r->err_tail, "cannot run") != NULL)
		return CONTRACT_PERMANENT;
	return contract_exit_outcome(r->code);
}

enum contract_outcome
contract_call(const struct contract_call *c, char *why, size_t whylen)
{
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	bool submit = c->verb == CONTRACT_SUBMIT ||
	    c->verb == CONTRACT_SUBMIT_BATCH;
	struct run_result r;
	char *path = path_join(c->wrapper_dir, c->server->wrapper);
	enum contract_outcome o;
	int64_t timeout = contract_timeout(c);
	int rc;

	contract_argv(c, &argv);
	contract_env(c->server, c->job, c->workdir, &env);
	rc = run_program(&(struct child){ .path = path,
	    .argv = strvec_vector(&argv), .envp = strvec_vector(&env),
	    .dir = c->workdir,
	    .in = c->in != NULL ? c->in : submit ? c->job->input : NULL,
	    .inlen = c->in != NULL ? c->inlen : submit ? c->job->input_len : 0,
	    .out = c->out,
	    .max_out = c->verb == CONTRACT_FETCH ? RESULT_MAX_SIZE :
	    CONTRACT_MAX_ANSWER,
	    .timeout_ms = timeout * 1000,
	    .as = c->as, .fenced = 1, .fence_fd = c->lock_fd,
	    .meanwhile = c->meanwhile, .meanwhile_arg = c->meanwhile_arg,
	    .meanwhile_ms = c->meanwhile_ms }, &r);
	if (rc != 0) {
		snprintf(why, whylen, "cannot run wrapper %.200s", path);
		o = CONTRACT_TRANSIENT;
	} else
		o = contract_judge(c, &r, timeout, why, whylen);
	strvec_free(&argv);
	strvec_free(&env);
	free(path);
	return o;
}

const char *
contract_read_handle(struct buf *out)
{
	size_t n;
	char *nl;

	if (out->data == NULL)
		return NULL;
	/* An estimate may follow (contract_read_estimate); nothing else. */
	if ((nl = memchr(out->data, '\n', out->len)) != NULL &&
	    nl + 1 < out->data + out->len) {
		if (contract_read_estimate(out) < 0)
			return NULL;
		out->len = (size_t)(nl - out->data);
		out->data[out->len] = '\0';
	}
	while (out->len > 0 && (out->data[out->len - 1] == '\n' ||
	    out->data[out->len - 1] == '\r'))
		out->data[--out->len] = '\0';
	n = strlen(out->data);
	if (n == 0 || n != out->len || n > CONTRACT_MAX_HANDLE)
		return NULL;
	if (strspn(out->data, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._:/=+-") != n)
		return NULL;
	return out->data;
}

double
contract_read_estimate(const struct buf *out)
{
	const char *nl, *line, *end;
	int64_t secs;

	if (out->data == NULL ||
	    (nl = memchr(out->data, '\n', out->len)) == NULL)
		return -1;
	line = nl + 1;
	if ((size_t)(out->data + out->len - line) < 10 ||
	    strncmp(line, "estimate ", 9) != 0 || line[9] < '0' ||
	    line[9] > '9' || parse_int64(line + 9, &end, 0,
	    CONTRACT_MAX_ESTIMATE, &secs) != 0 ||
	    (end != out->data + out->len && strcmp(end, "\n") != 0))
		return -1;
	return (double)secs;
}

int64_t
contract_retry_after(const struct buf *out)
{
	const char *end;
	int64_t secs;

	if (out->data == NULL || out->len < 13 ||
	    strncmp(out->data, "retry-after ", 12) != 0 ||
	    parse_int64(out->data + 12, &end, 1, CONTRACT_MAX_RETRY_AFTER_S,
	    &secs) != 0 || (*end != '\n' && *end != '\0') ||
	    out->data[12] == '-')
		return 0;
	return secs * 1000000;
}

enum contract_poll
contract_read_poll(struct buf *out, const char **reason)
{
	char *line = out->data, *nl;

	*reason = NULL;
	if (line == NULL)
		return CONTRACT_POLL_BROKEN;
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	if (strcmp(line, "done") == 0)
		return CONTRACT_POLL_DONE;
	if (strcmp(line, "running") == 0)
		return CONTRACT_POLL_RUNNING;
	if (strncmp(line, "failed", 6) == 0 &&
	    (line[6] == '\0' || line[6] == ' ')) {
		*reason = line[6] != '\0' ? line + 7 : "no reason given";
		return CONTRACT_POLL_FAILED;
	}
	return CONTRACT_POLL_BROKEN;
}
