/*
 * ct-serve: the volunteer pool's job repository (G2's server), an HTTP
 * server on libmicrohttpd over its own task store (taskstore.h). The
 * dispatcher's volunteer wrapper submits tasks, polls, fetches and
 * cancels; volunteers register, ask for work, send heartbeats and post
 * results; both over the protocol of cputorrent-volunteer(7). It never
 * reads the spool.
 *
 * Everything that arrives is untrusted: bodies are bounded before they are
 * kept (a Content-Length over the limit is refused before any byte is
 * read), every call but the ping carries a credential checked before its
 * body is read, JSON is parsed by jansson, and a result is stored only
 * once it is BLAST XML that names its task's query (result.h).
 *
 * Threads: libmicrohttpd's pool answers requests; each request does its
 * work on the store under the task's lock, so that several threads, and
 * several ct-serve processes on one store, never hand a task out twice.
 * The main thread waits for signals and puts expired leases back.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "atomicfile.h"
#include "blobstore.h"
#include "blastcmp.h"
#include "charset.h"
#include "cli.h"
#include "components.h"
#include "err.h"
#include "exitcodes.h"
#include "job.h"
#include "jobid.h"
#include "poolcall.h"
#include "result.h"
#include "taskstore.h"
#include "timefmt.h"
#include "util.h"
#include "voltally.h"

static const char usage[] =
    "usage: ct-serve -D store -k keyfile -K keyfile [-A logfile] [-a address]\n"
    "       [-b size] [-c certfile -C keyfile] [-E seconds]\n"
    "       [-F invalid[:expired]] [-G seconds] [-L seconds] [-N bits]\n"
    "       [-P portfile] [-p port] [-q service=k[:max] ...] [-R size]\n"
    "       [-r rate] [-T seconds] [-t threads] [-W directory]\n"
    "       [-X run[:percent]]\n"
    "       ct-serve -D store -I database ...\n"
    "       ct-serve -D store -l | -B id | -U id\n";

static const char help[] =
    "Serve the volunteer pool's tasks over HTTP (cputorrent-volunteer(7)).\n"
    "  -D store     the task store, made if it does not exist\n"
    "  -k keyfile   the dispatcher's credential (its wrapper's key)\n"
    "  -K keyfile   the pool's credential, which volunteers register with\n"
    "  -I           put these BLAST databases (-db paths) in the store for\n"
    "               volunteers to fetch; print each one's blob ID\n"
    "  -l           list the volunteers: credit, results, state\n"
    "  -B id        block a volunteer: its token refused, its tasks\n"
    "               given to others\n"
    "  -U id        unblock a volunteer\n"
    "  -A logfile   append a line for each request there (access log)\n"
    "  -a address   IPv4 address to listen on (default 127.0.0.1)\n"
    "  -b size      the largest JSON body (default 1M)\n"
    "  -c certfile  serve HTTPS with this certificate (PEM), and\n"
    "  -C keyfile   this private key (PEM)\n"
    "  -E seconds   a volunteer's token expires unused this long (30 days)\n"
    "  -F invalid[:expired]  block a volunteer after so many results in a\n"
    "               row refuted by a quorum, or leases in a row expired\n"
    "               (default 3:10; 0: never)\n"
    "  -G seconds   a done task is removed this long after its result's\n"
    "               fetch, a component this long after a task last named\n"
    "               it once no open or leased task does (default 3600)\n"
    "  -L seconds   a lease's length, renewed by heartbeats (default 300)\n"
    "  -N bits      a quorum's copies go to volunteers in distinct address\n"
    "               blocks of this prefix length (default 24; 0: any)\n"
    "  -P portfile  write the port listened on there once listening\n"
    "  -p port      TCP port (default 8470; 0: any free one)\n"
    "  -q service=k[:max]  a task of service is done once k volunteers'\n"
    "               results agree, failed once max (default k+2) did not\n"
    "  -R size      the largest result (default 64M)\n"
    "  -r rate      requests a second per volunteer (default 20)\n"
    "  -T seconds   a done, failed or cancelled task is removed this long\n"
    "               after it ended, fetched or not (default 7 days)\n"
    "  -t threads   threads answering requests (default 4)\n"
    "  -X run[:percent]  a volunteer with run results in a row validated\n"
    "               gets a quorum's tasks alone, but percent of them\n"
    "               (default 10) (default: never alone)\n"
    "  -W directory the volunteer page's files (default " CT_WWW_DEFAULT ")\n"
    "  -h, -V       help, version\n";

#define DEFAULT_PORT 8470
/* The longest credential read from a key file. */
#define MAX_KEY 512
/* Open tasks looked at for one request for work. */
#define CLAIM_SCAN_MAX 10000
/* The largest file of a database put in with -I. */
#define BLOB_MAX_FILE (64ULL * 1024 * 1024 * 1024)
/* The defaults of -E, -G and -T, seconds. */
#define DEFAULT_TOKEN_EXPIRY (30 * 86400)
#define DEFAULT_FETCHED_GRACE 3600
#define DEFAULT_RETENTION (7 * 86400)
/* Seconds a volunteer is told to wait when there is no work. */
#define RETRY_NO_WORK 5
/* The largest file of the volunteer page. */
#define WWW_MAX_FILE (16 * 1024 * 1024)
/* The longest URL kept for the access log. */
#define LOG_URL_MAX 200
/* Buckets of the per-volunteer rate limit: volunteers that share one
 * share a limit, never more than it allows in all. */
#define RATE_BUCKETS 4096
/* Registrations a second, in all, in bursts of ten. */
#define REGISTER_RATE 1
/* Volunteers and teams the credit page shows. */
#define CREDIT_TOP 20
/* Services given a quorum (-q). */
#define QUORUM_RULES_MAX 32

struct quorum_rule {
	char service[33];
	struct quorum q;
};

struct bucket {
	double tokens;
	int64_t last;		/* monotonic µs of the last refill */
};

struct server {
	struct taskstore ts;
	char client_key[MAX_KEY + 1];
	char pool_key[MAX_KEY + 1];
	int lease_secs;
	size_t max_body, max_result;
	double rate;
	pthread_mutex_t rate_mu;
	struct bucket buckets[RATE_BUCKETS];
	struct purge_rules purge;
	int www;		/* the page's directory; -1: no page */
	int access_log;		/* -A; -1: none */
	struct bucket registrations;	/* all of them: REGISTER_RATE */
	struct quorum_rule quorums[QUORUM_RULES_MAX];	/* -q */
	size_t nquorums;
	int block_bits;		/* -N */
	int invalid_max, expired_max;	/* -F */
	int trust_run, spot_percent;	/* -X */
};

/* Who may call an endpoint. */
enum audience { ANYONE, CLIENT, POOL, VOLUNTEER };

enum route {
	R_NONE, R_PING, R_SUBMIT, R_STATUS, R_CANCEL, R_FETCH, R_REGISTER,
	R_WORK, R_HEARTBEAT, R_RELEASE, R_POST_RESULT, R_BLOB, R_BLOB_HEAD,
	R_BLOB_PUT, R_STATIC, R_CREDIT,
};

/* One request, kept between libmicrohttpd's calls. */
struct request {
	enum route route;
	/* A task's ID, a blob's, or (R_STATIC) the name of a file of the page. */
	char id[TASK_ID_MAX + 1];
	char vid[VOLUNTEER_ID_LEN + 1];
	struct buf body;
	size_t max;
	bool over;
	/* For the access log. */
	char method[8], url[LOG_URL_MAX + 1];
	unsigned status;
};

/*
 * The status of the answer queued last by this thread: the request it
 * answered takes it for the access log (an answer is queued in the
 * thread, and the call, that handles its request).
 */
static _Thread_local unsigned queued_status;

/* --- headers ------------------------------------------------------------ */

/*
 * The Content-Security-Policy of the volunteer page (ct-serve(8), THE
 * VOLUNTEER PAGE, says why each source is allowed): its own scripts, styles, images and calls, nothing inline,
 * no eval, no frame, no form, no plugin.
 */
static const char page_csp[] = "default-src 'none'; script-src 'self'; "
    "style-src 'self'; img-src 'self'; connect-src 'self'; "
    "worker-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";
/*
 * That of its Web Worker, which runs a component: the component's module
 * is imported from a blob: URL the worker makes of bytes the page checked
 * by Subresource Integrity, and its WebAssembly compiled; the worker
 * itself reaches nothing.
 */
static const char worker_csp[] = "default-src 'none'; script-src 'self' "
    "blob: 'wasm-unsafe-eval'; connect-src 'none'; base-uri 'none'";
