/*
 * trust.c: files only root and the dispatcher may change (trust.h).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

/* 0 if st may be trusted (a directory, dir), else -1 with why. */
static int
trust_stat(const char *path, const struct stat *st, int dir, char *why,
    size_t whylen)
{
	const char *who = NULL;

	if (st->st_uid != 0 && st->st_uid != geteuid())
		who = "its owner";
	else if ((st->st_mode & S_IWOTH) != 0 &&
	    !(dir && (st->st_mode & S_ISVTX) != 0))
		who = "every user";
	else if ((st->st_mode & S_IWGRP) != 0 && st->st_gid != getegid() &&
	    !(dir && (st->st_mode & S_ISVTX) != 0))
		who = "its group";
	if (who == NULL)
		return 0;
	snprintf(why, whylen, "%s is writable by %s (uid %lu, gid %lu, mode "
	    "%04o): whoever can write it chooses what the dispatcher runs",
	    path, who, (unsigned long)st->st_uid, (unsigned long)st->st_gid,
	    (unsigned)(st->st_mode & 07777));
	return -1;
}

int
trust_path(const char *path, char *why, size_t whylen)
{
	char *real = realpath(path, NULL), *copy;
	const char *parent;
	struct stat st;
	int rc = -1;

	if (real == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(real, &st) != 0)
		snprintf(why, whylen, "%s: %s", real, strerror(errno));
	else if (trust_stat(real, &st, S_ISDIR(st.st_mode), why, whylen) == 0) {
		copy = xstrdup(real);
		parent = dirname(copy);
		if (stat(parent, &st) != 0)
			snprintf(why, whylen, "%s: %s", parent,
			    strerror(errno));
		else
			rc = trust_stat(parent, &st, 1, why, whylen);
		free(copy);
	}
	free(real);
	return rc;
}
