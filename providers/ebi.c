/*
 * ebi: the wrapper (ct-wrapper(7)) for the EBI Job Dispatcher's
 * ncbiblast REST service, https://www.ebi.ac.uk/Tools/services/rest/
 * ncbiblast, or anything that speaks its protocol.
 *
 *   ebi submit [key=value ...] <input   POST URL/run; print the job id
 *   ebi poll JOBID                      GET URL/status/JOBID
 *   ebi fetch JOBID                     GET URL/result/JOBID/xml, checked
 *   ebi cancel JOBID                    nothing: EBI has no cancel
 *   ebi check                           the parameters, without a request
 *
 * Each call makes at most one HTTP request (common/http.h), so the
 * dispatcher's limits (max-jobs, poll-interval, request-interval) are the
 * limits EBI sees. The server's parameters: url and email (required),
 * cafile, database, database.NAME, timeout, max-result; see
 * cputorrent-ebi(8).
 *
 * submit keeps the job's input in $CT_WORKDIR/query.fa so that fetch can
 * refuse a report for another query; fetch writes nothing until the
 * whole report has arrived and passed result.h's checks. The job id is
 * recorded in $CT_WORKDIR/submitted (statefile.h) before it is printed:
 * a repeated submit of the same attempt prints it again without a second
 * run request.
 *
 * The status words: FINISHED is done; RUNNING and QUEUED are running;
 * ERROR (EBI could not get the status) is transient, 75; FAILURE and
 * NOT_FOUND (an expired or unknown job) are "failed", so the job moves
 * on. HTTP 429, 5xx, no connection and timeouts are transient; any other
 * HTTP error is permanent (69), a 400 on submit the job's own fault (65).
 *
 * Exit status: 64 usage, 65 the job's input or options refused, 69 this
 * server cannot do the job, 74 an I/O error, 75 try again later, 78 the
 * server's parameters are wrong. Messages are "ebi: ..." on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "charset.h"
#include "email.h"
#include "err.h"
#include "exitcodes.h"
#include "fasta.h"
#include "http.h"
#include "options.h"
#include "service.h"
#include "statefile.h"
#include "util.h"
#include "wrapper.h"

/* The largest query sent: far above one protein or gene. */
#define MAX_INPUT_BYTES (1024 * 1024)
/* The answers of /run and /status are a word; allow for an error page. */
#define MAX_SMALL_ANSWER (256 * 1024)
/* The most of a request's timeout its connection may take, seconds. */
#define CONNECT_TIMEOUT 15.0
/* Job ids: EBI's are about 45 characters. */
#define MAX_JOBID 100
/* The most of an error description quoted. */
#define MAX_DESCRIPTION 200

/* The file in the work directory that keeps the query for fetch. */
#define F_QUERY "query.fa"

static const char usage[] =
    "usage: ebi submit [key=value ...] <input\n"
    "       ebi poll | fetch | cancel jobid\n"
    "       ebi check\n";

/* ---- the job's options --------------------------------------------- */

/*
 * The options a job may give, each mapped to the /run field it sets,
 * with what its value may be. Only these reach EBI, each field once.
 */
static const struct option_spec option_specs[] = {
	{ "exp", "exp", OPT_NUMBER, 24, 0, 1000, NULL },
	{ "evalue", "exp", OPT_NUMBER, 24, 0, 1000, NULL },
	{ "matrix", "matrix", OPT_WORD, 1000, 0, 0,
	    "BLOSUM45 BLOSUM50 BLOSUM62 BLOSUM80 BLOSUM90 PAM30 PAM70 PAM250 "
	    "NONE" },
	{ "alignments", "alignments", OPT_INT, 6, 1, 1000, NULL },
	{ "scores", "scores", OPT_INT, 6, 1, 1000, NULL },
	{ "hsps", "hsps", OPT_INT, 6, 1, 1000, NULL },
	{ "dropoff", "dropoff", OPT_INT, 6, 0, 1000, NULL },
	{ "gapopen", "gapopen", OPT_INT, 6, -1, 100, NULL },
	{ "gapext", "gapext", OPT_INT, 6, -1, 100, NULL },
	{ "wordsize", "wordsize", OPT_INT, 6, 2, 100, NULL },
	{ "transltable", "transltable", OPT_INT, 6, 1, 33, NULL },
	{ "align", "align", OPT_INT, 6, 0, 12, NULL },
	{ "filter", "filter", OPT_WORD, 1000, 0, 0, "F T" },
	{ "gapalign", "gapalign", OPT_WORD, 1000, 0, 0, "true false" },
	{ "compstats", "compstats", OPT_WORD, 1000, 0, 0, "F D 1 2 3" },
	{ "task", "task", OPT_WORD, 1000, 0, 0,
	    "blastp blastp-fast blastp-short blastn blastn-short megablast "
	    "dc-megablast blastx blastx-fast tblastn tblastn-fast tblastx" },
	{ "taxids", "taxids", OPT_LIST, 1000, 0, 0, NULL },
	{ "negative_taxids", "negative_taxids", OPT_LIST, 1000, 0, 0, NULL },
	{ "seqrange", "seqrange", OPT_RANGE, 21, 0, 0, NULL },
	{ "match_scores", "match_scores", OPT_PAIR, 9, 0, 0, NULL },
	{ "title", "title", OPT_TEXT, 100, 0, 0, NULL },
};
#define NSPECS (sizeof option_specs / sizeof option_specs[0])

