/*
 * account.c: the account a wrapper runs as (account.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"

/* a from pw: its IDs, name and groups. */
static int
account_from(const struct passwd *pw, struct account *a, char *why,
    size_t whylen)
{
	int n = ACCOUNT_MAX_GROUPS;

	if (pw->pw_uid == 0) {
		snprintf(why, whylen, "account %s is root, and a wrapper never "
		    "runs as root", pw->pw_name);
		return ACCOUNT_ROOT;
	}
	if (strlen(pw->pw_name) >= sizeof a->name) {
		snprintf(why, whylen, "account name %.64s...: too long",
		    pw->pw_name);
		return -1;
	}
	memset(a, 0, sizeof *a);
	a->uid = pw->pw_uid;
	a->gid = pw->pw_gid;
	snprintf(a->name, sizeof a->name, "%s", pw->pw_name);
	/* More groups than fit: the first ones are kept, as NGROUPS does. */
	if (getgrouplist(pw->pw_name, pw->pw_gid, a->groups, &n) < 0)
		n = ACCOUNT_MAX_GROUPS;
	a->ngroups = n;
	return 0;
}

int
account_by_name(const char *name, struct account *a, char *why,
    size_t whylen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(why, whylen, "account %s: %s", name,
		    errno != 0 ? strerror(errno) : "no such account");
		return -1;
	}
	return account_from(pw, a, why, whylen);
}

int
account_by_uid(uid_t uid, struct account *a, char *why, size_t whylen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwuid(uid)) == NULL) {
		snprintf(why, whylen, "uid %lu: %s", (unsigned long)uid,
		    errno != 0 ? strerror(errno) : "no such account");
		return -1;
	}
	return account_from(pw, a, why, whylen);
}

bool
account_can_search(const struct account *a, const struct stat *st)
{
	int i;

	if (st->st_uid == a->uid)
		return (st->st_mode & S_IXUSR) != 0;
	for (i = 0; i < a->ngroups; i++)
		if (a->groups[i] == st->st_gid)
			return (st->st_mode & S_IXGRP) != 0;
	if (st->st_gid == a->gid)
		return (st->st_mode & S_IXGRP) != 0;
	return (st->st_mode & S_IXOTH) != 0;
}

int
account_can_reach(const struct account *a, const char *path, char *why,
    size_t whylen)
{
	char dir[4096];
	struct stat st;
	size_t n = strlen(path), end;

	if (path[0] != '/' || n >= sizeof dir) {
		snprintf(why, whylen, "%.200s: not an absolute path", path);
		return -1;
	}
	memcpy(dir, path, n + 1);
	/* Each prefix that ends a component: "/", "/var", "/var/spool"... */
	for (end = 1; end <= n; end++) {
		char c = dir[end];

		if (end != 1 && c != '/' && c != '\0')
			continue;
		dir[end] = '\0';
		if (stat(dir, &st) != 0) {
			snprintf(why, whylen, "%.3000s: %s", dir,
			    strerror(errno));
			return -1;
		}
		if (!account_can_search(a, &st)) {
			snprintf(why, whylen, "%s, who runs the wrappers, cannot "
			    "reach %.1000s: %.1000s is closed to it (owner %lu, "
			    "group %lu, mode %04o)", a->name, path, dir,
			    (unsigned long)st.st_uid, (unsigned long)st.st_gid,
			    (unsigned)(st.st_mode & 07777));
			return -1;
		}
		dir[end] = c;
	}
	return 0;
}
