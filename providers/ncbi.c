/*
 * ncbi: the wrapper (ct-wrapper(7)) for the NCBI BLAST Common URL API,
 * Blast.cgi, at the NCBI or at any server that speaks it.
 *
 *   ncbi submit [key=value ...] <query   CMD=Put; print the RID
 *   ncbi submit-batch [k=v ...] <manifest  several queries in one Put
 *   ncbi poll RID                        CMD=Get FORMAT_OBJECT=SearchInfo
 *   ncbi fetch RID                       CMD=Get FORMAT_TYPE=XML, checked
 *   ncbi cancel RID                      CMD=Delete
 *   ncbi check                           the parameters, without a request
 *
 * The requests are those of NCBI's web_blast.pl and Biopython's qblast: the
 * Put is a form POST; Get and Delete are GETs with a query string; every
 * request carries the registry's email and tool, as NCBI's usage
 * guidelines ask. Each call makes at most one HTTP request: the pace
 * between requests (one every 10 s, one poll per RID a minute) is the
 * dispatcher's, from the registry's request-interval and poll-interval.
 *
 * The Put's answer is an HTML page whose QBlastInfo comment gives the RID
 * and RTOE, the estimated seconds to completion. Both are kept, with the
 * time of the Put, in $CT_WORKDIR/ncbi.state, and the query in
 * $CT_WORKDIR/query.fa: a poll before the RTOE has passed answers
 * "running" without asking NCBI, and fetch checks that the report is BLAST
 * XML for this query (wrapper.h, result.h) before it writes a byte. The RID
 * is recorded in $CT_WORKDIR/submitted (statefile.h) before it is printed:
 * a repeated submit of the same attempt (a dispatcher died before it
 * recorded the RID) prints that RID again, and NCBI sees no second search.
 *
 * submit-batch puts short queries of several jobs in one search, as NCBI
 * asks, up to 10,000 letters; the RID is each job's handle, and each
 * job's state says which query is its. The jobs share the search through
 * the server's state directory (sharedsearch.h): one poll of the RID per
 * rid-poll-interval between them all, the report fetched once and split
 * per query, a job cancelled alone until the last one deletes the search.
 *
 * Exit status, as the contract says: 64 usage (bad verb, bad RID, missing
 * environment), 65 the job's input or options refused (by this wrapper, or
 * by NCBI with a "Message ID#" page), 69 permanent for this server (NCBI
 * says FAILED or UNKNOWN, an HTTP 4xx, an answer that is not the protocol,
 * a report that is not this query's, a body over the cap), 74 an I/O
 * error, 75 transient (no connection, a timeout, a dropped transfer, HTTP
 * 429 or 5xx, a search still running at fetch), 78 the server's parameters
 * are wrong. Messages are "ncbi: ..." on standard error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "charset.h"
#include "email.h"
#include "err.h"
#include "exitcodes.h"
#include "fasta.h"
#include "http.h"
#include "options.h"
#include "reportsplit.h"
#include "result.h"
#include "sharedsearch.h"
#include "statefile.h"
#include "util.h"
#include "wrapper.h"
#include "wrapper-batch.h"

/* The largest query sent: NCBI asks for batches of at most 10 kb. */
#define MAX_INPUT_BYTES (1024 * 1024)
/* The largest answer to a Put, a SearchInfo or a Delete. */
#define MAX_PAGE_BYTES (1024 * 1024)
/* The default and largest report fetch accepts (parameter max-result). */
#define DEFAULT_MAX_RESULT (64UL * 1024 * 1024)
/* The default seconds one request may take (parameter timeout). */
#define DEFAULT_TIMEOUT 30L
#define CONNECT_TIMEOUT_MS 10000L
/* An RTOE beyond this is not believed: the poll would wait too long. */
#define MAX_RTOE 3600L
/* A RID: 1 to this many letters and digits. */
#define MAX_RID 64
/* How much of an error page's message is quoted. */
#define MAX_MESSAGE 200

/* NCBI: "do not poll for any single RID more often than once a minute". */
#define DEFAULT_RID_GAP 60L
/* NCBI: merge short queries into one search of up to 10,000 letters. */
#define MAX_BATCH_LETTERS 10000
/* A shared search's files are swept once it is this old (NCBI: 24 h). */
#define SHARED_SEARCH_AGE (2 * 86400)

#define F_STATE "ncbi.state"
#define F_QUERY "query.fa"

static const char usage[] =
    "usage: ncbi submit [key=value ...] <query\n"
    "       ncbi submit-batch [key=value ...] <manifest\n"
    "       ncbi poll | fetch | cancel RID\n"
    "       ncbi check\n";

/* The server's parameters, from CT_PARAM_*. */
struct conf {
	const char *url;
	const char *email;
	const char *tool;
	const char *database;	/* for jobs that name none; may be NULL */
	const char *databases;	/* the only names allowed; NULL: any */
	struct http_limits lim;
	size_t max_result;
	const char *state_dir;	/* searches shared by batches; may be NULL */
	long rid_gap;		/* seconds between two polls of one RID */
};

/*
 * The job options NCBI takes, each once: the key as BLAST+'s command line
 * names it, the field as Blast.cgi does.
 */
