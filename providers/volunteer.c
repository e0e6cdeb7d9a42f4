/*
 * volunteer: the wrapper (ct-wrapper(7)) for a volunteer pool, a
 * ct-serve(8) that volunteers pull tasks from (cputorrent-volunteer(7)).
 *
 *   volunteer submit [key=value ...] <input   PUT URL/v1/tasks/TASK
 *   volunteer poll TASK                       GET URL/v1/tasks/TASK
 *   volunteer fetch TASK                      GET URL/v1/tasks/TASK/result
 *   volunteer cancel TASK                     DELETE URL/v1/tasks/TASK
 *
 * The task is named by the job and the attempt, JOBID.ATTEMPT, and its
 * PUT is idempotent at ct-serve: a repeated submit of the same attempt
 * finds the same task and starts no second one, whatever happened to the
 * wrapper before. Each call makes one HTTP request (common/poolcall.h).
 *
 * The server's parameters: url (ct-serve's base URL) and key (the
 * dispatcher's credential at ct-serve, a secret), required; cafile,
 * timeout, max-result; see cputorrent-volunteer(8). The job's options go
 * to the volunteers as they are, which allow only those their owners
 * list.
 *
 * A service the registry gives a component (parameter component.SERVICE,
 * a directory: the code browser volunteers run for it) has it uploaded
 * to ct-serve at submit, lazily: only what ct-serve lacks, by content
 * (cputorrent-volunteer(7), Components), and the task names it.
 *
 * submit keeps the job's input in $CT_WORKDIR/query.fa so that fetch can
 * check the report again (ct-serve checks it when a volunteer posts it):
 * a result is a volunteer's claim, never trusted on its word.
 *
 * Exit status: 64 usage, 65 the job's input or options refused, 69 this
 * server cannot do the job, 74 an I/O error, 75 try again later, 78 the
 * server's parameters are wrong. Messages are "volunteer: ..." on stderr.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blobstore.h"
#include "charset.h"
#include "err.h"
#include "exitcodes.h"
#include "poolcall.h"
#include "sha256.h"
#include "statefile.h"
#include "taskstore.h"
#include "util.h"
#include "wrapper.h"

#define MAX_INPUT_BYTES (1024 * 1024)
#define MAX_SMALL_ANSWER (64 * 1024)
#define F_QUERY "query.fa"
/* The largest file of a component. */
#define COMPONENT_MAX_FILE (64ULL * 1024 * 1024)

static const char usage[] =
    "usage: volunteer submit [key=value ...] <input\n"
    "       volunteer poll | fetch | cancel task\n"
    "       volunteer check\n";

struct params {
	const char *url, *key;
	struct http_limits lim;
	size_t max_result;
};

/* The server's parameters: 0, or EX_CONFIG after saying each problem. */
static int
read_params(struct params *p)
{
	int rc = 0;

	memset(p, 0, sizeof *p);
	if (wrapper_url_param(&p->url, "ct-serve's base URL, such as "
	    "https://pool.example.org:8470") != 0)
		rc = EX_CONFIG;
	if ((p->key = wrapper_param("key")) == NULL) {
		ct_warn("the server has no key parameter (the dispatcher's "
		    "credential at ct-serve; mark it secret)");
		rc = EX_CONFIG;
	}
	if (wrapper_http_params(&p->lim, &p->max_result, 10.0) != 0)
		rc = EX_CONFIG;
	return rc;
}

/* Say why a call failed, with ct-serve's own words; its exit status. */
static int
failed(const char *what, const struct http_response *r)
{
	const char *e = NULL;
	json_t *a = r->body.len > 0 ? json_loadb(r->body.data, r->body.len,
	    0, NULL) : NULL;
	char *shown = NULL;
	int rc;

	if (a != NULL && json_unpack(a, "{s:s}", "error", &e) == 0)
		shown = wrapper_printable(e, strlen(e), 300);
	rc = wrapper_http_failure(what, r, shown, WRAPPER_HTTP_400_IS_INPUT |
	    WRAPPER_HTTP_AUTH_IS_CONFIG);
	free(shown);
	json_decref(a);
	return rc;
}

