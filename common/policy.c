/*
 * policy.c: smooth weighted round-robin with durable state (policy.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "jobid.h"
#include "policy.h"

/*
 * A running sum stays within the sum of the weights times the number of
 * servers; one past this, which no pass writes, is damage, and is dropped
 * before adding a weight to it could overflow.
 */
#define CURRENT_MAX (LONG_MAX / 4)

static struct policy_slot *
slot(struct policy *p, const char *server)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (strcmp(p->slots[i].server, server) == 0)
			return &p->slots[i];
	p->slots = xrealloc(p->slots, (p->nslots + 1) * sizeof *p->slots);
	p->slots[p->nslots].server = xstrdup(server);
	p->slots[p->nslots].current = 0;
	return &p->slots[p->nslots++];
}

static void
state_name(char *out, size_t n, const char *service)
{
	snprintf(out, n, "policy.%s", service);
}

int
policy_load(struct spool *sp, const char *service, struct policy *p)
{
	char name[128], server[128];
	struct buf b = { 0 };
	const char *line, *end;
	int64_t current;
	int d, fd, rc, off;

	memset(p, 0, sizeof *p);
	p->service = xstrdup(service);
	if ((d = spool_dir(sp, SPOOL_STATE)) < 0) {
		if (errno == ENOENT)
			return 0;	/* a dry run in a fresh spool */
		ct_warnerr("cannot open %s/state", sp->path);
		return -1;
	}
	state_name(name, sizeof name, service);
	fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : (ct_warnerr("cannot open "
		    "%s/state/%s", sp->path, name), -1);
	rc = read_bounded(fd, &b, 65536);
	close(fd);
	/* Damaged state costs only the interleaving: start again from 0. */
	for (line = b.data; rc == 0 && line != NULL && *line != '\0';) {
		if (sscanf(line, "%127s %n", server, &off) == 1 &&
		    jobid_valid(server) && parse_int64(line + off, &end,
		    -CURRENT_MAX, CURRENT_MAX, &current) == 0 &&
		    (*end == '\n' || *end == '\0'))
			slot(p, server)->current = (long)current;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	buf_free(&b);
	return 0;
}

int
policy_save(struct spool *sp, const struct policy *p)
{
	char name[128];
	struct buf b = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < p->nslots; i++)
		buf_appendf(&b, "%s %ld\n", p->slots[i].server,
		    p->slots[i].current);
	state_name(name, sizeof name, p->service);
	rc = spool_replace(sp, SPOOL_STATE, name, b.data ? b.data : "",
	    b.len);
	buf_free(&b);
	return rc;
}

int
policy_pick(struct policy *p, const char *const *servers,
    const unsigned *weights, size_t n)
{
	long total = 0;
	size_t i;
	int best = -1;

	for (i = 0; i < n; i++) {
		struct policy_slot *s = slot(p, servers[i]);

		s->current += weights[i];
		total += weights[i];
		if (best < 0 || s->current > slot(p, servers[best])->current)
			best = (int)i;
	}
	if (best >= 0)
		slot(p, servers[best])->current -= total;
	return best;
}

void
policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		free(p->slots[i].server);
	free(p->slots);
	free(p->service);
	memset(p, 0, sizeof *p);
}