static const struct option_spec option_maps[] = {
	{ "evalue", "EXPECT", OPT_NUMBER, 32, 0, 0, NULL },
	{ "max_target_seqs", "HITLIST_SIZE", OPT_INT, 8, 1, 5000, NULL },
	{ "word_size", "WORD_SIZE", OPT_INT, 8, 2, 256, NULL },
	{ "matrix", "MATRIX", OPT_WORD, 32, 0, 0,
	    "BLOSUM45 BLOSUM50 BLOSUM62 BLOSUM80 BLOSUM90 PAM30 PAM70 "
	    "PAM250" },
	{ "threshold", "THRESHOLD", OPT_INT, 8, 0, 1000, NULL },
	{ "comp_based_stats", "COMPOSITION_BASED_STATISTICS", OPT_INT, 8, 0,
	    3, NULL },
	{ "reward", "NUCL_REWARD", OPT_INT, 8, 1, 100, NULL },
	{ "penalty", "NUCL_PENALTY", OPT_INT, 8, -100, -1, NULL },
	{ "filter", "FILTER", OPT_WORD, 32, 0, 0, "F T L mL mT" },
	/* These two make one field, GAPCOSTS "open extend"; see add_options. */
	{ "gapopen", NULL, OPT_INT, 8, 0, 100, NULL },
	{ "gapextend", NULL, OPT_INT, 8, 0, 100, NULL },
};

#define NOPTION_MAPS (sizeof option_maps / sizeof option_maps[0])

static noreturn void
usage_error(const char *what)
{
	wrapper_usage_error(usage, what);
}

/*
 * The parameters of batches: state-dir, where searches shared by several
 * jobs are kept, and rid-poll-interval. Returns 0, or after a message
 * EX_CONFIG.
 */
static int
load_batch_conf(struct conf *c)
{
	const char *s;
	int64_t n;
	int rc = 0;

	c->state_dir = wrapper_param("state-dir");
	if (c->state_dir != NULL && c->state_dir[0] != '/') {
		ct_warn("parameter state-dir: %s is not an absolute path",
		    c->state_dir);
		rc = EX_CONFIG;
	}
	c->rid_gap = DEFAULT_RID_GAP;
	if ((s = wrapper_param("rid-poll-interval")) != NULL) {
		if (parse_int64(s, NULL, 1, 3600, &n) != 0) {
			ct_warn("parameter rid-poll-interval: whole seconds, "
			    "1 to 3600");
			rc = EX_CONFIG;
		} else
			c->rid_gap = (long)n;
	}
	return rc;
}

/*
 * Read the parameters: 0, or after a message for each problem
 * EX_CONFIG.
 */
static int
load_conf(struct conf *c)
{
	const char *s, *bad;
	char why[128];
	char *end;
	long secs;
	int rc = 0, rc2;

	memset(c, 0, sizeof *c);
	c->url = wrapper_param("url");
	if (c->url == NULL) {
		ct_warn("parameter url is not set");
		rc = EX_CONFIG;
	} else if (http_url_ok(c->url, why, sizeof why) != 0) {
		ct_warn("parameter url: %s", why);
		rc = EX_CONFIG;
	}
	c->email = wrapper_param("email");
	if (c->email == NULL) {
		ct_warn("parameter email is not set: NCBI asks for a contact "
		    "address with every request");
		rc = EX_CONFIG;
	} else if (!email_ok(c->email, &bad)) {
		ct_warn("parameter email: %s", bad);
		rc = EX_CONFIG;
	}
	c->tool = wrapper_param("tool");
	if (c->tool == NULL)
		c->tool = "cputorrent";
	if (!chars_only(c->tool, CHARS_ALNUM "._-", 1, 64)) {
		ct_warn("parameter tool: 1 to 64 of A-Z a-z 0-9 . _ -");
		rc = EX_CONFIG;
	}
	c->database = wrapper_param("database");
	c->databases = wrapper_param("databases");
	c->lim.cafile = wrapper_param("cafile");
	if (c->lim.cafile != NULL && access(c->lim.cafile, R_OK) != 0) {
		ct_warnerr("parameter cafile %s", c->lim.cafile);
		rc = EX_CONFIG;
	}
	secs = DEFAULT_TIMEOUT;
	if ((s = wrapper_param("timeout")) != NULL) {
		errno = 0;
		secs = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || secs < 1 || secs > 3600) {
			ct_warn("parameter timeout: whole seconds, 1 to 3600");
			rc = EX_CONFIG;
			secs = DEFAULT_TIMEOUT;
		}
	}
	c->lim.total_ms = secs * 1000;
	c->lim.connect_ms = c->lim.total_ms < CONNECT_TIMEOUT_MS ?
	    c->lim.total_ms : CONNECT_TIMEOUT_MS;
	c->lim.max_body = MAX_PAGE_BYTES;
	c->max_result = DEFAULT_MAX_RESULT;
	if ((s = wrapper_param("max-result")) != NULL &&
	    (parse_size(s, &c->max_result) != 0 || c->max_result < 1024 ||
	    c->max_result > RESULT_MAX_SIZE)) {
		ct_warn("parameter max-result: a size from 1k to 512M");
		rc = EX_CONFIG;
	}
	if ((rc2 = load_batch_conf(c)) != 0)
		rc = rc2;
	return rc;
}

/* email and tool, on every request, as NCBI's guidelines ask. */
static void
add_contact(struct http_form *f, const struct conf *c)
{
	http_form_add(f, "email", c->email);
	http_form_add(f, "tool", c->tool);
}

/* ---- job options ----------------------------------------------------- */

/*
 * Map the job's options to Blast.cgi fields in f, in option_maps' order.
 * Returns 0, or after a message EX_DATAERR.
 */