static char *
task_path(const char *task, const char *tail)
{
	struct buf b = { NULL, 0, 0 };

	buf_appendf(&b, "/v1/tasks/%s%s", task, tail);
	return b.data;
}

/*
 * The blob of the job's database, which volunteers that lack it fetch
 * from ct-serve: the parameter database.NAME, the ID ct-serve -I printed
 * for it, into *blob (NULL if there is none). 0, or EX_CONFIG.
 */
static int
database_blob(const char *database, const char **blob)
{
	struct buf name = { NULL, 0, 0 };

	*blob = NULL;
	if (database == NULL || *database == '\0')
		return 0;
	buf_appendf(&name, "database.%s", database);
	*blob = wrapper_param(name.data);
	if (*blob != NULL && !sha256_hex_valid(*blob)) {
		ct_warn("parameter %s: not a blob ID (the 64 hexadecimal "
		    "digits ct-serve -I prints)", name.data);
		buf_free(&name);
		return EX_CONFIG;
	}
	buf_free(&name);
	return 0;
}

/* Whether ct-serve has blob id: 1, 0, or minus an exit status. */
static int
blob_here(const struct params *p, const char *id)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char path[80];
	int rc;

	snprintf(path, sizeof path, "/v1/blobs/%s", id);
	lim.max_body = MAX_SMALL_ANSWER;
	if (pool_call_raw(p->url, "HEAD", path, NULL, 0, NULL, p->key, &lim,
	    &r) == HTTP_OK)
		rc = 1;
	else
		rc = r.status == 404 ? 0 : -failed("component", &r);
	http_response_free(&r);
	return rc;
}

/* PUT data[0..len) as blob id: 0, or an exit status. */
static int
put_blob(const struct params *p, const char *id, const void *data,
    size_t len)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char path[80];
	int rc = 0;

	snprintf(path, sizeof path, "/v1/blobs/%s", id);
	lim.max_body = MAX_SMALL_ANSWER;
	if (pool_call_raw(p->url, "PUT", path, data, len,
	    "application/octet-stream", p->key, &lim, &r) != HTTP_OK)
		rc = failed("component upload", &r);
	http_response_free(&r);
	return rc;
}

/*
 * The component of the job's service, uploaded to ct-serve unless it has
 * it: its manifest's ID into id ("" if the registry names none). Only the
 * files ct-serve lacks go, and the manifest last, which ct-serve takes
 * once its files are there. 0, or an exit status.
 */
static int
component(const struct params *p, const char *service,
    char id[SHA256_HEX_LEN + 1])
{
	struct buf name = { NULL, 0, 0 }, data = { NULL, 0, 0 };
	struct manifest *m = xmalloc(sizeof *m);
	const char *dir;
	char why[512], *text = NULL, *file;
	size_t i;
	int rc = 0, fd;

	id[0] = '\0';
	buf_appendf(&name, "component.%s", service);
	if ((dir = wrapper_param(name.data)) == NULL)
		goto out;
	if (manifest_of_component(dir, COMPONENT_MAX_FILE, m, why,
	    sizeof why) != 0 || (text = manifest_text(m)) == NULL) {
		ct_warn("parameter %s: %s", name.data, why);
		rc = EX_CONFIG;
		goto out;
	}
	sha256_of(text, strlen(text), id);
	if ((rc = blob_here(p, id)) != 0) {
		rc = rc < 0 ? -rc : 0;
		goto out;
	}
	for (i = 0; i < m->n && rc == 0; i++) {
		if ((rc = blob_here(p, m->files[i].blob)) != 0) {
			rc = rc < 0 ? -rc : 0;
			continue;
		}
		file = path_join(dir, m->files[i].name);
		data.len = 0;
		fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || read_bounded(fd, &data, COMPONENT_MAX_FILE) != 0) {
			ct_warnerr("parameter %s: cannot read %s", name.data,
			    file);
			rc = EX_CONFIG;
		} else {
			/* Changed since it was hashed: ct-serve refuses it. */
			rc = put_blob(p, m->files[i].blob, data.data,
			    data.len);
		}
		if (fd >= 0)
			close(fd);
		free(file);
	}
	if (rc == 0)
		rc = put_blob(p, id, text, strlen(text));
