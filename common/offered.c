/*
 * offered.c: state/services, written by ct-dispatch, read by ct-submit
 * (offered.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offered.h"
#include "util.h"

#define OFFERED_FILE "services"

/* state/services as it is now into b; 0, 1 if there is none, -1. */
static int
read_offered(struct spool *sp, struct buf *b)
{
	bool create = sp->create;
	int d, fd, rc;

	/* A reader (ct-submit) makes no state/: it is the dispatcher's. */
	sp->create = false;
	d = spool_dir(sp, SPOOL_STATE);
	sp->create = create;
	if (d < 0)
		return errno == ENOENT ? 1 : -1;
	if ((fd = openat(d, OFFERED_FILE, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 1 : -1;
	rc = read_bounded(fd, b, OFFERED_MAX_SIZE);
	close(fd);
	return rc == 0 ? 0 : -1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
offered_publish(struct spool *sp, const struct registry *r)
{
	struct buf now = { 0 }, text = { 0 };
	const char **names = NULL;
	size_t n = 0, i, k;
	int rc = 0;

	for (i = 0; i < r->nservers; i++) {
		const struct registry_server *s = &r->servers[i];

		for (k = 0; s->enabled && k < s->nservices; k++) {
			if (s->services[k].weight == 0)
				continue;
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = s->services[k].name;
		}
	}
	if (n > 0)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			buf_appendf(&text, "%s\n", names[i]);
	free(names);
	/* Every pass loads the registry: a write only when it changed. */
	if (read_offered(sp, &now) != 0 || now.len != text.len ||
	    (text.len > 0 && memcmp(now.data, text.data, text.len) != 0))
		rc = spool_replace(sp, SPOOL_STATE, OFFERED_FILE,
		    text.data ? text.data : "", text.len);
	buf_free(&now);
	buf_free(&text);
	return rc;
}

int
offered_check(struct spool *sp, const char *service)
{
	struct buf b = { 0 };
	const char *line, *end;
	size_t len = strlen(service);
	int found = 0;

	if (read_offered(sp, &b) != 0) {
		buf_free(&b);
		return -1;
	}
	for (line = b.data; line != NULL && line < b.data + b.len;
	    line = end + 1) {
		if ((end = memchr(line, '\n', (size_t)(b.data + b.len - line)))
		    == NULL)
			break;		/* a last line cut short: not trusted */
		if ((size_t)(end - line) == len &&
		    memcmp(line, service, len) == 0) {
			found = 1;
			break;
		}
	}
	buf_free(&b);
	return found;
}