static int
add_options(struct http_form *f, int nopts, char **opts, long *hitlist)
{
	static const struct option_rules rules = { option_maps, NOPTION_MAPS,
	    "is not one the NCBI wrapper knows (see cputorrent-ncbi(8))",
	    NULL, true };
	const char *given[NOPTION_MAPS] = { NULL };
	const char *open, *extend;
	struct job_option *opt;
	char gap[32];
	size_t i;
	int k, rc;

	opt = xcalloc((size_t)nopts + 1, sizeof *opt);
	rc = options_check(&rules, nopts, opts, opt);
	for (k = 0; k < nopts && rc == 0; k++)
		given[opt[k].spec - option_maps] = opt[k].value;
	free(opt);
	if (rc != 0)
		return rc;
	for (i = 0; i < NOPTION_MAPS; i++)
		if (given[i] != NULL && option_maps[i].field != NULL)
			http_form_add(f, option_maps[i].field, given[i]);
	for (i = 0, open = extend = NULL; i < NOPTION_MAPS; i++) {
		if (strcmp(option_maps[i].key, "gapopen") == 0)
			open = given[i];
		else if (strcmp(option_maps[i].key, "gapextend") == 0)
			extend = given[i];
		else if (strcmp(option_maps[i].key, "max_target_seqs") == 0 &&
		    given[i] != NULL)
			*hitlist = strtol(given[i], NULL, 10);
	}
	if ((open == NULL) != (extend == NULL)) {
		ct_warn("options gapopen and gapextend go together "
		    "(NCBI's GAPCOSTS)");
		return EX_DATAERR;
	}
	if (open != NULL) {
		snprintf(gap, sizeof gap, "%s %s", open, extend);
		http_form_add(f, "GAPCOSTS", gap);
	}
	return 0;
}

/* ---- reading NCBI's pages -------------------------------------------- */

/*
 * The value of "KEY = value" or "KEY=value" on a line of one of the
 * page's QBlastInfo blocks, whatever the blanks around it, trimmed, in
 * out (n bytes). Returns 0, or -1 if no block has the key.
 */
static int
qblast_field(const char *page, const char *key, char *out, size_t n)
{
	const char *block = page, *end, *line, *p, *v;
	size_t klen = strlen(key), vlen;

	while ((block = strstr(block, "QBlastInfoBegin")) != NULL) {
		end = strstr(block, "QBlastInfoEnd");
		if (end == NULL)
			return -1;
		for (line = block; line < end; line = p + 1) {
			p = line + strspn(line, " \t\r\n");
			if (p + klen < end && strncmp(p, key, klen) == 0) {
				v = p + klen + strspn(p + klen, " \t");
				if (*v == '=') {
					v += 1 + strspn(v + 1, " \t");
					vlen = strcspn(v, "\r\n");
					while (vlen > 0 && (v[vlen - 1] == ' ' ||
					    v[vlen - 1] == '\t'))
						vlen--;
					if (v + vlen > end)
						return -1;
					snprintf(out, n, "%.*s", (int)vlen, v);
					return 0;
				}
			}
			p = strchr(p, '\n');
			if (p == NULL || p >= end)
				break;
		}
		block = end;
	}
	return -1;
}

/*
 * The message of an NCBI error page, "Message ID#24 Error: ...", up to
 * the end of its line or its markup, in out; "" if there is none.
 */
static void
error_message(const char *page, char *out, size_t n)
{
	const char *m = strstr(page, "Message ID#");
	char *shown;
	size_t len;

	out[0] = '\0';
	if (m == NULL)
		return;
	len = strcspn(m, "<\r\n");
	shown = wrapper_printable(m, len, MAX_MESSAGE);
	snprintf(out, n, "%s", shown);
	free(shown);
}

static int
rid_ok(const char *rid)
{
	return chars_only(rid, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" CHARS_DIGITS, 1,
	    MAX_RID);
}

/*
 * The exit status for a request that failed, after a message saying
 * what the RID or the verb was for.
 */
static int
request_failed(const struct http_response *r, const char *what)
{
	char msg[MAX_MESSAGE + 32];

	if (r->outcome == HTTP_PERMANENT && !r->body_over_cap &&
	    r->status >= 400 && r->body.data != NULL) {
		error_message(r->body.data, msg, sizeof msg);
		if (msg[0] != '\0') {
			ct_warn("%s: %s: %s", what, r->error, msg);
			return EX_UNAVAILABLE;
		}
	}
	ct_warn("%s: %s", what, r->error);
	if (r->outcome != HTTP_TRANSIENT)
		return EX_UNAVAILABLE;
	wrapper_retry_after(r->retry_after);
	return EX_TEMPFAIL;
}

/* ---- state ----------------------------------------------------------- */

struct state {
	char rid[MAX_RID + 1];
	char server[256];
	long long submitted;	/* seconds since the Epoch */
	long rtoe;		/* seconds */
	long hitlist;		/* max_target_seqs, 0 if not given */
	long part;		/* in a batch's search: its query, from 1 */
};

/*
 * This job's state if it is for rid (any RID if rid is NULL) at this
 * server; -1 if none is.
 */
static int
load_state(const char *rid, struct state *st)
{
	struct buf text = { NULL, 0, 0 };
	const char *server = env_nonempty("CT_SERVER");
	char v[64];
	int64_t n, m;
	int rc = -1;

	memset(st, 0, sizeof *st);
	if (statefile_read(F_STATE, &text, 4096) != 0)
		goto out;
	if (statefile_get(text.data, "rid", st->rid, sizeof st->rid) != 0 ||
	    !rid_ok(st->rid) || (rid != NULL && strcmp(st->rid, rid) != 0))
		goto out;
	if (statefile_get(text.data, "server", st->server,
	    sizeof st->server) != 0 || strcmp(st->server,
	    server != NULL ? server : "") != 0)
		goto out;
	if (statefile_get(text.data, "submitted", v, sizeof v) != 0)
		goto out;
	/*
	 * A time this wrapper cannot have written (over a minute ahead of
	 * now, as a damaged file or a clock set back says) or an RTOE NCBI
	 * cannot have given holds nothing back: the poll asks NCBI.
	 */
	m = 0;
	if (parse_int64(v, NULL, 0, (int64_t)time(NULL) + 60, &n) != 0 ||
	    (statefile_get(text.data, "rtoe", v, sizeof v) == 0 &&
	    parse_int64(v, NULL, 0, MAX_RTOE, &m) != 0))
		n = m = 0;
	st->submitted = n;
	st->rtoe = (long)m;
	/* A hit-list size that is no number is none: NCBI's default. */
	if (statefile_get(text.data, "hitlist", v, sizeof v) == 0 &&
	    parse_int64(v, NULL, 1, LONG_MAX, &n) == 0)
		st->hitlist = (long)n;
	if (statefile_get(text.data, "part", v, sizeof v) == 0 &&
	    parse_int64(v, NULL, 1, 100000, &n) == 0)
		st->part = (long)n;
	rc = 0;
out:
	buf_free(&text);
	return rc;
}