out:
	if (rc != 0)
		id[0] = '\0';
	free(text);
	free(m);
	buf_free(&data);
	buf_free(&name);
	return rc;
}

static int
submit(const struct params *p, int nopts, char **opts)
{
	const char *database = getenv("CT_DATABASE"), *deadline_s, *blob;
	char task[TASK_ID_MAX + 1], *path, comp[SHA256_HEX_LEN + 1];
	struct http_response r;
	struct http_limits lim = p->lim;
	struct buf in = { NULL, 0, 0 };
	int64_t deadline = 0;
	json_t *options, *body;
	int k, rc;

	snprintf(task, sizeof task, "%s.%u", wrapper_env("CT_JOB_ID"),
	    wrapper_attempt());
	if (!task_id_valid(task))
		ct_die(EX_USAGE, "CT_JOB_ID: not a job ID");
	if ((rc = database_blob(database, &blob)) != 0 ||
	    (rc = component(p, wrapper_env("CT_SERVICE"), comp)) != 0)
		return rc;
	if ((deadline_s = getenv("CT_DEADLINE")) != NULL &&
	    parse_int64(deadline_s, NULL, 0, INT64_MAX / 2, &deadline) != 0)
		deadline = 0;
	if ((rc = wrapper_read_input(&in, MAX_INPUT_BYTES, NULL)) != 0)
		return rc;
	if (in.len == 0 || in.data[0] != '>' ||
	    memchr(in.data, '\0', in.len) != NULL) {
		buf_free(&in);
		ct_warn("the input is not FASTA");
		return EX_DATAERR;
	}
	if (statefile_write(F_QUERY, in.data, in.len) != 0) {
		buf_free(&in);
		ct_warnerr("cannot write %s in the work directory", F_QUERY);
		return EX_IOERR;
	}
	options = json_array();
	for (k = 0; k < nopts; k++)
		json_array_append_new(options, json_string(opts[k]));
	body = json_pack("{s:s, s:s, s:o, s:s%, s:I}", "service",
	    wrapper_env("CT_SERVICE"), "database", database ? database : "",
	    "options", options, "query", in.data, in.len, "deadline",
	    (json_int_t)deadline);
	buf_free(&in);
	if (body == NULL) {
		ct_warn("the input or an option is not text (UTF-8)");
		return EX_DATAERR;
	}
	if (blob != NULL)
		json_object_set_new(body, "database_blob", json_string(blob));
	if (comp[0] != '\0')
		json_object_set_new(body, "component_blob", json_string(comp));
	path = task_path(task, "");
	lim.max_body = MAX_SMALL_ANSWER;
	if (pool_call(p->url, "PUT", path, body, p->key, &lim, &r, NULL) ==
	    HTTP_OK) {
		printf("%s\n", task);
		rc = fflush(stdout) == EOF || ferror(stdout) ? EX_IOERR : 0;
		if (rc != 0)
			ct_warnerr("cannot write standard output");
	} else {
		rc = failed("submit", &r);
	}
	http_response_free(&r);
	free(path);
	return rc;
}

/*
 * "failed" and why the pool's volunteers never agreed on task, from the
 * status a, on one line of printable characters (ct-serve(8), QUORUM).
 */
static void
print_failed(const char *task, json_t *a)
{
	const char *reason = NULL;
	char line[300];
	size_t i;

	if (json_unpack(a, "{s:s}", "reason", &reason) != 0)
		reason = "no reason given";
	snprintf(line, sizeof line, "%s", reason);
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			line[i] = ' ';
	printf("failed the pool failed task %s: %s\n", task, line);
}