/* That of every other answer (JSON, blobs): none of them is a page. */
static const char data_csp[] = "default-src 'none'; frame-ancestors "
    "'none'; sandbox";

/* The headers every answer carries; csp NULL: data_csp. */
static void
secure_headers(struct MHD_Response *r, const char *csp)
{
	MHD_add_response_header(r, "Content-Security-Policy", csp != NULL ?
	    csp : data_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy",
	    "same-origin");
}

/* Queue r with status, its status noted for the access log. */
static enum MHD_Result
queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	queued_status = status;
	return MHD_queue_response(c, status, r);
}

/* --- answers --------------------------------------------------------- */

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned status, json_t *j,
    int retry_after)
{
	char *text = json_dumps(j, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result rc;
	char ra[32];

	json_decref(j);
	if (text == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (retry_after > 0) {
		snprintf(ra, sizeof ra, "%d", retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	secure_headers(r, NULL);
	rc = queue(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/*
 * 200 and the file open on fd, size bytes from offset on; fd is closed with
 * the response. Headers beside the type: NAME, VALUE pairs, then NULL.
 */
static enum MHD_Result
send_file(struct MHD_Connection *c, int fd, uint64_t offset, uint64_t size,
    const char *type, const char *csp, ...)
{
	const char *name, *value;
	va_list ap;
	struct MHD_Response *r;
	enum MHD_Result mr;

	if ((r = MHD_create_response_from_fd_at_offset64(size, fd,
	    offset)) == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	secure_headers(r, csp);
	va_start(ap, csp);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		MHD_add_response_header(r, name, value);
	}
	va_end(ap);
	mr = queue(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return mr;
}

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return send_json(c, status, json_pack("{s:s}", "error", msg),
	    status == MHD_HTTP_TOO_MANY_REQUESTS ||
	    status == MHD_HTTP_SERVICE_UNAVAILABLE ? 1 : 0);
}

/* The answer to a store call that did not return TS_OK. */
static enum MHD_Result
send_store_error(struct server *s, struct MHD_Connection *c, int rc,
    const char *id)
{
	switch (rc) {
	case TS_NOTFOUND:
		return send_error(c, MHD_HTTP_NOT_FOUND, "no task %s", id);
	case TS_CONFLICT:
		return send_error(c, MHD_HTTP_CONFLICT, "task %s is not in a "
		    "state that allows it", id);
	case TS_FORBIDDEN:
		return send_error(c, MHD_HTTP_FORBIDDEN, "task %s was never "
		    "given to you under that lease", id);
	case TS_GONE:
		return send_error(c, MHD_HTTP_GONE, "task %s was cancelled, "
		    "or failed", id);
	default:
		ct_warn("task store %s: %s", s->ts.path, taskstore_why());
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the task "
		    "store failed; try again");
	}
}

/* --- credentials and limits ------------------------------------------- */

/* Whether a equals b, in a time that does not depend on where they differ. */
static bool
same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The bearer token of the request, or NULL. */
static const char *
bearer(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	return h + 7;
}

/* Take one request from vid's bucket: true if it may go on. */
static bool
bucket_take(struct server *s, struct bucket *b, double rate)
{
	double burst = rate * 2 < 10 ? 10 : rate * 2;
	int64_t now = monotonic_usec();
	bool ok;

	pthread_mutex_lock(&s->rate_mu);
	if (b->last == 0)
		b->tokens = burst;
	else
		b->tokens += (double)(now - b->last) / 1e6 * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last = now;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	pthread_mutex_unlock(&s->rate_mu);
	return ok;
}

static bool
rate_take(struct server *s, const char *vid)
{
	return bucket_take(s, &s->buckets[fnv1a32(vid, strlen(vid)) %
	    RATE_BUCKETS], s->rate);
}

/* --- routing ----------------------------------------------------------- */

/* The route of method and url, the task ID into id; R_NONE if none. */
static enum route
route_of(const char *method, const char *url, char *id, bool *bad_method)
{
	static const struct {
		const char *suffix;
		const char *method;
		enum route route;
	} task_routes[] = {
		{ "", "PUT", R_SUBMIT }, { "", "GET", R_STATUS },
		{ "", "DELETE", R_CANCEL }, { "/result", "GET", R_FETCH },
		{ "/result", "POST", R_POST_RESULT },
		{ "/heartbeat", "POST", R_HEARTBEAT },
		{ "/release", "POST", R_RELEASE },
	};
	const char *p, *slash;
	size_t i, n;

	*bad_method = false;
	if (strcmp(url, "/v1/ping") == 0)
		return strcmp(method, "GET") == 0 ? R_PING :
		    (*bad_method = true, R_NONE);
	if (strcmp(url, "/v1/volunteers") == 0)
		return strcmp(method, "POST") == 0 ? R_REGISTER :
		    (*bad_method = true, R_NONE);
	if (strcmp(url, "/v1/work") == 0)
		return strcmp(method, "POST") == 0 ? R_WORK :
		    (*bad_method = true, R_NONE);
	if (strcmp(url, "/v1/credit") == 0)
		return strcmp(method, "GET") == 0 ? R_CREDIT :
		    (*bad_method = true, R_NONE);
	if (strncmp(url, "/v1/blobs/", 10) == 0) {
		if (!sha256_hex_valid(url + 10))
			return R_NONE;
		memcpy(id, url + 10, SHA256_HEX_LEN + 1);
		return strcmp(method, "GET") == 0 ? R_BLOB :
		    strcmp(method, "HEAD") == 0 ? R_BLOB_HEAD :
		    strcmp(method, "PUT") == 0 ? R_BLOB_PUT :
		    (*bad_method = true, R_NONE);
	}
	/* The volunteer page: a file of -W's directory, never a path. */
	if (strncmp(url, "/v1/", 4) != 0 && url[0] == '/' &&
	    (url[1] == '\0' || manifest_name_valid(url + 1))) {
		snprintf(id, TASK_ID_MAX + 1, "%s", url[1] == '\0' ?
		    "index.html" : url + 1);
		return strcmp(method, "GET") == 0 ||
		    strcmp(method, "HEAD") == 0 ? R_STATIC :
		    (*bad_method = true, R_NONE);
	}
	if (strncmp(url, "/v1/tasks/", 10) != 0)
		return R_NONE;
	p = url + 10;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n > TASK_ID_MAX)
		return R_NONE;
	memcpy(id, p, n);
	id[n] = '\0';
	if (!task_id_valid(id))
		return R_NONE;
	p += n;
	for (i = 0; i < sizeof task_routes / sizeof task_routes[0]; i++) {
		if (strcmp(p, task_routes[i].suffix) != 0)
			continue;
		if (strcmp(method, task_routes[i].method) == 0)
			return task_routes[i].route;
		*bad_method = true;
	}
	return R_NONE;
}

static enum audience
audience_of(enum route r)
{
	switch (r) {
	case R_PING: case R_STATIC: case R_CREDIT: return ANYONE;
	case R_SUBMIT: case R_STATUS: case R_CANCEL: case R_FETCH:
	case R_BLOB_HEAD: case R_BLOB_PUT:
		return CLIENT;
	case R_REGISTER: return POOL;
	default: return VOLUNTEER;
	}
}

/* --- the dispatcher's side ---------------------------------------------- */

/* Whether every string of array a is 1 to max bytes of set. */
static bool
strings_of(json_t *a, size_t most, const char *set, size_t max)
{
	size_t i;
	json_t *v;

	if (a == NULL)
		return true;
	if (!json_is_array(a) || json_array_size(a) > most)
		return false;
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || !chars_only(json_string_value(v),
		    set, 1, max))
			return false;
	return true;
}

static const char service_chars[] = CHARS_ALNUM "_-";
static const char database_chars[] = CHARS_ALNUM "._-";
static const char option_chars[] = CHARS_ALNUM "._+-=,:";

/*
 * The record of task id from a submit's body[0..len): the body checked
 * and made into the store's JSON (FILES of ct-serve(8)), allocated, and
 * the component it names into component ("" if none); or NULL with the
 * reason in why.
 */
static char *
task_record(const char *id, const char *body, size_t len,
    char component[SHA256_HEX_LEN + 1], char *why, size_t whylen)
{
	const char *service, *database = "", *query, *blob = NULL;
	const char *comp = NULL;
	json_t *in, *options = NULL, *rec;
	json_int_t deadline = 0;
	json_error_t e;
	char *text = NULL;

	in = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
	if (in == NULL) {
		snprintf(why, whylen, "not JSON: %s (line %d)", e.text, e.line);
		return NULL;
	}
	component[0] = '\0';
	if (json_unpack_ex(in, &e, JSON_STRICT, "{s:s, s?:s, s?:s, s?:o, "
	    "s:s, s?:I, s?:s}", "service", &service, "database", &database,
	    "database_blob", &blob, "options", &options, "query", &query,
	    "deadline", &deadline, "component_blob", &comp) != 0) {
		snprintf(why, whylen, "bad task: %s", e.text);
	} else if (!chars_only(service, service_chars, 1, 32) ||
	    !(database[0] == '\0' || chars_only(database, database_chars, 1,
	    128)) || !strings_of(options, 64, option_chars, 200) ||
	    query[0] != '>' || deadline < 0 ||
	    (blob != NULL && (!sha256_hex_valid(blob) || database[0] == '\0')) ||
	    (comp != NULL && !sha256_hex_valid(comp))) {
		snprintf(why, whylen, "bad task: a service, database, "
		    "database_blob, option, query, deadline or component_blob "
		    "of the wrong shape");
	} else {
		rec = json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "task",
		    id, "service", service, "database", database, "options",
		    options != NULL ? json_incref(options) : json_array(),
		    "query", query, "deadline", deadline, "created",
		    (json_int_t)(now_usec() / 1000000));
		/* Only where it is given: most tasks name no blob. */
		if (rec != NULL && blob != NULL)
			json_object_set_new(rec, "database_blob",
			    json_string(blob));
		if (rec != NULL && comp != NULL) {
			json_object_set_new(rec, "component_blob",
			    json_string(comp));
			memcpy(component, comp, SHA256_HEX_LEN + 1);
		}
		if (rec == NULL || (text = json_dumps(rec, JSON_COMPACT)) ==
		    NULL)
			snprintf(why, whylen, "cannot build the task");
		json_decref(rec);
	}
	json_decref(in);
	return text;
}

/*
 * Whether component id is here, whole: its manifest, of kind component,
 * and each of its files. 0; 1 if not (or it cannot be read), the reason
 * in why.
 */
static int
component_here(struct server *s, const char *id, char *why, size_t whylen)
{
	struct manifest *m = xmalloc(sizeof *m);
	uint64_t size;
	size_t i;
	int rc, fd;

	rc = blob_manifest(s->ts.blobs, id, m, why, whylen);
	if (rc == 0 && strcmp(m->kind, "component") != 0) {
		snprintf(why, whylen, "blob %s is a manifest of kind %s, not "
		    "a component", id, m->kind);
		rc = 1;
	}
	for (i = 0; rc == 0 && i < m->n; i++) {
		if ((rc = blob_open(s->ts.blobs, m->files[i].blob, &fd,
		    &size)) == 0)
			close(fd);
		else
			snprintf(why, whylen, "component %s: its file %s is "
			    "missing", id, m->files[i].name);
	}
	free(m);
	return rc == 0 ? 0 : 1;
}

/* The quorum of the service of the task whose record is text, or NULL. */
static const struct quorum *
quorum_of(struct server *s, const char *text)
{
	const struct quorum *q = NULL;
	const char *service;
	json_t *t = json_loads(text, 0, NULL);
	size_t i;

	if (t != NULL && json_unpack(t, "{s:s}", "service", &service) == 0)
		for (i = 0; i < s->nquorums && q == NULL; i++)
			if (strcmp(s->quorums[i].service, service) == 0)
				q = &s->quorums[i].q;
	json_decref(t);
	return q;
}

static enum MHD_Result
do_submit(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char why[256], *text, comp[SHA256_HEX_LEN + 1];
	int rc;

	text = task_record(rq->id, rq->body.data, rq->body.len, comp, why,
	    sizeof why);
	if (text == NULL)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
	/* A task that names a component runs only where it can be had. */
	if (comp[0] != '\0') {
		if (component_here(s, comp, why, sizeof why) != 0) {
			free(text);
			return send_error(c, MHD_HTTP_CONFLICT, "%s: upload it "
			    "first (PUT /v1/blobs/ID)", why);
		}
		if (components_note(&s->ts, comp) != 0)
			ct_warnerr("task store %s: component %s", s->ts.path,
			    comp);
	}
	rc = taskstore_submit(&s->ts, rq->id, text, strlen(text),
	    quorum_of(s, text));
	free(text);
	if (rc != TS_OK && rc != TS_EXISTS)
		return send_store_error(s, c, rc, rq->id);
	return send_json(c, rc == TS_OK ? MHD_HTTP_CREATED : MHD_HTTP_OK,
	    json_pack("{s:s, s:b}", "task", rq->id, "existed",
	    rc == TS_EXISTS), 0);
}

static enum MHD_Result
do_status(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	enum task_state st;
	int rc = taskstore_state(&s->ts, rq->id, &st);

	if (rc == TS_OK && st == TASK_NONE)
		rc = TS_NOTFOUND;
	if (rc != TS_OK)
		return send_store_error(s, c, rc, rq->id);
	if (st == TASK_FAILED) {
		struct buf why = { NULL, 0, 0 };
		json_t *j;

		(void)taskstore_failure(&s->ts, rq->id, &why, 1024);
		j = json_pack("{s:s, s:s, s:s}", "task", rq->id, "state",
		    task_state_name(st), "reason", why.data != NULL ?
		    why.data : "");
		buf_free(&why);
		return send_json(c, MHD_HTTP_OK, j, 0);
	}
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "task",
	    rq->id, "state", task_state_name(st)), 0);
}