static int
save_state(const struct state *st)
{
	struct buf text = { NULL, 0, 0 };
	int rc;

	buf_appendf(&text, "rid=%s\nserver=%s\nsubmitted=%lld\nrtoe=%ld\n"
	    "hitlist=%ld\n", st->rid, st->server, st->submitted, st->rtoe,
	    st->hitlist);
	if (st->part > 0)
		buf_appendf(&text, "part=%ld\n", st->part);
	rc = statefile_write(F_STATE, text.data, text.len);
	buf_free(&text);
	return rc;
}

/* ---- the verbs ------------------------------------------------------- */

static int
emit_line(const char *line)
{
	if (puts(line) == EOF || fflush(stdout) == EOF)
		ct_dieerr(EX_IOERR, "cannot write standard output");
	return 0;
}

/*
 * line, then NCBI's own estimate of the seconds the search still takes
 * (its RTOE, counted from the submit), as ct-wrapper(7)'s estimate line,
 * for the dispatcher's routing; without one if NCBI gave none.
 */
static int
emit_with_estimate(const char *line, const struct state *st, bool given)
{
	long left = (long)(st->submitted + st->rtoe - (long long)time(NULL));

	/* The submit time is rounded up (submit()): never more than said. */
	if (left > st->rtoe)
		left = st->rtoe;
	if (!given || left < 0)
		return emit_line(line);
	if (printf("%s\nestimate %ld\n", line, left) < 0 ||
	    fflush(stdout) == EOF)
		ct_dieerr(EX_IOERR, "cannot write standard output");
	return 0;
}

/*
 * PROGRAM for the job's service; -1 if NCBI's URL API has none (psiblast,
 * deltablast and the rps searches are not offered through it).
 */
static int
add_program(struct http_form *f, const char *service)
{
	static const char *const programs[] = {
		"blastn", "blastp", "blastx", "tblastn", "tblastx",
	};
	size_t i;

	for (i = 0; i < sizeof programs / sizeof programs[0]; i++)
		if (strcmp(service, programs[i]) == 0) {
			http_form_add(f, "PROGRAM", service);
			return 0;
		}
	return -1;
}

/* DATABASE for the job; 0, or after a message the exit status. */
static int
add_database(struct http_form *f, const struct conf *c)
{
	const char *db = env_nonempty("CT_DATABASE");
	char *shown;

	if (db == NULL)
		db = c->database;
	if (db == NULL) {
		ct_warn("the job names no database and this server has no "
		    "default one (parameter database)");
		return EX_UNAVAILABLE;
	}
	if (!chars_only(db, CHARS_ALNUM "._/-", 1, 100)) {
		shown = wrapper_printable(db, strlen(db), 100);
		ct_warn("database %s: not a name NCBI could have", shown);
		free(shown);
		return EX_DATAERR;
	}
	if (c->databases != NULL && !word_in(c->databases, db)) {
		ct_warn("database %s is not offered by this server "
		    "(parameter databases)", db);
		return EX_UNAVAILABLE;
	}
	http_form_add(f, "DATABASE", db);
	return 0;
}

/* Read the query; 0, or after a message the exit status. */
static int
read_query(struct buf *q)
{
	int rc = wrapper_read_input(q, MAX_INPUT_BYTES, "NCBI takes batches "
	    "of about 10,000 letters");

	if (rc != 0)
		return rc;
	if (q->len == 0 || memchr(q->data, '\0', q->len) != NULL) {
		ct_warn("the query is empty or not text");
		return EX_DATAERR;
	}
	return 0;
}

/*
 * The Put's fields but the query: PROGRAM, DATABASE, the job's options
 * (max_target_seqs into st). Returns 0, or after a message the exit
 * status.
 */
static int
put_form(const struct conf *c, struct http_form *f, int nopts, char **opts,
    struct state *st)
{
	const char *service = env_nonempty("CT_SERVICE");
	char *shown;
	int rc;

	http_form_add(f, "CMD", "Put");
	if (service == NULL || add_program(f, service) != 0) {
		shown = wrapper_printable(service ? service : "", service ?
		    strlen(service) : 0, 64);
		ct_warn("service %s is not one NCBI runs", shown);
		free(shown);
		return EX_UNAVAILABLE;
	}
	if ((rc = add_database(f, c)) != 0 ||
	    (rc = add_options(f, nopts, opts, &st->hitlist)) != 0)
		return rc;
	return 0;
}

/*
 * The Put of form f, its query and contact added: the search's RID, RTOE
 * and time, and the server, into st. Returns 0, or after a message the
 * exit status.
 */
