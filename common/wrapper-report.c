/*
 * wrapper-report.c: wrapper_check_report (wrapper.h), apart from the rest
 * of wrapper.c because it needs libxml2: a wrapper that does not check
 * reports itself, as local does, links without it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "job.h"
#include "result.h"
#include "statefile.h"
#include "wrapper.h"

/* The largest query file wrapper_check_report reads back. */
#define MAX_QUERY_FILE (64UL * 1024 * 1024)

int
wrapper_check_report(const char *data, size_t len, const char *query_file,
    char *why, size_t whylen)
{
	struct job j;
	struct buf q = { NULL, 0, 0 };
	size_t i = 0;
	int rc;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;	/* a UTF-8 byte-order mark */
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'))
		i++;
	if (len - i < 5 || memcmp(data + i, "<?xml", 5) != 0) {
		snprintf(why, whylen, len == 0 ? "an empty result" :
		    "not BLAST XML");
		return -1;
	}
	rc = statefile_read(query_file, &q, MAX_QUERY_FILE);
	if (rc != 0) {
		snprintf(why, whylen, "the query kept by submit (%s) cannot "
		    "be read: %s", query_file, rc < 0 ? strerror(errno) :
		    "no such file");
		buf_free(&q);
		return -1;
	}
	memset(&j, 0, sizeof j);
	j.input = q.data;
	j.input_len = q.len;
	rc = result_check(data, len, &j, why, whylen);
	buf_free(&q);
	return rc;
}
