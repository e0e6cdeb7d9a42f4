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
	if (spool_read_state(sp, OFFERED_FILE, &now, OFFERED_MAX_SIZE) != 0 ||
	    now.len != text.len ||
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

	if (spool_read_state(sp, OFFERED_FILE, &b, OFFERED_MAX_SIZE) != 0) {
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