static int
put_search(const struct conf *c, struct http_form *f, struct state *st)
{
	struct http_response r;
	/* One byte more than a RID may have, to see one that is too long. */
	char rid[MAX_RID + 2], rtoe[32], msg[MAX_MESSAGE + 1], *shown;
	int rc = 0;

	if (http_post(c->url, f, &c->lim, &r) != HTTP_OK) {
		rc = request_failed(&r, "submit");
		goto out;
	}
	if (qblast_field(r.body.data, "RID", rid, sizeof rid) != 0) {
		error_message(r.body.data, msg, sizeof msg);
		if (msg[0] != '\0') {
			ct_warn("submit: NCBI refused the search: %s", msg);
			rc = EX_DATAERR;
		} else {
			ct_warn("submit: no RID in NCBI's answer (%zu bytes)",
			    r.body.len);
			rc = EX_UNAVAILABLE;
		}
		goto out;
	}
	if (!rid_ok(rid)) {
		shown = wrapper_printable(rid, strlen(rid), 64);
		ct_warn("submit: NCBI's RID %s is not 1 to %d of A-Z 0-9",
		    shown, MAX_RID);
		free(shown);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	memcpy(st->rid, rid, strlen(rid) + 1);
	if (qblast_field(r.body.data, "RTOE", rtoe, sizeof rtoe) == 0 &&
	    chars_only(rtoe, CHARS_DIGITS, 1, 9))
		st->rtoe = strtol(rtoe, NULL, 10);
	if (st->rtoe > MAX_RTOE)
		st->rtoe = MAX_RTOE;
	/* Counted from the answer, rounded up: never a poll too early. */
	st->submitted = (long long)((now_usec() + 999999) / 1000000);
	snprintf(st->server, sizeof st->server, "%s",
	    env_nonempty("CT_SERVER") ? env_nonempty("CT_SERVER") : "");
out:
	http_response_free(&r);
	return rc;
}

/*
 * The search's records for the job whose work directory is the working
 * one: its state, then its RID in submitted. Returns 0; the failures
 * are warned about, for the search runs at NCBI now.
 */
static void
record_search(const struct state *st, unsigned attempt)
{
	/* Without its state a poll would only ask NCBI too early. */
	if (save_state(st) != 0)
		ct_warnerr("cannot write %s", F_STATE);
	/*
	 * Without its record a repeated submit would search again; the RID
	 * is printed all the same, for the search runs at NCBI now.
	 */
	if (statefile_submitted_write(attempt, st->rid, true) != 0)
		ct_warnerr("cannot write %s", STATEFILE_SUBMITTED);
}

static int
submit(const struct conf *c, int nopts, char **opts)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct buf q = { NULL, 0, 0 };
	unsigned attempt = wrapper_attempt();
	struct state st;
	char rid[MAX_RID + 2];
	int rc;

	memset(&st, 0, sizeof st);
	/* This attempt's search was Put already: never a second one. */
	if (wrapper_submitted(attempt, rid, sizeof rid) && rid_ok(rid))
		return emit_line(rid);
	if ((rc = put_form(c, &f, nopts, opts, &st)) != 0 ||
	    (rc = read_query(&q)) != 0)
		goto out;
	http_form_add(&f, "QUERY", q.data);
	add_contact(&f, c);
	/* A retry must not find the last attempt's RID or query. */
	if ((unlink(F_STATE) != 0 && errno != ENOENT) ||
	    statefile_write(F_QUERY, q.data, q.len) != 0) {
		ct_warnerr("cannot write %s", F_QUERY);
		rc = EX_IOERR;
		goto out;
	}
	if ((rc = put_search(c, &f, &st)) != 0)
		goto out;
	record_search(&st, attempt);
	/* NCBI's RTOE, the soonest routing's estimate (ct-wrapper(7)). */
	rc = emit_with_estimate(st.rid, &st, st.rtoe > 0);
out:
	http_form_free(&f);
	buf_free(&q);
	return rc;
}

/* ---- batches: several queries in one Put ------------------------------ */

/* One job of a submit-batch call. */
struct member {
	const struct manifest_job *mj;
	char id[256];		/* its query's identifier */
	char rid[MAX_RID + 2];	/* its handle, once it has one */
	bool fresh;		/* its query is in this call's Put */
};

/* The letters of FASTA text p[0..len): its sequences' length. */
static size_t
letters(const char *p, size_t len)
{
	size_t n = 0, i;
	bool header = false;

	for (i = 0; i < len; i++) {
		if (i == 0 || p[i - 1] == '\n')
			header = p[i] == '>';
		if (!header && ((p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= 'a' && p[i] <= 'z') || p[i] == '*' || p[i] == '-'))
			n++;
	}
	return n;
}

/*
 * Job m taken on, in its work directory: its RID if a submit of its
 * attempt recorded one; else its query, if it fits in the Put (*total
 * letters so far), kept as a submit of it alone keeps it.
 */
static void
take_member(struct member *m, struct buf *queries, size_t *total)
{
	size_t n = letters(m->mj->input, m->mj->input_len);

	if (wrapper_batch_enter(m->mj) != 0)
		return;
	if (wrapper_submitted(m->mj->attempt, m->rid, sizeof m->rid) &&
	    rid_ok(m->rid))
		return;
	m->rid[0] = '\0';
	/* Left out, to be submitted alone: too much, or not a query. */
	if ((*total > 0 && *total + n > MAX_BATCH_LETTERS) ||
	    m->mj->input_len == 0 ||
	    memchr(m->mj->input, '\0', m->mj->input_len) != NULL)
		return;
	if ((unlink(F_STATE) != 0 && errno != ENOENT) ||
	    statefile_write(F_QUERY, m->mj->input, m->mj->input_len) != 0) {
		ct_warnerr("%s: cannot write %s", m->mj->id, F_QUERY);
		return;
	}
	(void)fasta_id(m->mj->input, m->mj->input + m->mj->input_len,
	    m->id, sizeof m->id);
	buf_append(queries, m->mj->input, m->mj->input_len);
	if (queries->data[queries->len - 1] != '\n')
		buf_append(queries, "\n", 1);
	*total += n;
	m->fresh = true;
}

/*
 * The search of the fresh jobs of ms kept for them all under the state
 * directory (its queries), then each job's records, its query's place in
 * the search among them. Returns 0, or after a message EX_IOERR: then no
 * job is recorded, and each is submitted alone.
 */
static int
record_batch(const struct conf *c, struct member *ms, size_t n,
    struct state *st)
{
	struct shared_search ss;
	const char **ids = xcalloc(n, sizeof *ids);
	size_t k, m = 0;
	int rc = 0;