/*
 * What the official clients send for a protein search when the user
 * gives nothing (providers.md 2.2), sent for blastp likewise so that the
 * service sees the requests it knows. Other programs get EBI's defaults.
 */
static const char *const blastp_defaults[][2] = {
	{ "task", "blastp" }, { "matrix", "BLOSUM62" },
	{ "alignments", "50" }, { "scores", "50" }, { "exp", "10" },
	{ "dropoff", "0" }, { "gapopen", "-1" }, { "gapext", "-1" },
	{ "filter", "F" }, { "gapalign", "true" }, { "compstats", "F" },
	{ "align", "0" }, { "transltable", "1" },
};
#define NDEFAULTS (sizeof blastp_defaults / sizeof blastp_defaults[0])

/*
 * Check the job's options and add them to the form; set[] notes which
 * rows they set (for the defaults). Returns 0, or after a message
 * EX_DATAERR.
 */
static int
add_options(struct http_form *f, int nopts, char **opts, int set[NSPECS])
{
	static const struct option_rules rules = { option_specs, NSPECS,
	    "is not one EBI's ncbiblast takes (see cputorrent-ebi(8))",
	    "value not acceptable for EBI's ", true };
	struct job_option *opt;
	size_t i;
	int k, rc;

	opt = xcalloc((size_t)nopts + 1, sizeof *opt);
	rc = options_check(&rules, nopts, opts, opt);
	for (k = 0; k < nopts && rc == 0; k++) {
		for (i = 0; i < NSPECS; i++)
			if (strcmp(option_specs[i].field,
			    opt[k].spec->field) == 0)
				set[i] = 1;
		http_form_add(f, opt[k].spec->field, opt[k].value);
	}
	free(opt);
	return rc;
}

static void
add_defaults(struct http_form *f, const int set[NSPECS])
{
	size_t d, i;

	for (d = 0; d < NDEFAULTS; d++) {
		for (i = 0; i < NSPECS; i++)
			if (set[i] && strcmp(option_specs[i].field,
			    blastp_defaults[d][0]) == 0)
				break;
		if (i == NSPECS)
			http_form_add(f, blastp_defaults[d][0],
			    blastp_defaults[d][1]);
	}
}

/* ---- the server's parameters ----------------------------------------- */

struct params {
	const char *url;	/* the service's base URL, no trailing '/' */
	const char *email;
	struct http_limits lim;
	size_t max_result;
};

/*
 * Read and check the parameters: 0, or after a message for each problem
 * EX_CONFIG.
 */
static int
read_params(struct params *p)
{
	const char *why;
	int rc = 0;

	memset(p, 0, sizeof *p);
	if (wrapper_url_param(&p->url, "the service's base URL, such as "
	    "https://www.ebi.ac.uk/Tools/services/rest/ncbiblast") != 0)
		rc = EX_CONFIG;
	p->email = wrapper_param("email");
	if (p->email == NULL) {
		ct_warn("the server has no email parameter: EBI requires a "
		    "valid email address with every job");
		rc = EX_CONFIG;
	} else if (!email_ok(p->email, &why)) {
		ct_warn("parameter email: %s", why);
		rc = EX_CONFIG;
	}
	if (wrapper_http_params(&p->lim, &p->max_result, CONNECT_TIMEOUT) !=
	    0)
		rc = EX_CONFIG;
	return rc;
}

