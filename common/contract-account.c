/*
 * contract-account.c: whom a wrapper runs as (contract.h, account.h).
 * The one place that decides it, for ct-dispatch's calls and for
 * ct-providers check's.
 */
#include <stdio.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "contract.h"
#include "job.h"
#include "registry.h"

int
contract_dispatcher_account(const struct registry *r, struct account *a,
    const struct account **as, char *why, size_t whylen)
{
	const char *name = r->run_as != NULL ? r->run_as : CT_ACCOUNT_DEFAULT;
	char reason[512];
	int rc;

	*as = NULL;
	if (geteuid() != 0)
		return 0;
	if ((rc = account_by_name(name, a, reason, sizeof reason)) != 0) {
		snprintf(why, whylen, "running as root, wrappers run as %s: "
		    "%s%s", name, reason, rc == ACCOUNT_ROOT ? "" :
		    " (make install makes it; or name another with run-as "
		    "on the registry's defaults)");
		return -1;
	}
	*as = a;
	return 0;
}

int
contract_account(const struct registry_server *s, const struct job *j,
    const struct account *base, struct account *a,
    const struct account **as, char *why, size_t whylen)
{
	char reason[512];

	*as = base;
	/* Root's own jobs, and all of a dispatcher's own, run as base. */
	if (!s->run_as_owner || j == NULL || j->owner == geteuid())
		return 0;
	if (base == NULL) {
		snprintf(why, whylen, "%s runs wrappers as the job's owner "
		    "(run-as=\"owner\"), which needs ct-dispatch to run as "
		    "root", s->id);
		return -1;
	}
	if (account_by_uid(j->owner, a, reason, sizeof reason) != 0) {
		snprintf(why, whylen, "%s runs wrappers as the job's owner: %s",
		    s->id, reason);
		return -1;
	}
	*as = a;
	return 0;
}