static enum MHD_Result
do_cancel(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	int rc = taskstore_cancel(&s->ts, rq->id);

	if (rc != TS_OK)
		return send_store_error(s, c, rc, rq->id);
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "task",
	    rq->id, "state", "cancelled"), 0);
}

static enum MHD_Result
do_fetch(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	enum MHD_Result mr;
	size_t size;
	off_t offset;
	int fd, rc = taskstore_result(&s->ts, rq->id, &fd, &offset, &size);

	if (rc != TS_OK)
		return send_store_error(s, c, rc, rq->id);
	mr = send_file(c, fd, (uint64_t)offset, size, "application/xml", NULL,
	    "Cache-Control", "no-store", (const char *)NULL);
	/* From now on, the task goes after -G, not -T. */
	if (mr == MHD_YES)
		taskstore_fetched(&s->ts, rq->id);
	return mr;
}

/* --- the volunteers' side ---------------------------------------------- */

static enum MHD_Result
do_register(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char token[VOLUNTEER_TOKEN_LEN + 1];
	const char *name = "", *team = "";
	json_error_t e;
	json_t *in;
	int rc;

	/* Each registration costs a file: their number is held down. */
	if (!bucket_take(s, &s->registrations, REGISTER_RATE))
		return send_error(c, MHD_HTTP_TOO_MANY_REQUESTS,
		    "too many registrations");
	in = json_loadb(rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES,
	    &e);
	if (in == NULL || json_unpack_ex(in, &e, 0, "{s?:s, s?:s}", "name",
	    &name, "team", &team) != 0 || !(name[0] == '\0' ||
	    chars_only(name, CHARS_ALNUM "._-", 1, 64)) ||
	    !(team[0] == '\0' || chars_only(team, CHARS_ALNUM "._-", 1, 64))) {
		json_decref(in);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad registration: "
		    "a JSON object with a name and a team of 1 to 64 of "
		    "[A-Za-z0-9._-]");
	}
	rc = taskstore_volunteer_add(&s->ts, name, team, token);
	json_decref(in);
	if (rc != TS_OK)
		return send_store_error(s, c, rc, "");
	return send_json(c, MHD_HTTP_CREATED, json_pack("{s:s%, s:s}",
	    "volunteer", token, (size_t)VOLUNTEER_ID_LEN, "token", token), 0);
}

/* What a volunteer offers, for task_match_fn. */
struct offer {
	json_t *services, *databases, *options;
	int fetch;		/* it fetches databases by their blob */
	int components;		/* it runs the component a task names */
};

static int
match_offer(const char *record, size_t len, void *ctx)
{
	struct offer *o = ctx;
	const char *service, *database, *blob = NULL, *comp = NULL;
	json_t *t = json_loadb(record, len, 0, NULL);
	json_t *options, *v;
	size_t i;
	int ok = 0;

	if (t != NULL && json_unpack(t, "{s:s, s:s, s:o, s?:s, s?:s}",
	    "service", &service, "database", &database, "options", &options,
	    "database_blob", &blob, "component_blob", &comp) == 0)
		ok = (pool_list_has(o->services, service) ||
		    (comp != NULL && o->components)) && (database[0] == '\0' ||
		    pool_list_has(o->databases, database) ||
		    (blob != NULL && o->fetch));
	/*
	 * Every option the task gives, the volunteer must allow; but a
	 * component is the service's own code, named by the same registry as
	 * the task, and takes the options its service takes.
	 */
	if (ok && comp != NULL && o->components)
		options = NULL;
	json_array_foreach(ok ? options : NULL, i, v) {
		const char *kv = json_string_value(v);
		char key[201];

		/* A record not of ours (a store damaged by hand) runs nowhere. */
		if (kv == NULL) {
			ok = 0;
			break;
		}
		snprintf(key, sizeof key, "%.*s", (int)strcspn(kv, "="), kv);
		if (!pool_list_has(o->options, key))
			ok = 0;
	}
	json_decref(t);
	return ok;
}

