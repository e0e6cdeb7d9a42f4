/*
 * job.c: a job record as a reader of the spool parses it (job_parse,
 * what spool_read_job calls); one that parses is formatted again, and
 * the record formatted must parse to the same record: a round trip.
 */
#include <stdio.h>

#include "harness.h"
#include "job.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job j, k;
	struct buf a = { 0 }, b = { 0 };
	size_t off;
	char err[256];

	memset(&j, 0, sizeof j);
	if (job_parse((const char *)data, size, true, &j, &off, err,
	    sizeof err) != 0) {
		job_free(&j);
		/* Without the input, the header alone. */
		memset(&j, 0, sizeof j);
		if (job_parse((const char *)data, size, false, &j, &off, err,
		    sizeof err) == 0 && off > size)
			abort();
		job_free(&j);
		return 0;
	}
	job_format(&j, j.input, j.input_len, &a);
	memset(&k, 0, sizeof k);
	if (job_parse(a.data, a.len, true, &k, &off, err, sizeof err) != 0) {
		fprintf(stderr, "a formatted record does not parse: %s\n", err);
		abort();
	}
	job_format(&k, k.input, k.input_len, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		fprintf(stderr, "the round trip changed the record\n");
		abort();
	}
	job_free(&j);
	job_free(&k);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