/* ---- talking to the service ------------------------------------------ */

/*
 * The description of an EBI error body,
 * <error><description>...</description></error>, on one line, cleaned;
 * "" if there is none.
 */
static void
description(const struct buf *body, char *out, size_t n)
{
	const char *s = body->data ? strstr(body->data, "<description>") :
	    NULL, *e;
	size_t k = 0;
	int space = 0;

	out[0] = '\0';
	if (s == NULL || n == 0)
		return;
	s += sizeof "<description>" - 1;
	e = strstr(s, "</description>");
	if (e == NULL)
		return;
	for (; s < e && k + 1 < n && k < MAX_DESCRIPTION; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = k > 0;
			continue;
		}
		if (space && k + 2 < n)
			out[k++] = ' ';
		space = 0;
		if (strncmp(s, "&gt;", 4) == 0 || strncmp(s, "&lt;", 4) == 0) {
			c = s[1] == 'g' ? '>' : '<';
			s += 3;
		} else if (strncmp(s, "&amp;", 5) == 0) {
			c = '&';
			s += 4;
		} else if (strncmp(s, "&quot;", 6) == 0) {
			c = '"';
			s += 5;
		}
		out[k++] = (char)c;
	}
	out[k] = '\0';
}

/*
 * Say why a request failed, with EBI's own words if it gave any; the
 * exit status for it (how: wrapper_http_failure's).
 */
static int
failed(const char *what, const struct http_response *r, unsigned how)
{
	char desc[MAX_DESCRIPTION + 1];

	description(&r->body, desc, sizeof desc);
	return wrapper_http_failure(what, r, desc, how);
}

/*
 * The body without the white space at its ends, as a string, in place;
 * "" for a body that holds a NUL, which no word or job id does.
 */
static char *
trimmed(struct buf *b)
{
	char *s = b->data;
	size_t n = b->len;

	if (memchr(s, '\0', n) != NULL)
		n = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	s[n] = '\0';
	return s + strspn(s, " \t\r\n");
}

/* EBI's job ids: a letter, then letters, digits, '-' and '_'. */
static int
jobid_ok(const char *s)
{
	return ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) &&
	    chars_only(s, CHARS_ALNUM "-_", 1, MAX_JOBID);
}

/* url + "/" + what [+ "/" + id [+ "/" + tail]], a new string. */
static char *
endpoint(const char *url, const char *what, const char *id, const char *tail)
{
	struct buf b = { NULL, 0, 0 };
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	buf_append(&b, url, n);
	buf_appendf(&b, "/%s", what);
	if (id != NULL)
		buf_appendf(&b, "/%s", id);
	if (tail != NULL)
		buf_appendf(&b, "/%s", tail);
	return b.data;
}

/* ---- the verbs ------------------------------------------------------- */

/* program and stype for the job's service; 0, or EX_UNAVAILABLE. */
static int
program_for(const char *service, const char **stype)
{
	static const char *const programs[][2] = {
		{ "blastp", "protein" }, { "tblastn", "protein" },
		{ "blastn", "nucleotide" }, { "blastx", "nucleotide" },
		{ "tblastx", "nucleotide" },
	};
	size_t i;

	for (i = 0; i < sizeof programs / sizeof programs[0]; i++)
		if (strcmp(service, programs[i][0]) == 0) {
			*stype = programs[i][1];
			return 0;
		}
	ct_warn("service %.32s is not one EBI's ncbiblast runs", service);
	return EX_UNAVAILABLE;
}

static int
dbname_ok(const char *s, size_t n)
{
	return n >= 1 && n <= 64 && span_only(s, n, CHARS_ALNUM "._-");
}

/*
 * Add the EBI databases for the job: those parameter database.NAME lists
 * for the job's database NAME, else NAME itself, else those parameter
 * database lists. A list is blank-separated; each is a database field.
 */