static int
poll_task(const struct params *p, const char *task)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char *path = task_path(task, "");
	const char *state = NULL;
	json_t *a;
	int rc = 0;

	lim.max_body = MAX_SMALL_ANSWER;
	if (pool_call(p->url, "GET", path, NULL, p->key, &lim, &r, &a) ==
	    HTTP_OK && a != NULL && json_unpack(a, "{s:s}", "state",
	    &state) == 0) {
		if (strcmp(state, "done") == 0)
			puts("done");
		else if (strcmp(state, "open") == 0 ||
		    strcmp(state, "leased") == 0)
			puts("running");
		else if (strcmp(state, "failed") == 0)
			print_failed(task, a);
		else
			printf("failed the pool has task %s %s\n", task,
			    strcmp(state, "cancelled") == 0 ? "cancelled" :
			    "in an unknown state");
	} else if (r.status == 404) {
		printf("failed the pool has no task %s (its store was lost?)\n",
		    task);
	} else if (r.outcome == HTTP_OK) {
		ct_warn("poll: ct-serve answered no state");
		rc = EX_UNAVAILABLE;
	} else {
		rc = failed("poll", &r);
	}
	if (rc == 0 && (fflush(stdout) == EOF || ferror(stdout))) {
		ct_warnerr("cannot write standard output");
		rc = EX_IOERR;
	}
	json_decref(a);
	http_response_free(&r);
	free(path);
	return rc;
}

static int
fetch(const struct params *p, const char *task)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char *path = task_path(task, "/result"), why[512];
	int rc = 0;

	lim.max_body = p->max_result;
	if (pool_call(p->url, "GET", path, NULL, p->key, &lim, &r, NULL) ==
	    HTTP_OK) {
		/* A volunteer's result, checked again before it is given. */
		if (wrapper_check_report(r.body.data, r.body.len, F_QUERY, why,
		    sizeof why) != 0) {
			ct_warn("fetch: %s: %s", task, why);
			rc = EX_UNAVAILABLE;
		} else {
			wrapper_write_out(r.body.data, r.body.len);
		}
	} else {
		rc = failed("fetch", &r);
	}
	http_response_free(&r);
	free(path);
	return rc;
}

static int
cancel(const struct params *p, const char *task)
{
	struct http_response r;
	struct http_limits lim = p->lim;
	char *path = task_path(task, "");
	int rc = 0;

	lim.max_body = MAX_SMALL_ANSWER;
	lim.total_ms = lim.total_ms < 8000 ? lim.total_ms : 8000;
	/* Unknown to the pool is nothing to cancel, as the contract says. */
	if (pool_call(p->url, "DELETE", path, NULL, p->key, &lim, &r, NULL) !=
	    HTTP_OK && r.status != 404)
		rc = failed("cancel", &r);
	http_response_free(&r);
	free(path);
	return rc;
}

int
main(int argc, char **argv)
{
	struct params p;
	const char *verb, *task = NULL;
	int rc;

	verb = wrapper_verb(argc, argv, usage, "task");
	if (strcmp(verb, "check") == 0) {
		wrapper_check_begin();
		(void)read_params(&p);
		return wrapper_check_end();
	}
	if (strcmp(verb, "submit") != 0) {
		task = argv[2];
		if (!task_id_valid(task))
			wrapper_usage_error(usage, "not a task of the pool");
	}
	(void)wrapper_env("CT_JOB_ID");
	wrapper_enter_workdir();
	if ((rc = read_params(&p)) != 0)
		return rc;
	if (strcmp(verb, "submit") == 0)
		return submit(&p, argc - 2, argv + 2);
	if (strcmp(verb, "poll") == 0)
		return poll_task(&p, task);
	if (strcmp(verb, "fetch") == 0)
		return fetch(&p, task);
	return cancel(&p, task);
}