	for (k = 0; k < n; k++)
		if (ms[k].fresh)
			ids[m++] = ms[k].id;
	if (shared_search_open(&ss, c->state_dir, st->rid) != 0 ||
	    shared_search_set_ids(&ss, ids, m) != 0)
		rc = EX_IOERR;
	shared_search_close(&ss);
	free(ids);
	for (k = 0, m = 0; k < n && rc == 0; k++) {
		if (!ms[k].fresh)
			continue;
		st->part = (long)++m;
		if (wrapper_batch_enter(ms[k].mj) != 0)
			continue;
		record_search(st, ms[k].mj->attempt);
		memcpy(ms[k].rid, st->rid, strlen(st->rid) + 1);
	}
	return rc;
}

/*
 * submit-batch (ct-wrapper(7), Batches): the queries of the manifest's
 * jobs that have no search yet in one Put, within NCBI's 10,000 letters;
 * its RID every job's handle, the search kept under the state directory
 * for their polls, fetches and cancels to share.
 */
static int
submit_batch(const struct conf *c, int nopts, char **opts)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct buf queries = { NULL, 0, 0 };
	struct batch_manifest bm;
	struct member *ms;
	struct state st;
	size_t k, total = 0, fresh = 0;
	int rc;

	if (c->state_dir == NULL) {
		ct_warn("parameter state-dir is not set: no batches, each "
		    "job alone");
		return EX_CONFIG;
	}
	if ((rc = wrapper_batch_read(&bm, MAX_INPUT_BYTES)) != 0)
		return rc;
	shared_search_sweep(c->state_dir, SHARED_SEARCH_AGE);
	ms = xcalloc(bm.n, sizeof *ms);
	for (k = 0; k < bm.n; k++) {
		ms[k].mj = &bm.jobs[k];
		take_member(&ms[k], &queries, &total);
		fresh += ms[k].fresh;
	}
	memset(&st, 0, sizeof st);
	/* As a submit of the first job: its service, database, options. */
	if (fresh > 0 && (rc = wrapper_batch_enter(&bm.jobs[0]) != 0 ?
	    EX_OSERR : 0) == 0 &&
	    (rc = put_form(c, &f, nopts, opts, &st)) == 0) {
		http_form_add(&f, "QUERY", queries.data);
		add_contact(&f, c);
		if ((rc = put_search(c, &f, &st)) == 0)
			rc = record_batch(c, ms, bm.n, &st);
	}
	for (k = 0; k < bm.n && rc == 0; k++)
		if (ms[k].rid[0] != '\0' && printf("%s %s\n", ms[k].mj->id,
		    ms[k].rid) < 0)
			ct_dieerr(EX_IOERR, "cannot write standard output");
	if (rc == 0 && fflush(stdout) != 0)
		ct_dieerr(EX_IOERR, "cannot write standard output");
	http_form_free(&f);
	buf_free(&queries);
	free(ms);
	wrapper_batch_free(&bm);
	return rc;
}

/*
 * NCBI said when to ask (its RTOE): asking before is only a burden.
 * load_state() has bounded both numbers, so the sum cannot overflow.
 */
static bool
too_soon(const struct state *st)
{
	return (long long)time(NULL) < st->submitted + st->rtoe;
}

/* The status word of a SearchInfo page, or of a page in its stead. */
static const char *
search_status(const char *page, char *word, size_t n)
{
	if (qblast_field(page, "Status", word, n) != 0)
		word[0] = '\0';
	return word;
}

/*
 * Ask NCBI how search rid goes: answer (n bytes) gets the contract's poll
 * line, "running", "done", or "failed REASON" for a search NCBI says
 * failed or does not know. Returns 0, or after a message the exit status.
 */
static int
search_info(const struct conf *c, const char *rid, char *answer, size_t n)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct http_response r;
	char status[32], msg[MAX_MESSAGE + 1], *shown;
	int rc = 0;

	http_form_add(&f, "CMD", "Get");
	http_form_add(&f, "FORMAT_OBJECT", "SearchInfo");
	http_form_add(&f, "RID", rid);
	add_contact(&f, c);
	if (http_get(c->url, &f, &c->lim, &r) != HTTP_OK) {
		rc = request_failed(&r, rid);
		goto out;
	}
	search_status(r.body.data, status, sizeof status);
	if (strcmp(status, "WAITING") == 0)
		snprintf(answer, n, "running");
	else if (strcmp(status, "READY") == 0)
		/* No hits is a result too: a report that says so. */
		snprintf(answer, n, "done");
	else if (strcmp(status, "FAILED") == 0)
		snprintf(answer, n, "failed NCBI says the search failed "
		    "(Status=FAILED)");
	else if (strcmp(status, "UNKNOWN") == 0)
		snprintf(answer, n, "failed NCBI does not know the search "
		    "(Status=UNKNOWN: expired, or deleted)");
	else {
		error_message(r.body.data, msg, sizeof msg);
		shown = wrapper_printable(status, strlen(status), 32);
		if (msg[0] != '\0')
			ct_warn("%s: NCBI answered with an error: %s", rid,
			    msg);
		else if (status[0] != '\0')
			ct_warn("%s: NCBI gave the status '%s', which is "
			    "none of WAITING, READY, FAILED, UNKNOWN", rid,
			    shown);
		else
			ct_warn("%s: no Status in NCBI's answer (%zu bytes)",
			    rid, r.body.len);
		free(shown);
		rc = EX_UNAVAILABLE;
	}
out:
	http_response_free(&r);
	http_form_free(&f);
	return rc;
}

/*
 * The search of rid that the jobs of a batch share, opened and locked for
 * a job's poll or fetch (verb, "polled"). Returns 0, or after a message
 * the exit status.
 */