static int
add_databases(struct http_form *f)
{
	const char *job = getenv("CT_DATABASE"), *list = NULL, *p;
	struct buf name = { NULL, 0, 0 };
	char *shown;
	size_t n;

	if (job != NULL && *job != '\0') {
		buf_appendf(&name, "database.%s", job);
		list = wrapper_param(name.data);
		buf_free(&name);
		if (list == NULL) {
			if (!dbname_ok(job, strlen(job))) {
				shown = wrapper_printable(job, strlen(job), 64);
				ct_warn("database %s: not a name EBI could "
				    "have", shown);
				free(shown);
				return EX_DATAERR;
			}
			http_form_add(f, "database", job);
			return 0;
		}
	} else if ((list = wrapper_param("database")) == NULL) {
		ct_warn("the job names no database and the server has no "
		    "default one (parameter database)");
		return EX_UNAVAILABLE;
	}
	for (p = list + strspn(list, " \t"); *p != '\0';
	    p += n, p += strspn(p, " \t")) {
		n = strcspn(p, " \t");
		if (!dbname_ok(p, n))
			ct_die(EX_CONFIG, "parameter database%s%s: '%.64s' is "
			    "not a database name", job && *job ? "." : "",
			    job && *job ? job : "", p);
		buf_append(&name, p, n);
		http_form_add(f, "database", name.data);
		name.len = 0;
	}
	buf_free(&name);
	return 0;
}

/*
 * Read the job's input, one FASTA record of the service's sequence type,
 * and keep it for fetch; 0 or an exit status.
 */
static int
stage_input(struct buf *in)
{
	int rc = wrapper_read_input(in, MAX_INPUT_BYTES, NULL);
	const struct service *svc;
	struct fasta_record *recs = NULL;
	struct fasta_error fe;
	size_t nrecs = 0;

	if (rc != 0)
		return rc;
	svc = service_find(wrapper_env("CT_SERVICE"));
	if (svc == NULL || fasta_check(in->data, in->len, svc->query, &recs,
	    &nrecs, &fe) != 0) {
		ct_warn("the input is not %s FASTA: line %zu: %s",
		    svc ? seq_type_name(svc->query) : "valid", svc ? fe.line :
		    0, svc ? fe.msg : "unknown service");
		return EX_DATAERR;
	}
	free(recs);
	if (nrecs != 1) {
		ct_warn("the input has %zu sequences; EBI's ncbiblast takes "
		    "one a job (ct-submit -r makes a job of each)", nrecs);
		return EX_DATAERR;
	}
	if (statefile_write(F_QUERY, in->data, in->len) != 0) {
		ct_warnerr("cannot write %s in the work directory", F_QUERY);
		return EX_IOERR;
	}
	return 0;
}

/* Print the job id, the handle; 0, or after a message EX_IOERR. */
static int
emit_id(const char *id)
{
	printf("%s\n", id);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		return EX_IOERR;
	}
	return 0;
}

static int
submit(const struct params *p, int nopts, char **opts)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct http_response r;
	struct http_limits lim = p->lim;
	struct buf in = { NULL, 0, 0 };
	int set[NSPECS] = { 0 }, rc;
	const char *stype, *service = wrapper_env("CT_SERVICE");
	unsigned attempt = wrapper_attempt();
	char *url, *id, old[MAX_JOBID + 1];

	/* This attempt's job runs at EBI already: never a second one. */
	if (wrapper_submitted(attempt, old, sizeof old) && jobid_ok(old))
		return emit_id(old);
	http_form_add(&f, "email", p->email);
	if ((rc = program_for(service, &stype)) != 0)
		goto out;
	http_form_add(&f, "program", service);
	http_form_add(&f, "stype", stype);
	if ((rc = add_databases(&f)) != 0 ||
	    (rc = add_options(&f, nopts, opts, set)) != 0)
		goto out;
	if (strcmp(service, "blastp") == 0)
		add_defaults(&f, set);
	if ((rc = stage_input(&in)) != 0)
		goto out;
	http_form_add(&f, "sequence", in.data);

	url = endpoint(p->url, "run", NULL, NULL);
	lim.max_body = MAX_SMALL_ANSWER;
	switch (http_post(url, &f, &lim, &r)) {
	case HTTP_OK:
		id = trimmed(&r.body);
		if (jobid_ok(id)) {
			/* Printed all the same: the job runs at EBI now. */
			if (statefile_submitted_write(attempt, id, true) != 0)
				ct_warnerr("cannot write %s",
				    STATEFILE_SUBMITTED);
			rc = emit_id(id);
		} else {
			char *shown = wrapper_printable(id, strlen(id), 60);

			ct_warn("submit: the service answered no job id: "
			    "'%s'", shown);
			free(shown);
			rc = EX_UNAVAILABLE;
		}
		break;
	default:
		/* 400: the service refused these fields, the job's. */
		rc = failed("submit", &r, WRAPPER_HTTP_400_IS_INPUT);
		break;
	}
	http_response_free(&r);
	free(url);
