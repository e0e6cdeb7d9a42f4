/*
 * reportsplit-run.c: a batch's report split by libexec's reportsplit
 * (reportsplit.h), which alone of the two links libxml2: the wrapper
 * hands it the queries' identifiers and the report, and takes back the
 * parts, each framed by its length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "libexec.h"
#include "reportsplit.h"
#include "result.h"
#include "run.h"

#define HELPER "reportsplit"

/* Long enough for the largest report a result may be. */
#define SPLIT_TIMEOUT_MS (600 * 1000)

extern char **environ;

/*
 * The parts, out of the helper's answer a[0..len). Returns 0, or -1 if
 * the answer is not n parts (each part then stays empty).
 */
static int
take_parts(char *a, size_t len, size_t n, struct buf *parts)
{
	char *p = a, *end = a + len, *nl;
	int64_t size;
	size_t k;

	for (k = 0; k < n; k++) {
		if (p == end ||
		    (nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		*nl = '\0';
		if (parse_int64(p, NULL, 0, end - (nl + 1), &size) != 0)
			break;
		p = nl + 1;
		buf_append(&parts[k], p, (size_t)size);
		p += size;
	}
	if (k == n && p == end)
		return 0;
	for (k = 0; k < n; k++)
		buf_free(&parts[k]);
	return -1;
}

/* Why the helper failed: its own last words, else how it ended. */
static void
say_failure(const struct run_result *r, const char *path, char *why,
    size_t whylen)
{
	size_t pre = strlen(HELPER ": ");

	if (r->timed_out)
		snprintf(why, whylen, "%s: timed out", path);
	else if (strncmp(r->err_tail, HELPER ": ", pre) == 0)
		snprintf(why, whylen, "%s", r->err_tail + pre);
	else if (r->err_tail[0] != '\0')
		snprintf(why, whylen, "%s: %s", path, r->err_tail);
	else if (r->exited)
		snprintf(why, whylen, "%s: exit status %d", path, r->code);
	else
		snprintf(why, whylen, "%s: killed by signal %d", path, r->code);
}

int
report_split_apart(const char *data, size_t len, const char *const *ids,
    size_t n, struct buf *parts, char *why, size_t whylen)
{
	char *path = libexec_path(HELPER), *argv[] = { HELPER, NULL };
	struct buf in = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	struct child c = { 0 };
	struct run_result r;
	size_t k;
	int rc = -1;

	buf_appendf(&in, "%zu\n", n);
	for (k = 0; k < n; k++)
		buf_appendf(&in, "%s\n", ids[k]);
	buf_append(&in, data, len);
	c.path = path;
	c.argv = argv;
	c.envp = environ;
	c.in = in.data;
	c.inlen = in.len;
	c.out = &out;
	c.max_out = 2 * RESULT_MAX_SIZE;
	c.timeout_ms = SPLIT_TIMEOUT_MS;
	if (run_program(&c, &r) != 0)
		snprintf(why, whylen, "cannot run %s", path);
	else if (!r.exited || r.code != 0 || r.overflow)
		say_failure(&r, path, why, whylen);
	else if ((rc = take_parts(out.data, out.len, n, parts)) != 0)
		snprintf(why, whylen, "%s: its answer is not %zu parts", path,
		    n);
	buf_free(&in);
	buf_free(&out);
	free(path);
	return rc;
}

int
report_split_check(void)
{
	char *path = libexec_path(HELPER);
	int rc = access(path, X_OK);

	if (rc != 0)
		ct_warnerr("cannot run %s, which splits a batch's report",
		    path);
	free(path);
	return rc;
}