/*
 * The address block of the client of c, as -N says ("" if -N 0): the
 * network of its IPv4 address, "A.B.C.D/N".
 */
static void
block_of(struct server *s, struct MHD_Connection *c,
    char block[TASK_BLOCK_MAX + 1])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct sockaddr_in sin;
	uint32_t a, mask;

	block[0] = '\0';
	if (s->block_bits == 0 || ci == NULL || ci->client_addr == NULL ||
	    ci->client_addr->sa_family != AF_INET)
		return;
	memcpy(&sin, ci->client_addr, sizeof sin);
	mask = s->block_bits >= 32 ? 0xffffffffu :
	    ~(0xffffffffu >> s->block_bits);
	a = ntohl(sin.sin_addr.s_addr) & mask;
	snprintf(block, TASK_BLOCK_MAX + 1, "%u.%u.%u.%u/%d", a >> 24,
	    (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, s->block_bits);
}

static enum MHD_Result
do_work(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char block[TASK_BLOCK_MAX + 1];
	struct offer o = { NULL, NULL, NULL, 0, 0 };
	struct task_lease tl;
	json_t *in, *task;
	json_error_t e;
	int rc;

	in = json_loadb(rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES,
	    &e);
	if (in == NULL || json_unpack_ex(in, &e, 0, "{s:o, s?:o, s?:o, s?:b, "
	    "s?:b}", "services", &o.services, "databases", &o.databases,
	    "options", &o.options, "fetch", &o.fetch, "components",
	    &o.components) != 0 ||
	    !strings_of(o.services, 64, service_chars, 32) ||
	    !strings_of(o.databases, 256, database_chars, 128) ||
	    !strings_of(o.options, 64, service_chars, 64)) {
		json_decref(in);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad request for "
		    "work: {\"services\": [...], \"databases\": [...], "
		    "\"options\": [...], \"fetch\": BOOLEAN, "
		    "\"components\": BOOLEAN}");
	}
	o.databases = o.databases != NULL ? json_incref(o.databases) :
	    json_array();
	o.options = o.options != NULL ? json_incref(o.options) : json_array();
	block_of(s, c, block);
	rc = taskstore_claim(&s->ts, rq->vid, block, s->lease_secs,
	    CLAIM_SCAN_MAX, match_offer, &o, &tl);
	json_decref(o.databases);
	json_decref(o.options);
	json_decref(in);
	if (rc == TS_NOWORK)
		return send_json(c, MHD_HTTP_OK, json_pack("{s:n, s:i}",
		    "task", "retry_after", RETRY_NO_WORK), RETRY_NO_WORK);
	if (rc != TS_OK)
		return send_store_error(s, c, rc, "");
	task = json_loadb(tl.record.data, tl.record.len, 0, NULL);
	buf_free(&tl.record);
	if (task == NULL) {
		/* Its lease will expire, and no one can run it: say so. */
		ct_warn("task %s: its record is not JSON", tl.id);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "task %s "
		    "is unreadable", tl.id);
	}
	json_object_set_new(task, "lease", json_string(tl.lease));
	json_object_set_new(task, "expires", json_integer(tl.expires));
	json_object_set_new(task, "lease_seconds",
	    json_integer(s->lease_secs));
	return send_json(c, MHD_HTTP_OK, task, 0);
}

/* The lease of a heartbeat or release body, into lease; -1 if none. */
static int
lease_of(struct request *rq, char *lease)
{
	const char *l;
	json_t *in = json_loadb(rq->body.data, rq->body.len,
	    JSON_REJECT_DUPLICATES, NULL);
	int rc = -1;

	if (in != NULL && json_unpack(in, "{s:s}", "lease", &l) == 0 &&
	    chars_only(l, "0123456789abcdef", LEASE_LEN, LEASE_LEN)) {
		memcpy(lease, l, LEASE_LEN + 1);
		rc = 0;
	}
	json_decref(in);
	return rc;
}

static enum MHD_Result
do_heartbeat(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char lease[LEASE_LEN + 1];
	int64_t expires;
	int rc;

	if (lease_of(rq, lease) != 0)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad heartbeat: "
		    "{\"lease\": \"...\"}");
	rc = taskstore_heartbeat(&s->ts, rq->id, rq->vid, lease,
	    s->lease_secs, &expires);
	if (rc != TS_OK)
		return send_store_error(s, c, rc, rq->id);
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s, s:I}", "task",
	    rq->id, "expires", (json_int_t)expires), 0);
}

static enum MHD_Result
do_release(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char lease[LEASE_LEN + 1];
	int rc;

	if (lease_of(rq, lease) != 0)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad release: "
		    "{\"lease\": \"...\"}");
	rc = taskstore_release(&s->ts, rq->id, rq->vid, lease);
	if (rc != TS_OK)
		return send_store_error(s, c, rc, rq->id);
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "task",
	    rq->id, "state", "open"), 0);
}

/*
 * The credit of a validated result (ct-serve(8), CREDIT): the letters of
 * the task's query, which the dispatcher gave, times those of the
 * database, which the quorum agreed on.
 */
static int64_t
result_cells(const char *record, size_t rlen, const char *data, size_t len)
{
	const char *query, *p;
	size_t letters = 0;
	int64_t cells = 0;
	json_t *t = json_loadb(record, rlen, 0, NULL);

	if (t != NULL && json_unpack(t, "{s:s}", "query", &query) == 0) {
		for (p = query; *p != '\0'; p++) {
			if (*p == '>')
				p += strcspn(p, "\n") - 1;
			else if (isalpha((unsigned char)*p))
				letters++;
		}
		cells = blastcmp_cells(data, len, letters);
	}
	json_decref(t);
	return cells > 0 ? cells : 0;
}

/* task_check_fn: BLAST XML naming the first query of the task. */
static int
check_result(const char *record, size_t rlen, const char *data, size_t len,
    char *why, size_t whylen)
{
	const char *query;
	struct job j;
	json_t *t;
	size_t i = 0;
	int rc;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && strchr(" \t\r\n", data[i]) != NULL && data[i])
		i++;
	if (len - i < 5 || memcmp(data + i, "<?xml", 5) != 0) {
		snprintf(why, whylen, len == 0 ? "an empty result" :
		    "not BLAST XML");
		return -1;
	}
	if ((t = json_loadb(record, rlen, 0, NULL)) == NULL ||
	    json_unpack(t, "{s:s}", "query", &query) != 0) {
		json_decref(t);
		snprintf(why, whylen, "the task's record is unreadable");
		return -1;
	}
	memset(&j, 0, sizeof j);
	j.input = (char *)query;
	j.input_len = strlen(query);
	rc = result_check(data, len, &j, why, whylen);
	json_decref(t);
	return rc;
}

static enum MHD_Result
do_post_result(struct server *s, struct MHD_Connection *c,
    struct request *rq)
{
	const char *lease = MHD_lookup_connection_value(c,
	    MHD_GET_ARGUMENT_KIND, "lease");
	enum task_state st;
	int refused, rc;

	if (lease == NULL || !chars_only(lease, "0123456789abcdef", LEASE_LEN,
	    LEASE_LEN))
		return send_error(c, MHD_HTTP_BAD_REQUEST, "a result needs "
		    "its lease: POST /v1/tasks/ID/result?lease=LEASE");
	rc = taskstore_complete(&s->ts, rq->id, rq->vid, lease,
	    rq->body.data, rq->body.len, check_result, blastcmp, &refused,
	    &st);
	if (refused)
		return send_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "not a "
		    "result for task %s: %s", rq->id, taskstore_why());
	if (rc != TS_OK)
		return send_store_error(s, c, rc, rq->id);
	/* A copy of a quorum: taken, whatever the task's state is now. */
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "task",
	    rq->id, "state", task_state_name(st)), 0);
}

/*
 * GET /v1/blobs/ID: a blob, such as a database's or a component's file or
 * manifest; HEAD: whether it is here. A blob's content never changes: it
 * may be cached for ever, and its ID is its entity tag.
 */