static int
open_shared(const struct conf *c, const char *rid, const char *verb,
    struct shared_search *ss)
{
	if (c->state_dir == NULL) {
		ct_warn("parameter state-dir is not set: a job of a batch "
		    "cannot be %s", verb);
		return EX_CONFIG;
	}
	return shared_search_open(ss, c->state_dir, rid) != 0 ? EX_IOERR : 0;
}

/*
 * The poll of a job of a batch, whose search others share: NCBI is asked
 * only if no job of it has asked within rid-poll-interval, and only until
 * an answer is final; every job takes the last answer.
 */
static int
poll_shared(const struct conf *c, const char *rid)
{
	struct shared_search ss;
	char answer[256];
	/* Kept rounded up, read rounded down: never a poll too early. */
	int64_t when, now = time(NULL), asked = (now_usec() + 999999) /
	    1000000;
	int rc = 0;

	if ((rc = open_shared(c, rid, "polled", &ss)) != 0)
		return rc;
	shared_search_last_poll(&ss, &when, answer, sizeof answer);
	/* A time over a minute ahead (a clock set back) holds nothing back. */
	if (strcmp(answer, "running") == 0 && (when > now + 60 ||
	    now - when >= c->rid_gap)) {
		/* Asked, even if no answer comes: the gap counts from here. */
		if (shared_search_polled(&ss, asked, answer) != 0)
			rc = EX_IOERR;
		else if ((rc = search_info(c, rid, answer, sizeof answer)) ==
		    0 && shared_search_polled(&ss, asked, answer) != 0)
			rc = EX_IOERR;
	}
	shared_search_close(&ss);
	return rc != 0 ? rc : emit_line(answer);
}

static int
poll_rid(const struct conf *c, const char *rid)
{
	struct state st;
	char answer[256];
	int rc, known;

	known = load_state(rid, &st) == 0;
	if (known && too_soon(&st))
		return emit_with_estimate("running", &st, true);
	if (known && st.part > 0)
		return poll_shared(c, rid);
	if ((rc = search_info(c, rid, answer, sizeof answer)) != 0)
		return rc;
	/* A search alone that ended without a report: the next server. */
	if (strncmp(answer, "failed ", 7) == 0) {
		ct_warn("%s: %s", rid, answer + 7);
		return EX_UNAVAILABLE;
	}
	return emit_line(answer);
}

/*
 * Why the fetched page is not this job's report (why, from
 * wrapper_check_report); the exit status. A page in a report's stead may
 * say the search is still running, or how it ended.
 */
static int
not_a_report(const char *rid, const struct buf *body, const char *why)
{
	char status[32], msg[MAX_MESSAGE + 1];

	search_status(body->data, status, sizeof status);
	if (strcmp(status, "WAITING") == 0) {
		ct_warn("%s: the search is still running (Status=WAITING)",
		    rid);
		return EX_TEMPFAIL;
	}
	if (strcmp(status, "FAILED") == 0 || strcmp(status, "UNKNOWN") == 0) {
		ct_warn("%s: no report: NCBI says Status=%s", rid, status);
		return EX_UNAVAILABLE;
	}
	error_message(body->data, msg, sizeof msg);
	if (msg[0] != '\0')
		ct_warn("%s: no report: NCBI answered with an error: %s", rid,
		    msg);
	else
		ct_warn("%s: not this job's report: %s", rid, why);
	return EX_UNAVAILABLE;
}

/*
 * Get search rid's BLAST XML report into r, whole, checked to be no
 * page in its stead only by what the caller does with it. Returns 0, or
 * after a message the exit status (r freed).
 */
static int
get_report(const struct conf *c, const char *rid, const struct state *st,
    struct http_response *r)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct http_limits lim = c->lim;
	char n[32];
	int rc = 0;

	http_form_add(&f, "CMD", "Get");
	http_form_add(&f, "RID", rid);
	http_form_add(&f, "FORMAT_TYPE", "XML");
	/* The Get shows 100 hits unless told: as many as were asked for. */
	if (st != NULL && st->hitlist > 0) {
		snprintf(n, sizeof n, "%ld", st->hitlist);
		http_form_add(&f, "DESCRIPTIONS", n);
		http_form_add(&f, "ALIGNMENTS", n);
	}
	add_contact(&f, c);
	lim.max_body = c->max_result;
	if (http_get(c->url, &f, &lim, r) != HTTP_OK) {
		rc = request_failed(r, rid);
		http_response_free(r);
	}
	http_form_free(&f);
	return rc;
}

/*
 * The report of a batch's search split among its queries ids[0..n), into
 * parts: the report fetched by the first of its jobs and kept, once it
 * splits, for the others (sharedsearch.h). Returns 0, or after a message
 * the exit status.
 */
static int
shared_parts(const struct conf *c, const char *rid, const struct state *st,
    struct shared_search *ss, char **ids, size_t n, struct buf *parts)
{
	struct http_response r = { 0 };
	struct buf kept = { NULL, 0, 0 }, *report = &kept;
	char why[256];
	int rc, fetched = 0;

	if ((rc = shared_search_report(ss, &kept, c->max_result)) < 0)
		return EX_IOERR;
	if (rc == 0) {
		if ((rc = get_report(c, rid, st, &r)) != 0)
			return rc;
		report = &r.body;
		fetched = 1;
	}
	rc = 0;
	if (report_split(report->data, report->len, (const char *const *)ids,
	    n, parts, why, sizeof why) != 0)
		rc = fetched ? not_a_report(rid, report, why) :
		    (ct_warn("%s: the report kept is not BLAST XML: %s", rid,
		    why), EX_UNAVAILABLE);
	else if (fetched && shared_search_keep_report(ss, report->data,
	    report->len) != 0)
		rc = EX_IOERR;
	buf_free(&kept);
	if (fetched)
		http_response_free(&r);
	return rc;
}

/*
 * fetch for a job of a batch: its part of the search's report, the
 * report of its own query, checked as a job alone's is.
 */
