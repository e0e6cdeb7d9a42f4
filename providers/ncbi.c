/*
 * ncbi: the wrapper (ct-wrapper(7)) for the NCBI BLAST Common URL API,
 * Blast.cgi, at the NCBI or at any server that speaks it.
 *
 *   ncbi submit [key=value ...] <query   CMD=Put; print the RID
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
#include "http.h"
#include "options.h"
#include "result.h"
#include "statefile.h"
#include "util.h"
#include "wrapper.h"

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

#define F_STATE "ncbi.state"
#define F_QUERY "query.fa"

static const char usage[] =
    "usage: ncbi submit [key=value ...] <query\n"
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
	int rc = 0;

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

static int
submit(const struct conf *c, int nopts, char **opts)
{
	const char *service = env_nonempty("CT_SERVICE");
	struct http_form f = { { NULL, 0, 0 } };
	struct http_response r;
	struct buf q = { NULL, 0, 0 };
	unsigned attempt = wrapper_attempt();
	struct state st;
	/* One byte more than a RID may have, to see one that is too long. */
	char rid[MAX_RID + 2], rtoe[32], msg[MAX_MESSAGE + 1], *shown;
	bool estimated = false;
	int rc;

	memset(&st, 0, sizeof st);
	/* This attempt's search was Put already: never a second one. */
	if (wrapper_submitted(attempt, rid, sizeof rid) && rid_ok(rid))
		return emit_line(rid);
	http_form_add(&f, "CMD", "Put");
	if (service == NULL || add_program(&f, service) != 0) {
		shown = wrapper_printable(service ? service : "", service ?
		    strlen(service) : 0, 64);
		ct_warn("service %s is not one NCBI runs", shown);
		free(shown);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if ((rc = add_database(&f, c)) != 0 ||
	    (rc = add_options(&f, nopts, opts, &st.hitlist)) != 0 ||
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
	if (http_post(c->url, &f, &c->lim, &r) != HTTP_OK) {
		rc = request_failed(&r, "submit");
		http_response_free(&r);
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
		http_response_free(&r);
		goto out;
	}
	if (!rid_ok(rid)) {
		shown = wrapper_printable(rid, strlen(rid), 64);
		ct_warn("submit: NCBI's RID %s is not 1 to %d of A-Z 0-9",
		    shown, MAX_RID);
		free(shown);
		http_response_free(&r);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	memcpy(st.rid, rid, strlen(rid) + 1);
	if (qblast_field(r.body.data, "RTOE", rtoe, sizeof rtoe) == 0 &&
	    chars_only(rtoe, CHARS_DIGITS, 1, 9)) {
		st.rtoe = strtol(rtoe, NULL, 10);
		estimated = true;
	}
	if (st.rtoe > MAX_RTOE)
		st.rtoe = MAX_RTOE;
	http_response_free(&r);
	/* Counted from the answer, rounded up: never a poll too early. */
	st.submitted = (long long)((now_usec() + 999999) / 1000000);
	snprintf(st.server, sizeof st.server, "%s",
	    env_nonempty("CT_SERVER") ? env_nonempty("CT_SERVER") : "");
	/* Without its state a poll would only ask NCBI too early. */
	if (save_state(&st) != 0)
		ct_warnerr("cannot write %s", F_STATE);
	/*
	 * Without its record a repeated submit would search again; the RID
	 * is printed all the same, for the search runs at NCBI now.
	 */
	if (statefile_submitted_write(attempt, st.rid) != 0)
		ct_warnerr("cannot write %s", STATEFILE_SUBMITTED);
	rc = emit_with_estimate(st.rid, &st, estimated);
out:
	http_form_free(&f);
	buf_free(&q);
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

static int
poll_rid(const struct conf *c, const char *rid)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct http_response r;
	struct state st;
	char status[32], msg[MAX_MESSAGE + 1], *shown;
	int rc;

	if (load_state(rid, &st) == 0 && too_soon(&st))
		return emit_with_estimate("running", &st, true);
	http_form_add(&f, "CMD", "Get");
	http_form_add(&f, "FORMAT_OBJECT", "SearchInfo");
	http_form_add(&f, "RID", rid);
	add_contact(&f, c);
	if (http_get(c->url, &f, &c->lim, &r) != HTTP_OK) {
		rc = request_failed(&r, rid);
		goto out;
	}
	search_status(r.body.data, status, sizeof status);
	if (strcmp(status, "WAITING") == 0) {
		rc = emit_line("running");
	} else if (strcmp(status, "READY") == 0) {
		/* No hits is a result too: a report that says so. */
		rc = emit_line("done");
	} else if (strcmp(status, "FAILED") == 0) {
		ct_warn("%s: NCBI says the search failed (Status=FAILED)",
		    rid);
		rc = EX_UNAVAILABLE;
	} else if (strcmp(status, "UNKNOWN") == 0) {
		ct_warn("%s: NCBI does not know the search (Status=UNKNOWN: "
		    "expired, or deleted)", rid);
		rc = EX_UNAVAILABLE;
	} else {
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

static int
fetch(const struct conf *c, const char *rid)
{
	struct http_form f = { { NULL, 0, 0 } };
	struct http_limits lim = c->lim;
	struct http_response r;
	struct state st;
	char why[256], n[32];
	int rc;

	http_form_add(&f, "CMD", "Get");
	http_form_add(&f, "RID", rid);
	http_form_add(&f, "FORMAT_TYPE", "XML");
	/* The Get shows 100 hits unless told: as many as were asked for. */
	if (load_state(rid, &st) == 0 && st.hitlist > 0) {
		snprintf(n, sizeof n, "%ld", st.hitlist);
		http_form_add(&f, "DESCRIPTIONS", n);
		http_form_add(&f, "ALIGNMENTS", n);
	}
	add_contact(&f, c);
	lim.max_body = c->max_result;
	if (http_get(c->url, &f, &lim, &r) != HTTP_OK) {
		rc = request_failed(&r, rid);
		goto out;
	}
	if (wrapper_check_report(r.body.data, r.body.len, F_QUERY, why,
	    sizeof why) != 0) {
		rc = not_a_report(rid, &r.body, why);
		goto out;
	}
	wrapper_write_out(r.body.data, r.body.len);
	rc = 0;
out:
	http_response_free(&r);
	http_form_free(&f);
	return rc;
}

static int
cancel(const struct conf *c, const char *rid)
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

int
main(int argc, char **argv)
{
	const char *verb, *rid = NULL;
	struct conf c;
	int rc;

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