static enum MHD_Result
do_blob(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char etag[SHA256_HEX_LEN + 3];
	uint64_t size;
	int fd;

	switch (blob_open(s->ts.blobs, rq->id, &fd, &size)) {
	case 0:
		break;
	case 1:
		return send_error(c, MHD_HTTP_NOT_FOUND, "no blob %s", rq->id);
	default:
		ct_warnerr("task store %s: blob %s", s->ts.path, rq->id);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the task "
		    "store failed; try again");
	}
	snprintf(etag, sizeof etag, "\"%.64s\"", rq->id);
	return send_file(c, fd, 0, size, "application/octet-stream", NULL,
	    "Cache-Control", "public, max-age=31536000, immutable", "ETag",
	    etag, (const char *)NULL);
}

/*
 * Whether a manifest that data[0..len) may be names only blobs that are
 * here: 0 if it does, or if it is no manifest; -1 with the first missing
 * file in why. *component is set if it is a component's manifest.
 */
static int
manifest_whole(struct server *s, const char *data, size_t len,
    bool *component, char *why, size_t whylen)
{
	struct manifest *m;
	uint64_t size;
	size_t i;
	int fd, rc = 0;

	*component = false;
	if (len == 0 || len > MANIFEST_MAX_SIZE || data[0] != '{')
		return 0;
	m = xmalloc(sizeof *m);
	if (manifest_parse(data, len, UINT64_MAX, m, why, whylen) == 0) {
		*component = strcmp(m->kind, "component") == 0;
		for (i = 0; rc == 0 && i < m->n; i++) {
			if (blob_open(s->ts.blobs, m->files[i].blob, &fd,
			    &size) != 0) {
				snprintf(why, whylen, "the manifest's file %s "
				    "(blob %s) is not here: upload it first",
				    m->files[i].name, m->files[i].blob);
				rc = -1;
			} else {
				close(fd);
			}
		}
	}
	free(m);
	return rc;
}

/*
 * PUT /v1/blobs/ID, the dispatcher's: a blob whose SHA-256 must be its ID
 * (a component's file or manifest, which the wrapper uploads when ct-serve
 * lacks it). A manifest is taken only once every blob it names is here,
 * so that a manifest here is a set whole.
 */
static enum MHD_Result
do_blob_put(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	char got[SHA256_HEX_LEN + 1], why[512];
	uint64_t size;
	bool existed, component;
	int fd;

	sha256_of(rq->body.data, rq->body.len, got);
	if (strcmp(got, rq->id) != 0)
		return send_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "the "
		    "body's SHA-256 is %s, not the blob's ID", got);
	if (manifest_whole(s, rq->body.data, rq->body.len, &component, why,
	    sizeof why) != 0)
		return send_error(c, MHD_HTTP_CONFLICT, "%s", why);
	existed = blob_open(s->ts.blobs, rq->id, &fd, &size) == 0;
	if (existed)
		close(fd);
	else if (blob_put(s->ts.blobs, s->ts.tmp, rq->body.data, rq->body.len,
	    got) != 0) {
		ct_warnerr("task store %s: cannot store blob %s", s->ts.path,
		    rq->id);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the task "
		    "store failed; try again");
	}
	if (component && components_note(&s->ts, rq->id) != 0)
		ct_warnerr("task store %s: component %s", s->ts.path, rq->id);
	return send_json(c, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED,
	    json_pack("{s:s, s:I, s:b}", "blob", rq->id, "size",
	    (json_int_t)rq->body.len, "existed", existed), 0);
}

/* The media type of a file of the page, by its name; NULL: not served. */
static const char *
media_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".wasm", "application/wasm" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/vnd.microsoft.icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/*
 * GET or HEAD of the volunteer page's files: a file of -W's directory,
 * by a name that is one component, opened beneath it without following
 * a symbolic link; of a known type only.
 */
/* The volunteers, gathered by volunteers_each. */
struct roll {
	struct volunteer_info *v;
	size_t n, cap;
};

static void
roll_add(const struct volunteer_info *v, void *ctx)
{
	struct roll *r = ctx;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = *v;
}

static int
by_credit(const void *x, const void *y)
{
	const struct volunteer_info *a = x, *b = y;

	return (a->t.cells < b->t.cells) - (a->t.cells > b->t.cells);
}

static int
by_team(const void *x, const void *y)
{
	return strcmp(((const struct volunteer_info *)x)->team,
	    ((const struct volunteer_info *)y)->team);
}

/*
 * GET /v1/credit: the top contributors, volunteers and teams, by the
 * credit of their validated work (ct-serve(8), CREDIT). A scan of the
 * volunteers: one file each, read at each request.
 */
static enum MHD_Result
do_credit(struct server *s, struct MHD_Connection *c)
{
	struct roll r = { NULL, 0, 0 }, teams = { NULL, 0, 0 };
	json_t *vs = json_array(), *ts = json_array();
	size_t i;

	if (volunteers_each(&s->ts, roll_add, &r) != 0) {
		json_decref(vs);
		json_decref(ts);
		free(r.v);
		ct_warnerr("task store %s: volunteers/", s->ts.path);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot read the volunteers");
	}
	/* The teams: each team's volunteers summed into one. */
	if (r.n > 0)
		qsort(r.v, r.n, sizeof *r.v, by_team);
	for (i = 0; i < r.n; i++) {
		if (r.v[i].team[0] == '\0')
			continue;
		if (teams.n == 0 || strcmp(teams.v[teams.n - 1].team,
		    r.v[i].team) != 0) {
			roll_add(&r.v[i], &teams);
			teams.v[teams.n - 1].t.valid = 0;
			teams.v[teams.n - 1].t.cells = 0;
			teams.v[teams.n - 1].t.expired = 0;	/* members */
		}
		teams.v[teams.n - 1].t.valid += r.v[i].t.valid;
		teams.v[teams.n - 1].t.cells += r.v[i].t.cells;
		teams.v[teams.n - 1].t.expired++;
	}
	if (r.n > 0)
		qsort(r.v, r.n, sizeof *r.v, by_credit);
	if (teams.n > 0)
		qsort(teams.v, teams.n, sizeof *teams.v, by_credit);
	for (i = 0; i < r.n && i < CREDIT_TOP && r.v[i].t.valid > 0; i++)
		json_array_append_new(vs, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:I}", "volunteer", r.v[i].vid, "name", r.v[i].name,
		    "team", r.v[i].team, "results", (json_int_t)r.v[i].t.valid,
		    "credit", (json_int_t)r.v[i].t.cells));
	for (i = 0; i < teams.n && i < CREDIT_TOP && teams.v[i].t.valid > 0;
	    i++)
		json_array_append_new(ts, json_pack("{s:s, s:I, s:I, s:I}",
		    "team", teams.v[i].team, "volunteers",
		    (json_int_t)teams.v[i].t.expired, "results",
		    (json_int_t)teams.v[i].t.valid, "credit",
		    (json_int_t)teams.v[i].t.cells));
	free(r.v);
	free(teams.v);
	return send_json(c, MHD_HTTP_OK, json_pack("{s:s, s:o, s:o}", "unit",
	    "cells: query letters times database letters, of results a "
	    "quorum validated", "volunteers", vs, "teams", ts), 0);
}

static enum MHD_Result
do_static(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	const char *type = media_type(rq->id);
	struct stat st;
	int fd;

	if (s->www < 0 || type == NULL)
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
	fd = openat(s->www, rq->id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > WWW_MAX_FILE) {
		if (fd >= 0)
			close(fd);
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
	}
	/* The page changes with an upgrade: asked again at every load. */
	return send_file(c, fd, 0, (uint64_t)st.st_size, type,
	    strcmp(rq->id, "worker.js") == 0 ? worker_csp : page_csp,
	    "Cache-Control", "no-cache", (const char *)NULL);
}

/* --- libmicrohttpd's callbacks ----------------------------------------- */

/*
 * The first call of a request: route it, check its credential and the
 * size it announces, before any of its body is read. Returns MHD_YES to
 * read the body, or the answer already queued in *answered.
 */