static int
fetch_shared(const struct conf *c, const char *rid, const struct state *st)
{
	struct buf ids = { NULL, 0, 0 }, *parts = NULL;
	struct shared_search ss;
	char **idv = NULL, why[256];
	size_t n = 0, k;
	int rc = 0;

	if ((rc = open_shared(c, rid, "fetched", &ss)) != 0)
		return rc;
	if (shared_search_ids(&ss, &ids, &idv, &n) != 0)
		rc = EX_IOERR;
	else if ((size_t)st->part > n) {
		ct_warn("%s: the search has no query %ld", rid, st->part);
		rc = EX_UNAVAILABLE;
	} else {
		parts = xcalloc(n, sizeof *parts);
		rc = shared_parts(c, rid, st, &ss, idv, n, parts);
	}
	shared_search_close(&ss);
	k = (size_t)st->part - 1;
	if (rc == 0 && wrapper_check_report(parts[k].data, parts[k].len,
	    F_QUERY, why, sizeof why) != 0) {
		ct_warn("%s: no report of this job's query in the search's: %s",
		    rid, why);
		rc = EX_UNAVAILABLE;
	} else if (rc == 0)
		wrapper_write_out(parts[k].data, parts[k].len);
	for (k = 0; parts != NULL && k < n; k++)
		buf_free(&parts[k]);
	free(parts);
	free(idv);
	buf_free(&ids);
	return rc;
}

static int
fetch(const struct conf *c, const char *rid)
{
	struct http_response r;
	struct state st;
	char why[256];
	int rc;

	if (load_state(rid, &st) == 0 && st.part > 0)
		return fetch_shared(c, rid, &st);
	if ((rc = get_report(c, rid, load_state(rid, &st) == 0 ? &st : NULL,
	    &r)) != 0)
		return rc;
	if (wrapper_check_report(r.body.data, r.body.len, F_QUERY, why,
	    sizeof why) != 0)
		rc = not_a_report(rid, &r.body, why);
	else
		wrapper_write_out(r.body.data, r.body.len);
	http_response_free(&r);
	return rc;
}

/* CMD=Delete of search rid; then this job's state is gone. */
static int
delete_search(const struct conf *c, const char *rid)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct http_response r;
	int rc = 0;

	http_form_add(&f, "CMD", "Delete");
	http_form_add(&f, "RID", rid);
	add_contact(&f, c);
	if (http_get(c->url, &f, &c->lim, &r) != HTTP_OK) {
		/*
		 * A server without CMD=Delete, or a RID already gone, leaves
		 * nothing to cancel; a network failure may be worth a retry.
		 */
		ct_warn("cancel %s: %s", rid, r.error);
		rc = r.outcome == HTTP_TRANSIENT ? EX_TEMPFAIL : 0;
	}
	http_response_free(&r);
	http_form_free(&f);
	if (rc == 0 && unlink(F_STATE) != 0 && errno != ENOENT)
		ct_warnerr("cannot remove %s", F_STATE);
	return rc;
}

/*
 * Job CT_JOB_ID withdrawn from its batch's search: 1 if it was the last
 * job that wanted it, 0 if others still do, or after a message the exit
 * status.
 */
static int
withdraw_shared(const struct conf *c, const char *rid)
{
	struct shared_search ss;
	struct buf ids = { NULL, 0, 0 };
	char **idv = NULL;
	size_t n = 0;
	int gone, rc;

	if (c->state_dir == NULL)
		return 1;	/* nothing kept: the search is the job's to end */
	if (shared_search_open(&ss, c->state_dir, rid) != 0)
		return EX_IOERR;
	gone = shared_search_withdraw(&ss, env_nonempty("CT_JOB_ID"));
	if (gone < 0)
		rc = EX_IOERR;
	else if (shared_search_ids(&ss, &ids, &idv, &n) != 0)
		rc = 1;		/* its jobs unknown: it is this one's to end */
	else
		rc = (size_t)gone >= n;
	shared_search_close(&ss);
	free(idv);
	buf_free(&ids);
	return rc;
}

static int
cancel(const struct conf *c, const char *rid)
{
	struct state st;
	int rc;

	/* A job of a batch is withdrawn alone while others want the search. */
	if (load_state(rid, &st) == 0 && st.part > 0 &&
	    (rc = withdraw_shared(c, rid)) != 1) {
		if (rc == 0 && unlink(F_STATE) != 0 && errno != ENOENT)
			ct_warnerr("cannot remove %s", F_STATE);
		return rc;
	}
	return delete_search(c, rid);
}

int
main(int argc, char **argv)
{
	const char *verb, *rid = NULL;
	struct conf c;
	int rc;

	if (wrapper_batch_verb(argc, argv, usage)) {
		(void)wrapper_env("CT_JOB_ID");
		wrapper_enter_workdir();
		if ((rc = load_conf(&c)) != 0)
			return rc;
		return submit_batch(&c, argc - 2, argv + 2);
	}
	verb = wrapper_verb(argc, argv, usage, "RID");
	if (strcmp(verb, "check") == 0) {
		wrapper_check_begin();
		(void)load_conf(&c);
		return wrapper_check_end();
	}
	if (strcmp(verb, "submit") != 0) {
		rid = argv[2];
		if (!rid_ok(rid))
			usage_error("a RID is 1 to 64 of A-Z 0-9");
	}
	(void)wrapper_env("CT_JOB_ID");
	wrapper_enter_workdir();
	if ((rc = load_conf(&c)) != 0)
		return rc;

	if (strcmp(verb, "submit") == 0)
		return submit(&c, argc - 2, argv + 2);
	if (strcmp(verb, "poll") == 0)
		return poll_rid(&c, rid);
	if (strcmp(verb, "fetch") == 0)
		return fetch(&c, rid);
	return cancel(&c, rid);
}