out:
	buf_free(&in);
	http_form_free(&f);
	return rc;
}

static int
poll_job(const struct params *p, const char *id)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char *url = endpoint(p->url, "status", id, NULL), *word, *shown;
	int rc = 0;

	lim.max_body = MAX_SMALL_ANSWER;
	http_get(url, NULL, &lim, &r);
	word = trimmed(&r.body);
	/* NOT_FOUND may come with a 404 or a 200; the word says it all. */
	if (r.outcome == HTTP_OK || (r.outcome == HTTP_PERMANENT &&
	    strcmp(word, "NOT_FOUND") == 0)) {
		if (strcmp(word, "FINISHED") == 0)
			puts("done");
		else if (strcmp(word, "RUNNING") == 0 ||
		    strcmp(word, "QUEUED") == 0)
			puts("running");
		else if (strcmp(word, "FAILURE") == 0)
			printf("failed EBI: job %s failed (FAILURE)\n", id);
		else if (strcmp(word, "NOT_FOUND") == 0)
			printf("failed EBI: job %s not found (NOT_FOUND: "
			    "expired, or never known)\n", id);
		else if (strcmp(word, "ERROR") == 0) {
			ct_warn("poll: EBI could not get the status of %s "
			    "(ERROR)", id);
			rc = EX_TEMPFAIL;
		} else {
			shown = wrapper_printable(word, strlen(word), 40);
			ct_warn("poll: not a status EBI gives: '%s'", shown);
			free(shown);
			rc = EX_UNAVAILABLE;
		}
		if (rc == 0 && (fflush(stdout) == EOF || ferror(stdout))) {
			ct_warnerr("cannot write standard output");
			rc = EX_IOERR;
		}
	} else {
		rc = failed("poll", &r, 0);
	}
	http_response_free(&r);
	free(url);
	return rc;
}

static int
fetch(const struct params *p, const char *id)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char *url = endpoint(p->url, "result", id, "xml"), why[512];
	int rc = 0;

	lim.max_body = p->max_result;
	switch (http_get(url, NULL, &lim, &r)) {
	case HTTP_OK:
		/* Nothing is written before the whole report has passed. */
		if (wrapper_check_report(r.body.data, r.body.len, F_QUERY, why,
		    sizeof why) != 0) {
			ct_warn("fetch: %s: %s", id, why);
			rc = EX_UNAVAILABLE;
		} else
			wrapper_write_out(r.body.data, r.body.len);
		break;
	default:
		rc = failed("fetch", &r, 0);
		break;
	}
	http_response_free(&r);
	free(url);
	return rc;
}

static noreturn void
usage_error(const char *what)
{
	wrapper_usage_error(usage, what);
}

int
main(int argc, char **argv)
{
	struct params p;
	const char *verb, *id = NULL;
	int rc;

	verb = wrapper_verb(argc, argv, usage, "job id");
	if (strcmp(verb, "check") == 0) {
		wrapper_check_begin();
		(void)read_params(&p);
		return wrapper_check_end();
	}
	if (strcmp(verb, "submit") != 0) {
		id = argv[2];
		if (!jobid_ok(id))
			usage_error("not an EBI job id");
	}
	/*
	 * EBI has no way to cancel a job: it runs on, and its results
	 * expire. There is nothing to release, so cancel succeeds at once,
	 * whatever the parameters say.
	 */
	if (strcmp(verb, "cancel") == 0)
		return 0;
	(void)wrapper_env("CT_JOB_ID");
	wrapper_enter_workdir();
	if ((rc = read_params(&p)) != 0)
		return rc;
	if (strcmp(verb, "submit") == 0)
		return submit(&p, argc - 2, argv + 2);
	if (strcmp(verb, "poll") == 0)
		return poll_job(&p, id);
	return fetch(&p, id);
}