static enum MHD_Result
begin(struct server *s, struct MHD_Connection *c, const char *url,
    const char *method, struct request *rq, bool *answered)
{
	const char *token = bearer(c), *cl;
	char why[300];
	bool bad_method;
	int64_t length;

	*answered = true;
	rq->route = route_of(method, url, rq->id, &bad_method);
	if (rq->route == R_NONE)
		return bad_method ? send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "%s is not allowed there", method) :
		    send_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
	switch (audience_of(rq->route)) {
	case ANYONE:
		break;
	case CLIENT:
		if (token == NULL || !same_secret(token, s->client_key))
			return send_error(c, MHD_HTTP_UNAUTHORIZED,
			    "the dispatcher's credential is needed");
		break;
	case POOL:
		if (token == NULL || !same_secret(token, s->pool_key))
			return send_error(c, MHD_HTTP_UNAUTHORIZED,
			    "the pool's credential is needed");
		break;
	case VOLUNTEER:
		if (token == NULL)
			return send_error(c, MHD_HTTP_UNAUTHORIZED,
			    "a volunteer's token is needed");
		switch (taskstore_volunteer_check(&s->ts, token, rq->vid,
		    s->purge.idle)) {
		case TS_OK:
			break;
		case TS_FORBIDDEN:
			return send_error(c, MHD_HTTP_UNAUTHORIZED, "unknown "
			    "or stale token: register again");
		default:
			return send_store_error(s, c, TS_ERROR, "");
		}
		if (!rate_take(s, rq->vid))
			return send_error(c, MHD_HTTP_TOO_MANY_REQUESTS,
			    "too many requests");
		if (volunteer_blocked(&s->ts, rq->vid, why, sizeof why))
			return send_error(c, MHD_HTTP_FORBIDDEN, "this "
			    "volunteer is blocked: %s", why);
		break;
	}
	rq->max = rq->route == R_POST_RESULT || rq->route == R_BLOB_PUT ?
	    s->max_result : s->max_body;
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (parse_int64(cl, NULL, 0, INT64_MAX, &length) != 0 ||
	    (uint64_t)length > rq->max))
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a body of at "
		    "most %zu bytes", rq->max);
	*answered = false;
	return MHD_YES;
}

static enum MHD_Result route(struct server *s, struct MHD_Connection *c,
    struct request *rq);

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct request *rq = *con_cls;
	bool answered;
	enum MHD_Result r;

	(void)version;
	queued_status = 0;
	if (rq == NULL) {
		rq = xcalloc(1, sizeof *rq);
		buf_append(&rq->body, "", 0);
		*con_cls = rq;
		snprintf(rq->method, sizeof rq->method, "%s", method);
		snprintf(rq->url, sizeof rq->url, "%s", url);
		/* Anything but printable ASCII is the log's own '?'. */
		for (char *p = rq->url; *p != '\0'; p++)
			if (*p < 0x21 || *p > 0x7e)
				*p = '?';
		r = begin(s, c, url, method, rq, &answered);
		rq->status = queued_status;
		return r;
	}
	if (*upload_data_size > 0) {
		/* Beyond the limit, the rest is read and dropped. */
		if (!rq->over && *upload_data_size <= rq->max - rq->body.len)
			buf_append(&rq->body, upload_data, *upload_data_size);
		else
			rq->over = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	r = route(s, c, rq);
	if (queued_status != 0)
		rq->status = queued_status;
	return r;
}

/* The whole request is in: answer it. */
static enum MHD_Result
route(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	if (rq->over)
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a body of at "
		    "most %zu bytes", rq->max);
	switch (rq->route) {
	case R_PING:
		return send_json(c, MHD_HTTP_OK, json_pack("{s:s}", "ct-serve",
		    CT_VERSION), 0);
	case R_SUBMIT: return do_submit(s, c, rq);
	case R_STATUS: return do_status(s, c, rq);
	case R_CANCEL: return do_cancel(s, c, rq);
	case R_FETCH: return do_fetch(s, c, rq);
	case R_REGISTER: return do_register(s, c, rq);
	case R_WORK: return do_work(s, c, rq);
	case R_HEARTBEAT: return do_heartbeat(s, c, rq);
	case R_RELEASE: return do_release(s, c, rq);
	case R_POST_RESULT: return do_post_result(s, c, rq);
	case R_BLOB: case R_BLOB_HEAD: return do_blob(s, c, rq);
	case R_BLOB_PUT: return do_blob_put(s, c, rq);
	case R_STATIC: return do_static(s, c, rq);
	case R_CREDIT: return do_credit(s, c);
	default: return MHD_NO;
	}
}

/*
 * A line of the access log (-A) for a request answered:
 * "TIME ADDRESS METHOD PATH STATUS", the path without its query string
 * (where a lease travels); one write(2) to a file opened to append, so
 * that lines of several threads never mix.
 */
