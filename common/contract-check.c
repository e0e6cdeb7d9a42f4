/*
 * contract-check.c: where wrappers are, and the call of a wrapper's check
 * verb (contract.h), which has no job: ct-providers check makes it for
 * each server of a registry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "contract.h"
#include "registry.h"
#include "run.h"
#include "strvec.h"
#include "util.h"

const char *
contract_wrapper_dir(void)
{
	const char *dir = env_nonempty("CT_WRAPPER_DIR");

	return dir != NULL ? dir : CT_WRAPPER_DIR_DEFAULT;
}

/*
 * Remove the check's directory, and whatever a wrapper left at its top
 * despite the contract (a check writes nothing); what is deeper stays.
 */
static void
remove_check_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				(void)unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	(void)rmdir(dir);
}

/* What the end of the check call at path means; why for FAILED. */
static enum contract_check
judge(const char *name, const struct run_result *r, char *why,
    size_t whylen)
{
	if (r->timed_out)
		snprintf(why, whylen, "%s check timed out after %d s", name,
		    CONTRACT_CHECK_TIMEOUT_S);
	else if (r->overflow)
		snprintf(why, whylen, "%s check wrote more than %d bytes",
		    name, CONTRACT_MAX_ANSWER);
	else if (!r->exited)
		snprintf(why, whylen, "%s check killed by signal %d", name,
		    r->code);
	else if (r->code == 0)
		return CONTRACT_CHECK_OK;
	else if (r->code == EX_CONFIG)
		return CONTRACT_CHECK_PROBLEMS;
	else if (r->code == EX_USAGE)
		return CONTRACT_CHECK_UNKNOWN;
	else
		snprintf(why, whylen, "%s check exit %d%s%s", name, r->code,
		    r->err_tail[0] ? ": " : "", r->err_tail);
	return CONTRACT_CHECK_FAILED;
}

enum contract_check
contract_check(const char *wrapper_dir, const struct registry_server *s,
    const struct account *as, struct buf *out, char *why, size_t whylen)
{
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	char *path = path_join(wrapper_dir, s->wrapper);
	char dir[] = "/tmp/ct-check.XXXXXX";
	enum contract_check c = CONTRACT_CHECK_FAILED;
	struct run_result r;
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			snprintf(why, whylen, "no wrapper %s in %s", s->wrapper,
			    wrapper_dir);
		else
			snprintf(why, whylen, "wrapper %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		snprintf(why, whylen, "wrapper %s is not an executable file",
		    path);
		goto out;
	}
	if (mkdtemp(dir) == NULL) {
		snprintf(why, whylen, "%s check: cannot make a directory in "
		    "/tmp: %s", s->wrapper, strerror(errno));
		goto out;
	}
	if (as != NULL && chown(dir, as->uid, as->gid) != 0) {
		snprintf(why, whylen, "%s check: cannot give %s to %s: %s",
		    s->wrapper, dir, as->name, strerror(errno));
		remove_check_dir(dir);
		goto out;
	}
	strvec_push(&argv, s->wrapper);
	strvec_push(&argv, "check");
	contract_env(s, NULL, dir, &env);
	if (run_program(&(struct child){ .path = path,
	    .argv = strvec_vector(&argv), .envp = strvec_vector(&env),
	    .dir = dir, .as = as, .out = out, .max_out = CONTRACT_MAX_ANSWER,
	    .timeout_ms = CONTRACT_CHECK_TIMEOUT_S * 1000 }, &r) != 0)
		snprintf(why, whylen, "cannot run wrapper %s", path);
	else
		c = judge(s->wrapper, &r, why, whylen);
	remove_check_dir(dir);
out:
	strvec_free(&argv);
	strvec_free(&env);
	free(path);
	return c;
}
