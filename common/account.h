/*
 * account.h: the account a wrapper runs as. A dispatcher started as root
 * never runs a wrapper as root: it runs it as the dispatcher account
 * (the registry's run-as, else the one chosen at build time, cputorrent),
 * or, for a server whose registry entry says run-as="owner", as the job's
 * owner. A dispatcher that is not root runs wrappers as itself.
 *
 * Errors: nothing here prints; the reason is returned in why.
 */
#ifndef CT_ACCOUNT_H
#define CT_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Supplementary groups carried along; more are dropped. */
#define ACCOUNT_MAX_GROUPS 64

struct account {
	uid_t uid;
	gid_t gid;			/* its primary group */
	int ngroups;			/* its groups, the primary one too */
	gid_t groups[ACCOUNT_MAX_GROUPS];
	char name[64];
};

/*
 * The account named name, with its groups. Refuses uid 0: root is never
 * an account a wrapper runs as. Returns 0, or with why -1 (no such
 * account) or ACCOUNT_ROOT.
 */
#define ACCOUNT_ROOT (-2)
int account_by_name(const char *name, struct account *a, char *why,
    size_t whylen);

/* The same for the account with this uid. */
int account_by_uid(uid_t uid, struct account *a, char *why, size_t whylen);

/*
 * Whether a can reach path, an absolute directory: search permission
 * for it on every directory from / down to path itself, by owner, group
 * or other bits (ACLs are not read). Returns 0, or -1 with why naming the
 * first directory closed to it.
 */
int account_can_reach(const struct account *a, const char *path, char *why,
    size_t whylen);

/* Whether a has search permission on a directory with this stat. */
struct stat;
bool account_can_search(const struct account *a, const struct stat *st);

#endif