static void
log_access(struct server *s, struct MHD_Connection *c,
    const struct request *rq)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char when[32], addr[INET_ADDRSTRLEN] = "-", line[LOG_URL_MAX + 128];
	int n;

	format_utc(when, sizeof when, now_usec());
	if (ci != NULL && ci->client_addr != NULL &&
	    ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)ci->client_addr)->sin_addr, addr, sizeof addr);
	n = snprintf(line, sizeof line, "%s %s %s %s %u\n", when, addr,
	    rq->method, rq->url, rq->status);
	/* A log that cannot be written fails no request. */
	if (n > 0 && (size_t)n < sizeof line)
		(void)!write(s->access_log, line, (size_t)n);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request *rq = *con_cls;

	(void)toe;
	if (rq != NULL && s->access_log >= 0)
		log_access(s, c, rq);
	if (rq != NULL) {
		buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* libmicrohttpd's messages, in ours. */
static void log_mhd(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	ct_warn("libmicrohttpd: %s", msg);
}

/* --- start -------------------------------------------------------------- */

/* The first line of file, a credential, into out; or exit EX_CONFIG. */
static void
read_key(const char *file, char *out, const char *what)
{
	struct buf b = { NULL, 0, 0 };
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc;
	size_t n;

	if (fd < 0)
		ct_dieerr(EX_CONFIG, "cannot open %s %s", what, file);
	rc = read_bounded(fd, &b, MAX_KEY + 2);
	close(fd);
	if (rc != 0)
		ct_die(EX_CONFIG, "%s %s: unreadable or longer than %d bytes",
		    what, file, MAX_KEY);
	buf_append(&b, "", 0);
	n = strcspn(b.data, "\r\n");
	b.data[n] = '\0';
	if (n < 16 || !chars_only(b.data, CHARS_ALNUM "._~+/=-", 16, MAX_KEY))
		ct_die(EX_CONFIG, "%s %s: a key is 16 to %d of [A-Za-z0-9._~+/=-]",
		    what, file, MAX_KEY);
	memcpy(out, b.data, n + 1);
	buf_free(&b);
}

static char *
read_pem(const char *file)
{
	struct buf b = { NULL, 0, 0 };
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		ct_dieerr(EX_CONFIG, "cannot open %s", file);
	rc = read_bounded(fd, &b, 1024 * 1024);
	close(fd);
	if (rc != 0)
		ct_die(EX_CONFIG, "%s: unreadable or too large", file);
	buf_append(&b, "", 0);
	return b.data;
}

static int64_t
number_arg(struct cli *c, const char *arg, const char *what, int64_t min,
    int64_t max)
{
	int64_t v;

	if (parse_int64(arg, NULL, min, max, &v) != 0)
		cli_usage_error(c, "%s must be a number from %" PRId64 " to %"
		    PRId64, what, min, max);
	return v;
}

static size_t
size_arg(struct cli *c, const char *arg, const char *what)
{
	size_t v;

	if (parse_size(arg, &v) != 0 || v == 0)
		cli_usage_error(c, "%s must be a size such as 4096, 64k or 8M",
		    what);
	return v;
}

/* What the command line asks for, beside the server's settings. */
struct options {
	char *store, *ckey, *pkey, *addr, *cert, *certkey, *portfile;
	char *www, *access_log;
	struct sockaddr_in sin;
	int64_t threads;
	int import;		/* -I: put databases in, and exit */
	int list;		/* -l: list the volunteers, and exit */
	char *block, *unblock;	/* -B, -U: the volunteer's ID */
};

/* -X "RUN[:PERCENT]" (NULL: never alone). */
static void
trust_arg(struct cli *c, const char *arg, struct server *s)
{
	int64_t run = 0, pct = 10;
	const char *p;

	if (arg != NULL && (parse_int64(arg, &p, 1, 1000000, &run) != 0 ||
	    (*p != '\0' && (*p != ':' || parse_int64(p + 1, &p, 0, 100,
	    &pct) != 0 || *p != '\0'))))
		cli_usage_error(c, "-X: not RUN[:PERCENT], RUN 1 to 1000000, "
		    "PERCENT 0 to 100: %.80s", arg);
	s->trust_run = (int)run;
	s->spot_percent = (int)pct;
}

/* -F "INVALID[:EXPIRED]" (NULL: the defaults) into s->ts's rule. */
static void
badhost_arg(struct cli *c, const char *arg, struct server *s)
{
	int64_t inv = 3, exp = 10;
	const char *p;

	if (arg != NULL && (parse_int64(arg, &p, 0, 1000000, &inv) != 0 ||
	    (*p != '\0' && (*p != ':' || parse_int64(p + 1, &p, 0, 1000000,
	    &exp) != 0 || *p != '\0'))))
		cli_usage_error(c, "-F: not INVALID[:EXPIRED], 0 to 1000000: "
		    "%.80s", arg);
	s->invalid_max = (int)inv;
	s->expired_max = (int)exp;
}

/*
 * The -q arguments, "SERVICE=K[:MAX]", into s->quorums; each freed, and
 * the array.
 */
static void
quorum_args(struct cli *c, char **args, struct server *s)
{
	struct quorum_rule *r;
	const char *p;
	int64_t k, max;
	size_t i, n;

	for (i = 0; args != NULL && args[i] != NULL; i++) {
		n = strcspn(args[i], "=");
		if (args[i][n] != '=' || n < 1 || n > 32 || !span_only(args[i], n,
		    service_chars) ||
		    parse_int64(args[i] + n + 1, &p, 1, 10, &k) != 0 ||
		    (*p != '\0' && (*p != ':' || parse_int64(p + 1, &p, k,
		    QUORUM_MAX_COPIES, &max) != 0 || *p != '\0')))
			cli_usage_error(c, "-q: not SERVICE=K[:MAX], K 1 to "
			    "10, K <= MAX <= %d: %.80s", QUORUM_MAX_COPIES,
			    args[i]);
		if (args[i][n + 1 + strcspn(args[i] + n + 1, ":")] == '\0')
			max = k + 2 < QUORUM_MAX_COPIES ? k + 2 :
			    QUORUM_MAX_COPIES;
		if (s->nquorums == QUORUM_RULES_MAX)
			cli_usage_error(c, "-q: at most %d services",
			    QUORUM_RULES_MAX);
		r = &s->quorums[s->nquorums++];
		snprintf(r->service, sizeof r->service, "%.*s", (int)n,
		    args[i]);
		r->q.k = (int)k;
		r->q.max = (int)max;
		free(args[i]);
	}
	free(args);
}

/* Parse and check the command line into *o and the settings of *s. */
static void
parse_args(struct cli *c, int argc, char **argv, struct server *s,
    struct options *o)
{
	char *lease = NULL, *port_s = NULL, *body = NULL, *result = NULL;
	char *rate = NULL, *threads_s = NULL, *expire = NULL, *grace = NULL;
	char *retention = NULL, *bits = NULL, **quorums = NULL, *bad = NULL;
	char *trust = NULL;
	struct poptOption table[] = {
		CLI_STRING_OF('D', "store", &o->store, 0, "dir"),
		CLI_STRING_OF('k', "dispatcher-key", &o->ckey, 0, "file"),
		CLI_STRING_OF('K', "pool-key", &o->pkey, 0, "file"),
		CLI_FLAG('I', "import", &o->import),
		CLI_FLAG('l', "list", &o->list),
		CLI_STRING('B', "block", &o->block, 0),
		CLI_STRING('U', "unblock", &o->unblock, 0),
		CLI_STRING('F', "bad-host", &bad, 0),
		CLI_STRING('X', "trust", &trust, 0),
		CLI_STRING_OF('A', "access-log", &o->access_log, 0, "file"),
		CLI_STRING('a', "address", &o->addr, 0),
		CLI_STRING('b', "max-body", &body, 0),
		CLI_STRING_OF('c', "cert", &o->cert, 0, "file"),
		CLI_STRING_OF('C', "cert-key", &o->certkey, 0, "file"),
		CLI_STRING('E', "token-expiry", &expire, 0),
		CLI_STRING('G', "fetched-grace", &grace, 0),
		CLI_STRING('L', "lease", &lease, 0),
		CLI_STRING('N', "block-bits", &bits, 0),
		CLI_STRINGS_WORDS('q', "quorum", &quorums, NULL),
		CLI_STRING_OF('P', "port-file", &o->portfile, 0, "file"),
		CLI_STRING('p', "port", &port_s, 0),
		CLI_STRING('R', "max-result", &result, 0),
		CLI_STRING('r', "rate", &rate, 0),
		CLI_STRING('T', "retention", &retention, 0),
		CLI_STRING('t', "threads", &threads_s, 0),
		CLI_STRING_OF('W', "www", &o->www, 0, "dir"),
		CLI_COMMON_OPTIONS
	};
	int64_t port = DEFAULT_PORT;

	cli_start(c, argc, argv, table);
	while (cli_next(c) != -1)
		;
	if (c->spool != NULL)
		cli_usage_error(c, "ct-serve never reads the spool: no -S");
	if (o->store == NULL)
		cli_usage_error(c, "-D is needed");
	if (o->import) {
		if (*cli_args(c) == NULL)
			cli_usage_error(c, "-I: which databases?");
		return;
	}
	if (o->list + (o->block != NULL) + (o->unblock != NULL) > 1)
		cli_usage_error(c, "-l, -B and -U go alone");
	if (o->list || o->block != NULL || o->unblock != NULL) {
		const char *v = o->block ? o->block : o->unblock;

		if (v != NULL && !chars_only(v, "0123456789abcdef",
		    VOLUNTEER_ID_LEN, VOLUNTEER_ID_LEN))
			cli_usage_error(c, "not a volunteer's ID (16 hexadecimal "
			    "digits): %.80s", v);
		if (*cli_args(c) != NULL)
			cli_usage_error(c, "unexpected argument %.80s",
			    *cli_args(c));
		return;
	}
	if (*cli_args(c) != NULL)
		cli_usage_error(c, "unexpected argument %.80s", *cli_args(c));
	if (o->ckey == NULL || o->pkey == NULL)
		cli_usage_error(c, "-D, -k and -K are needed");
	if ((o->cert == NULL) != (o->certkey == NULL))
		cli_usage_error(c, "-c and -C go together");
	s->lease_secs = lease ? (int)number_arg(c, lease, "-L", 2, 86400) :
	    300;
	s->max_body = body ? size_arg(c, body, "-b") : 1024 * 1024;
	s->max_result = result ? size_arg(c, result, "-R") :
	    64UL * 1024 * 1024;
	if (s->max_result > RESULT_MAX_SIZE)
		cli_usage_error(c, "-R: at most %lu", RESULT_MAX_SIZE);
	s->rate = rate ? (double)number_arg(c, rate, "-r", 1, 100000) : 20;
	s->block_bits = bits ? (int)number_arg(c, bits, "-N", 0, 32) : 24;
	badhost_arg(c, bad, s);
	trust_arg(c, trust, s);
	quorum_args(c, quorums, s);
	if (port_s != NULL)
		port = number_arg(c, port_s, "-p", 0, 65535);
	o->threads = threads_s != NULL ? number_arg(c, threads_s, "-t", 1,
	    256) : 4;
	s->purge.idle = expire ? number_arg(c, expire, "-E", 1, INT32_MAX) :
	    DEFAULT_TOKEN_EXPIRY;
	s->purge.fetched = grace ? number_arg(c, grace, "-G", 0, INT32_MAX) :
	    DEFAULT_FETCHED_GRACE;
	s->purge.retention = retention ? number_arg(c, retention, "-T", 0,
	    INT32_MAX) : DEFAULT_RETENTION;
	memset(&o->sin, 0, sizeof o->sin);
	o->sin.sin_family = AF_INET;
	o->sin.sin_port = htons((uint16_t)port);
	if (o->addr == NULL)
		o->addr = xstrdup("127.0.0.1");
	if (inet_pton(AF_INET, o->addr, &o->sin.sin_addr) != 1)
		cli_usage_error(c, "-a: not an IPv4 address: %.80s", o->addr);
	free(lease);
	free(port_s);
	free(body);
	free(result);
	free(rate);
	free(threads_s);
	free(expire);
	free(grace);
	free(retention);
	free(bits);
	free(bad);
	free(trust);
}

/* A line of -l for volunteer v. */
static void
list_one(const struct volunteer_info *v, void *ctx)
{
	int64_t done = v->t.valid + v->t.invalid;

	(void)ctx;
	printf("%s %-12s %-12s %-7s %14" PRId64 " %6" PRId64 " %6" PRId64
	    " %6" PRId64 " %5.1f%%%s%s\n", v->vid, v->name[0] ? v->name : "-",
	    v->team[0] ? v->team : "-", v->blocked ? "blocked" : "active",
	    v->t.cells, v->t.valid, v->t.invalid, v->t.expired, done ? 100.0 *
	    (double)v->t.invalid / (double)done : 0.0, v->blocked ? "  " : "",
	    v->blocked ? v->reason : "");
}

/* -l, -B, -U: the admin's, on the store directly. The exit status. */
static int
admin(const struct options *o)
{
	struct taskstore ts;
	char why[300];
	int rc = 0;

	if (taskstore_open(&ts, o->store, false) != TS_OK)
		ct_die(EX_IOERR, "task store %s: %s", o->store, taskstore_why());
	if (o->list) {
		printf("%-16s %-12s %-12s %-7s %14s %6s %6s %6s %6s\n", "ID",
		    "NAME", "TEAM", "STATE", "CREDIT", "VALID", "WRONG",
		    "LAPSED", "ERRORS");
		if (volunteers_each(&ts, list_one, NULL) != 0)
			ct_die(EX_IOERR, "task store %s: volunteers/", o->store);
	} else if (faccessat(ts.volunteers, o->block ? o->block : o->unblock,
	    F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
		ct_warn("no volunteer %s", o->block ? o->block : o->unblock);
		rc = EX_NOINPUT;
	} else if (o->block != NULL) {
		snprintf(why, sizeof why, "blocked by the admin");
		if (volunteer_block(&ts, o->block, why) != 0)
			ct_die(EX_IOERR, "cannot block %s", o->block);
	} else if (volunteer_unblock(&ts, o->unblock) != 0 && errno != ENOENT) {
		ct_die(EX_IOERR, "cannot unblock %s", o->unblock);
	}
	if (fflush(stdout) == EOF)
		ct_die(EX_IOERR, "cannot write standard output");
	taskstore_close(&ts);
	return rc;
}

/*
 * -I: put each database into the store's blobs, a BLAST database by its
 * prefix or a FASTA file (ct-ssearch's) by its path, and print its
 * manifest's ID and its path, for the registry's database.NAME. Returns
 * the exit status.
 */
static int
import_databases(const char *store, const char **prefixes)
{
	char id[SHA256_HEX_LEN + 1], why[512];
	struct taskstore ts;
	int rc = 0;

	if (taskstore_open(&ts, store, true) != TS_OK)
		ct_die(EX_IOERR, "task store %s: %s", store, taskstore_why());
	for (; *prefixes != NULL; prefixes++) {
		struct stat st;
		bool file = stat(*prefixes, &st) == 0 && S_ISREG(st.st_mode);

		if ((file ? blob_put_fasta(ts.blobs, ts.tmp, *prefixes,
		    BLOB_MAX_FILE, id, why, sizeof why) : blob_put_blastdb(
		    ts.blobs, ts.tmp, *prefixes, BLOB_MAX_FILE, id, why,
		    sizeof why)) != 0) {
			ct_warn("%s", why);
			rc = EX_DATAERR;
			continue;
		}
		printf("%s %s\n", id, *prefixes);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		ct_dieerr(EX_IOERR, "cannot write standard output");
	taskstore_close(&ts);
	return rc;
}

/*
 * Seconds between purges: often enough for the shortest of the rules,
 * but no more than once a minute with the defaults (a purge lists done/
 * and cancelled/ whole).
 */
static int64_t
purge_interval(const struct purge_rules *r)
{
	int64_t m = r->fetched;

	if (r->retention < m)
		m = r->retention;
	if (r->idle < m)
		m = r->idle;
	m /= 2;
	return m < 1 ? 1 : m > 60 ? 60 : m;
}

/*
 * The page's directory (-W, or the installed one if it is there) and the
 * access log (-A), into s; or exit.
 */
static void
open_outputs(struct server *s, const struct options *o)
{
	const char *www = o->www != NULL ? o->www : CT_WWW_DEFAULT;

	s->www = open(www, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->www < 0 && o->www != NULL)
		ct_dieerr(EX_CONFIG, "-W: cannot open %s", www);
	if (s->www < 0)
		ct_warn("no volunteer page: %s is not there (-W)", www);
	s->access_log = -1;
	if (o->access_log != NULL && (s->access_log = open(o->access_log,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
		ct_dieerr(EX_CANTCREAT, "-A: cannot open %s", o->access_log);
}

/* Listen as o says, serving s; or exit. */
static struct MHD_Daemon *
start_daemon(struct server *s, const struct options *o)
{
	const union MHD_DaemonInfo *info;
	char *pem_cert = NULL, *pem_key = NULL, portbuf[16];
	struct MHD_Daemon *d;
	unsigned flags;

	if (o->cert != NULL) {
		pem_cert = read_pem(o->cert);
		pem_key = read_pem(o->certkey);
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
	    (pem_cert != NULL ? MHD_USE_TLS : 0);
	d = MHD_start_daemon(flags, ntohs(o->sin.sin_port), NULL, NULL, answer,
	    s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&o->sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
	    MHD_OPTION_CONNECTION_LIMIT, 512U,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64U,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30U,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    pem_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    pem_cert, MHD_OPTION_HTTPS_MEM_KEY, pem_key, MHD_OPTION_END);
	/* libmicrohttpd keeps its own copies of the PEM. */
	free(pem_cert);
	free(pem_key);
	if (d == NULL)
		ct_die(EX_UNAVAILABLE, "cannot listen on %s port %u", o->addr,
		    (unsigned)ntohs(o->sin.sin_port));
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(portbuf, sizeof portbuf, "%u\n", info != NULL ?
	    (unsigned)info->port : (unsigned)ntohs(o->sin.sin_port));
	if (o->portfile != NULL && atomic_write(AT_FDCWD, o->portfile, portbuf,
	    strlen(portbuf), 0644) != 0)
		ct_dieerr(EX_IOERR, "cannot write %s", o->portfile);
	return d;
}

/*
 * The main thread's work, until SIGTERM or SIGINT: once a second, put
 * back the tasks whose leases ended, and index open/ again if it changed;
 * now and then, remove what -G, -T and -E let go.
 */
static void
tend_store(struct server *s, const sigset_t *sigs)
{
	int64_t every = purge_interval(&s->purge), next_purge = 0, now;

	for (;;) {
		struct timespec one = { 1, 0 };
		int sig = sigtimedwait(sigs, NULL, &one);

		if (sig == SIGTERM || sig == SIGINT)
			break;
		now = now_usec() / 1000000;
		if (now >= next_purge) {
			if (taskstore_purge(&s->ts, now, &s->purge) < 0)
				ct_warn("task store %s: %s", s->ts.path,
				    taskstore_why());
			if (components_flush(&s->ts, now, s->purge.fetched) < 0)
				ct_warnerr("task store %s: cannot flush the "
				    "components no task uses", s->ts.path);
			next_purge = now + every;
		}
		if (taskstore_reap(&s->ts, now_usec() / 1000000) < 0 ||
		    taskstore_refresh(&s->ts, false) != TS_OK)
			ct_warn("task store %s: %s", s->ts.path,
			    taskstore_why());
	}
}

int
main(int argc, char **argv)
{
	static struct server s;
	struct options o;
	struct cli c = { .usage = usage, .help = help };
	struct MHD_Daemon *d;
	sigset_t sigs;
	int rc;

	ct_setprogname(argv[0]);
	memset(&o, 0, sizeof o);
	parse_args(&c, argc, argv, &s, &o);
	if (o.import) {
		rc = import_databases(o.store, cli_args(&c));
		cli_end(&c);
		return rc;
	}
	if (o.list || o.block != NULL || o.unblock != NULL) {
		rc = admin(&o);
		free(o.block);
		free(o.unblock);
		free(o.store);
		cli_end(&c);
		return rc;
	}
	read_key(o.ckey, s.client_key, "the dispatcher's key file");
	read_key(o.pkey, s.pool_key, "the pool's key file");
	if (same_secret(s.client_key, s.pool_key))
		ct_die(EX_CONFIG, "the dispatcher's key and the pool's must "
		    "differ: volunteers must not be able to submit");
	/* The temporary names' nonce, made once before the threads start. */
	(void)jobid_nonce();
	if (taskstore_open(&s.ts, o.store, true) != TS_OK)
		ct_die(EX_IOERR, "task store %s: %s", o.store, taskstore_why());
	if (taskstore_refresh(&s.ts, true) != TS_OK)
		ct_die(EX_IOERR, "task store %s: %s", o.store, taskstore_why());
	s.ts.cells = result_cells;
	s.ts.invalid_max = s.invalid_max;
	s.ts.expired_max = s.expired_max;
	s.ts.trust_run = s.trust_run;
	s.ts.spot_percent = s.spot_percent;
	pthread_mutex_init(&s.rate_mu, NULL);
	open_outputs(&s, &o);

	/* The signals are the main thread's: the pool's threads inherit. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = start_daemon(&s, &o);
	tend_store(&s, &sigs);
	MHD_stop_daemon(d);
	taskstore_close(&s.ts);
	cli_end(&c);
	return 0;
}
