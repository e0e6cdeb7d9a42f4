/*
 * wrapper-batch.c: the wrapper's side of submit-batch (wrapper-batch.h).
 * The manifest comes from the dispatcher; it is still read as input that
 * must prove its form: every field checked, every length within the text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batchcall.h"
#include "err.h"
#include "exitcodes.h"
#include "options.h"
#include "wrapper.h"
#include "wrapper-batch.h"

bool
wrapper_batch_verb(int argc, char **argv, const char *usage)
{
	if (argc < 2 || strcmp(argv[1], "submit-batch") != 0)
		return false;
	wrapper_open_standard_files();
	ct_setprogname(argv[0]);
	if (!options_syntax_ok(argc - 2, argv + 2))
		wrapper_usage_error(usage, "submit-batch: job options must be "
		    "key=value");
	return true;
}

/*
 * One "job ID ATTEMPT DEADLINE LENGTH WORKDIR" line at *p, its input
 * after it, into j; *p moves past both. Returns 0, or -1.
 */
static int
read_job(char **p, char *end, struct manifest_job *j)
{
	char *nl = memchr(*p, '\n', (size_t)(end - *p)), *q;
	unsigned long attempt;
	unsigned long long len;
	int used = 0;

	if (nl == NULL)
		return -1;
	*nl = '\0';
	if (sscanf(*p, "job %64s %lu %lld %llu %n", j->id, &attempt,
	    &j->deadline, &len, &used) != 4 || used == 0 ||
	    !jobid_valid(j->id) || attempt == 0 || attempt > 1000000)
		return -1;
	q = *p + used;
	if (q[0] != '/' || len > (unsigned long long)(end - (nl + 1)))
		return -1;
	j->attempt = (unsigned)attempt;
	j->workdir = q;
	j->input = nl + 1;
	j->input_len = (size_t)len;
	*p = nl + 1 + len;
	return 0;
}

int
wrapper_batch_read(struct batch_manifest *m, size_t max)
{
	int rc;

	memset(m, 0, sizeof *m);
	if ((rc = wrapper_read_input(&m->text, max, NULL)) != 0)
		return rc;
	return wrapper_batch_parse(m);
}

int
wrapper_batch_parse(struct batch_manifest *m)
{
	char *p, *end;

	free(m->jobs);
	m->jobs = NULL;
	m->n = 0;
	p = m->text.data;
	end = p + m->text.len;
	if (p == NULL || (size_t)(end - p) < sizeof BATCHCALL_MAGIC ||
	    memcmp(p, BATCHCALL_MAGIC "\n", sizeof BATCHCALL_MAGIC) != 0) {
		ct_warn("submit-batch: standard input is not a batch manifest");
		return EX_USAGE;
	}
	p += sizeof BATCHCALL_MAGIC;
	while (p < end) {
		m->jobs = xrealloc(m->jobs, (m->n + 1) * sizeof *m->jobs);
		if (read_job(&p, end, &m->jobs[m->n]) != 0) {
			ct_warn("submit-batch: job %zu of the manifest is "
			    "malformed", m->n + 1);
			return EX_USAGE;
		}
		m->n++;
	}
	if (m->n == 0) {
		ct_warn("submit-batch: the manifest names no job");
		return EX_USAGE;
	}
	return 0;
}

void
wrapper_batch_free(struct batch_manifest *m)
{
	buf_free(&m->text);
	free(m->jobs);
	memset(m, 0, sizeof *m);
}

int
wrapper_batch_enter(const struct manifest_job *j)
{
	char num[32];

	snprintf(num, sizeof num, "%u", j->attempt);
	if (setenv("CT_JOB_ID", j->id, 1) != 0 ||
	    setenv("CT_ATTEMPT", num, 1) != 0 ||
	    setenv("CT_WORKDIR", j->workdir, 1) != 0 ||
	    setenv("HOME", j->workdir, 1) != 0 ||
	    setenv("TMPDIR", j->workdir, 1) != 0) {
		ct_warnerr("cannot set the environment of job %s", j->id);
		return -1;
	}
	snprintf(num, sizeof num, "%lld", j->deadline);
	if (setenv("CT_DEADLINE", num, 1) != 0 || chdir(j->workdir) != 0) {
		ct_warnerr("cannot enter the work directory of job %s",
		    j->id);
		return -1;
	}
	return 0;
}
