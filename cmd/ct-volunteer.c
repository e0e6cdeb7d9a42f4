/*
 * ct-volunteer: a machine's idle cycles for a volunteer pool. It asks a
 * ct-serve(8) for tasks of the services and databases its owner offers,
 * runs each with the configured command (BLAST+ and its own copy of the
 * database), and posts the result back, over the protocol of
 * cputorrent-volunteer(7). Every connection is outbound, so it works
 * behind NAT and firewalls.
 *
 * One process, one loop: up to -j tasks run at once as children, niced,
 * each in a process group of its own and a directory of its own; their
 * leases are renewed by heartbeats; a task whose lease is lost is
 * stopped. When ct-serve cannot be reached, it waits longer each time, up
 * to a minute. SIGTERM stops the children and hands their tasks back;
 * SIGKILL leaves them to expire at ct-serve, which gives them to another
 * volunteer.
 *
 * With -F, a task whose database this volunteer lacks names it by its
 * blob at ct-serve (its manifest's SHA-256): a child fetches it, checked,
 * into the cache (blobfetch.h) while the loop goes on, and the task runs
 * on it; the cache keeps only the newest version of each database.
 *
 * The command is expanded as the local wrapper expands its own
 * (command.h, cputorrent-local(8)): words split at blanks, never a
 * shell; {input}, {output} and {database} replaced; only the job options
 * the owner allows appended.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "blobfetch.h"
#include "charset.h"
#include "cli.h"
#include "command.h"
#include "contract.h"
#include "err.h"
#include "exitcodes.h"
#include "poolcall.h"
#include "spawn-child.h"
#include "statefile.h"
#include "strvec.h"
#include "taskstore.h"
#include "util.h"

static const char usage[] =
    "usage: ct-volunteer -c command -K keyfile -u url -w dir [-A cafile]\n"
    "       [-d name=path ...] [-F size] [-j jobs] [-n nice] [-N name]\n"
    "       [-o options] [-s services] [-t seconds]\n";

static const char help[] =
    "Run a volunteer pool's tasks on this machine (cputorrent-volunteer(7)).\n"
    "  -c command   the command, as cputorrent-local(8)'s: words, with\n"
    "               {input}, {output} and {database}\n"
    "  -K keyfile   the pool's credential, to register with\n"
    "  -u url       ct-serve's base URL\n"
    "  -w dir       where tasks run and the token is kept (made if need be)\n"
    "  -A cafile    CA certificates to verify an https server against\n"
    "  -d name=path a database offered, and its path (again for more)\n"
    "  -F size      fetch the databases the pool has, each at most size\n"
    "               (such as 4G), and keep them in dir/databases\n"
    "  -j jobs      tasks at once (default 1)\n"
    "  -n nice      the tasks' niceness (default 19)\n"
    "  -N name      this volunteer's name at ct-serve (default: host name)\n"
    "  -o options   the job options allowed, blank-separated (evalue ...)\n"
    "  -s services  the services offered, blank-separated (default blastp)\n"
    "  -t seconds   the longest a task may run (default 3600)\n"
    "  -h, -V       help, version\n";

#define TOKEN_FILE "token"
#define MAX_ANSWER (32UL * 1024 * 1024)
#define MAX_RESULT (512UL * 1024 * 1024)
#define BACKOFF_MAX_MS 60000
#define TICK_MS 200

/*
 * A slot's task: FETCHING its database (a child fetches it into the
 * cache), RUNNING its command, POSTING its result (again until ct-serve
 * answers). A child, and heartbeats, in the first two.
 */
enum slot_state { FREE, FETCHING, RUNNING, POSTING };

struct slot {
	enum slot_state state;
	char id[TASK_ID_MAX + 1];
	char lease[LEASE_LEN + 1];
	char *dir;		/* the task's directory */
	pid_t pid;
	int has_output;		/* the command writes {output} itself */
	int64_t started, next_heartbeat, next_post;	/* monotonic ms */
	int post_backoff;	/* ms */
	int lease_secs;
	json_t *task;		/* FETCHING: the task, to start once fetched */
	char blob[SHA256_HEX_LEN + 1];	/* the database version it uses */
};

struct volunteer {
	const char *url, *workdir, *name;
	char pool_key[513];
	char token[VOLUNTEER_TOKEN_LEN + 1];
	json_t *services, *databases, *options;
	struct slot *slots;
	int nslots;
	int64_t task_timeout_ms;
	int64_t nice;
	uint64_t fetch_max;	/* -F: a database's largest size; 0: none */
	int cache;		/* DIR/databases, the fetched ones */
	char *workdir_abs;
	int64_t next_ask;	/* monotonic ms */
	int backoff;		/* ms; 0 while ct-serve answers */
	struct http_limits lim;
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t
now_ms(void)
{
	return monotonic_usec() / 1000;
}

/* The next wait after a failure to reach ct-serve: doubled, jittered. */
static void
back_off(struct volunteer *v)
{
	v->backoff = v->backoff == 0 ? 1000 : v->backoff * 2;
	if (v->backoff > BACKOFF_MAX_MS)
		v->backoff = BACKOFF_MAX_MS;
	v->next_ask = now_ms() + v->backoff / 2 + rand() % (v->backoff / 2 + 1);
}

/* --- the token ----------------------------------------------------------- */

/* Register, and keep the token in the work directory. 0, or -1 (said). */
static int
register_volunteer(struct volunteer *v)
{
	struct http_response r;
	const char *token;
	char why[768];
	json_t *a;
	int rc = -1;

	pool_call(v->url, "POST", "/v1/volunteers", json_pack("{s:s}", "name",
	    v->name), v->pool_key, &v->lim, &r, &a);
	if (r.outcome == HTTP_OK && a != NULL &&
	    json_unpack(a, "{s:s}", "token", &token) == 0 &&
	    strlen(token) == VOLUNTEER_TOKEN_LEN) {
		memcpy(v->token, token, VOLUNTEER_TOKEN_LEN + 1);
		if (statefile_write(TOKEN_FILE, v->token, strlen(v->token)) !=
		    0)
			ct_warnerr("cannot keep the token in %s/%s",
			    v->workdir, TOKEN_FILE);
		rc = 0;
	} else {
		pool_reason(&r, why, sizeof why);
		ct_warn("cannot register with %s: %s", v->url, why);
		if (r.status == 401 || r.status == 403)
			ct_die(EX_CONFIG, "the pool's key is refused");
	}
	json_decref(a);
	http_response_free(&r);
	return rc;
}

/* A call with the token; on 401 the token is dropped, for a new one. */
static enum http_outcome
call(struct volunteer *v, const char *method, const char *path, json_t *body,
    struct http_response *r, json_t **answer)
{
	pool_call(v->url, method, path, body, v->token, &v->lim, r, answer);
	if (r->status == 401) {
		ct_warn("ct-serve no longer knows this volunteer's token: "
		    "registering again");
		v->token[0] = '\0';
		unlink(TOKEN_FILE);
	}
	return r->outcome;
}

/* --- running a task ------------------------------------------------------- */

static void
remove_tree(const char *dir)
{
	static const char *const files[] = { CMD_INPUT, CMD_OUTPUT, "stderr",
	    NULL };
	int i;

	for (i = 0; files[i] != NULL; i++) {
		char *p = path_join(dir, files[i]);

		unlink(p);
		free(p);
	}
	rmdir(dir);
}

static void
slot_clear(struct slot *s)
{
	if (s->dir != NULL) {
		remove_tree(s->dir);
		free(s->dir);
	}
	json_decref(s->task);
	memset(s, 0, sizeof *s);
	s->state = FREE;
}

/* POST /v1/tasks/ID/verb with slot s's lease; the answer in *r. */
static void
lease_call(struct volunteer *v, struct slot *s, const char *verb,
    struct http_response *r)
{
	struct buf path = { NULL, 0, 0 };

	buf_appendf(&path, "/v1/tasks/%s/%s", s->id, verb);
	call(v, "POST", path.data, json_pack("{s:s}", "lease", s->lease), r,
	    NULL);
	buf_free(&path);
}

/* Give a task back to the pool, so that another may run it at once. */
static void
release(struct volunteer *v, struct slot *s)
{
	struct http_response r;

	lease_call(v, s, "release", &r);
	http_response_free(&r);
}

/* The environment a task's command gets: nothing of ours. */
static void
task_env(struct strvec *env, const char *dir)
{
	strvec_push(env, "PATH=/usr/local/bin:/usr/bin:/bin");
	strvec_push(env, "LANG=C");
	strvec_push(env, "LC_ALL=C");
	strvec_pushf(env, "HOME=%s", dir);
	strvec_pushf(env, "TMPDIR=%s", dir);
}

static int start_task(struct volunteer *v, struct slot *s, json_t *t);

/*
 * Make version blob of database name, fetched into the cache, the one
 * {database} names for slot s's task. 0; 1 if it must be fetched first;
 * -1 if it cannot be used (said).
 */
static int
use_fetched(struct volunteer *v, struct slot *s, const char *name,
    const char *blob)
{
	char *rel, *var;
	struct buf path = { NULL, 0, 0 };

	if (v->fetch_max == 0) {
		ct_warn("task %s: database %s is not here, and -F is not "
		    "given", s->id, name);
		return -1;
	}
	switch (dbcache_path(v->cache, blob, &rel)) {
	case 0:
		break;
	case 1:
		return 1;
	default:
		ct_warnerr("task %s: the cache of database %s (%s)", s->id,
		    name, blob);
		return -1;
	}
	buf_appendf(&path, "%s/databases/%s", v->workdir_abs, rel);
	var = contract_param_var("database.", name);
	setenv(var, path.data, 1);
	free(var);
	free(rel);
	buf_free(&path);
	memcpy(s->blob, blob, SHA256_HEX_LEN + 1);
	return 0;
}

/* Whether a task still runs on version id of a database (dbcache_flush). */
static bool
blob_in_use(const char *id, void *ctx)
{
	struct volunteer *v = ctx;
	int i;

	for (i = 0; i < v->nslots; i++)
		if (v->slots[i].state != FREE &&
		    strcmp(v->slots[i].blob, id) == 0)
			return true;
	return false;
}

/*
 * Fetch version blob of database name for slot s, in a child of its
 * own, so that the loop goes on renewing every lease meanwhile; task t
 * starts once the child has it in the cache. 0; -1 (said).
 */
static int
start_fetch(struct volunteer *v, struct slot *s, json_t *t, const char *name,
    const char *blob)
{
	struct blob_source src = { v->url, v->token, v->lim };
	char why[1024];
	pid_t pid;

	memcpy(s->blob, blob, SHA256_HEX_LEN + 1);
	if ((pid = fork()) < 0) {
		ct_warnerr("task %s: cannot fork to fetch its database", s->id);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		setpgid(0, 0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dbcache_fetch(&src, v->cache, blob, name, v->fetch_max, why,
		    sizeof why) != 0) {
			ct_warn("task %s: cannot fetch database %s (%s): %s",
			    s->id, name, blob, why);
			_exit(1);
		}
		_exit(0);
	}
	setpgid(pid, pid);
	s->pid = pid;
	s->task = json_incref(t);
	s->state = FETCHING;
	s->started = now_ms();
	s->next_heartbeat = s->started + s->lease_secs * 1000 / 3;
	return 0;
}

/* A fetch has ended: start slot s's task on what it fetched, or give up. */
static void
fetch_ended(struct volunteer *v, struct slot *s, int status)
{
	json_t *t = s->task;
	char blob[SHA256_HEX_LEN + 1];
	const char *name = "";

	s->task = NULL;
	memcpy(blob, s->blob, sizeof blob);
	(void)json_unpack(t, "{s?:s}", "database", &name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    start_task(v, s, t) == 0) {
		/* Only the newest version of a database is kept. */
		dbcache_flush(v->cache, name, blob, blob_in_use, v);
	} else {
		release(v, s);
		slot_clear(s);
		v->next_ask = now_ms() + 5000;
	}
	json_decref(t);
}

/*
 * Start task t (the work answer) in slot s: its query in its directory,
 * the command expanded and started; or, for a database it must fetch
 * first, the fetch. 0; -1 if it cannot run here (said).
 */
static int
start_task(struct volunteer *v, struct slot *s, json_t *t)
{
	const char *id, *lease, *database = "", *query;
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT, opts = STRVEC_INIT;
	const char *blob = NULL;
	json_t *options = NULL, *o;
	struct child c;
	size_t i, qlen;
	int lease_secs = 60, in = -1, out = -1, err = -1, rc = -1, e;
	char *p, *resolved = NULL;

	if (json_unpack(t, "{s:s, s:s, s?:s, s?:o, s:s%, s?:i, s?:s}", "task",
	    &id, "lease", &lease, "database", &database, "options", &options,
	    "query", &query, &qlen, "lease_seconds", &lease_secs,
	    "database_blob", &blob) != 0 ||
	    !task_id_valid(id) || strlen(lease) != LEASE_LEN ||
	    !chars_only(database, CHARS_ALNUM "._-", 0, 128) ||
	    (blob != NULL && !sha256_hex_valid(blob))) {
		ct_warn("ct-serve answered a task of the wrong shape");
		return -1;
	}
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->lease, sizeof s->lease, "%s", lease);
	s->lease_secs = lease_secs > 2 ? lease_secs : 2;
	/* The owner's own copy first; else the pool's, fetched if need be. */
	if (blob != NULL && !pool_list_has(v->databases, database)) {
		switch (use_fetched(v, s, database, blob)) {
		case 1:
			return start_fetch(v, s, t, database, blob);
		case -1:
			return -1;
		}
	}
	json_array_foreach(options, i, o)
		if (json_is_string(o))
			strvec_push(&opts, json_string_value(o));
	s->dir = path_join("tasks", id);
	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
		ct_warnerr("cannot make %s/%s", v->workdir, s->dir);
		goto out;
	}
	p = path_join(s->dir, CMD_INPUT);
	e = atomic_write(AT_FDCWD, p, query, qlen, 0600);
	free(p);
	if (e != 0) {
		ct_warnerr("task %s: cannot write its query", id);
		goto out;
	}
	/* command_expand reads the job's database as the wrappers do. */
	if (database[0] != '\0')
		setenv("CT_DATABASE", database, 1);
	else
		unsetenv("CT_DATABASE");
	p = realpath(s->dir, NULL);
	if (p == NULL || command_expand(p, (int)opts.n, opts.v, &argv,
	    &s->has_output) != 0) {
		ct_warn("task %s: cannot be run here", id);
		free(p);
		goto out;
	}
	task_env(&env, p);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	{
		char *o_path = path_join(s->dir, s->has_output ? "/dev/null" :
		    CMD_OUTPUT), *e_path = path_join(s->dir, "stderr");

		out = s->has_output ? open("/dev/null", O_WRONLY | O_CLOEXEC) :
		    open(o_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		err = open(e_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		free(o_path);
		free(e_path);
	}
	if (in < 0 || out < 0 || err < 0) {
		ct_warnerr("task %s: cannot open its files", id);
		free(p);
		goto out;
	}
	if (command_find_as("-c", argv.v[0], getenv("PATH"), &resolved) != 0) {
		free(p);
		goto out;
	}
	memset(&c, 0, sizeof c);
	c.path = resolved;
	c.argv = strvec_vector(&argv);
	c.envp = strvec_vector(&env);
	c.dir = p;
	e = spawn_child(&s->pid, &c, in, out, err, false);
	free(p);
	free(resolved);
	if (e != 0) {
		errno = e;
		ct_warnerr("task %s: cannot run %s", id, argv.v[0]);
		goto out;
	}
	s->state = RUNNING;
	s->started = now_ms();
	s->next_heartbeat = s->started + s->lease_secs * 1000 / 3;
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	strvec_free(&argv);
	strvec_free(&env);
	strvec_free(&opts);
	return rc;
}

/* Ask for a task for the free slot s. */
static void
ask(struct volunteer *v, struct slot *s)
{
	struct http_response r;
	json_t *a, *task;
	int retry = 5;

	call(v, "POST", "/v1/work", json_pack("{s:O, s:O, s:O, s:b}",
	    "services", v->services, "databases", v->databases, "options",
	    v->options, "fetch", v->fetch_max > 0), &r, &a);
	if (r.outcome != HTTP_OK || a == NULL) {
		char why[768];

		pool_reason(&r, why, sizeof why);
		ct_warn("asking for work: %s", why);
		back_off(v);
	} else if ((task = json_object_get(a, "task")) == NULL ||
	    json_is_null(task)) {
		v->backoff = 0;
		(void)json_unpack(a, "{s?:i}", "retry_after", &retry);
		if (retry < 1 || retry > 600)
			retry = 5;
		v->next_ask = now_ms() + retry * 1000;
	} else {
		v->backoff = 0;
		if (start_task(v, s, a) != 0) {
			if (s->id[0] != '\0' && s->lease[0] != '\0')
				release(v, s);
			slot_clear(s);
			/* Not one for us: do not take it straight back. */
			v->next_ask = now_ms() + 5000;
		}
	}
	json_decref(a);
	http_response_free(&r);
}

/* Renew slot s's lease; a lost one stops the task. */
static void
heartbeat(struct volunteer *v, struct slot *s)
{
	struct http_response r;

	lease_call(v, s, "heartbeat", &r);
	if (r.outcome == HTTP_OK) {
		s->next_heartbeat = now_ms() + s->lease_secs * 1000 / 3;
	} else if (r.status == 409 || r.status == 410 || r.status == 403 ||
	    r.status == 404) {
		/* Another has it, or no one wants it any more. */
		ct_warn("task %s: lease lost (HTTP %ld): stopped", s->id,
		    r.status);
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		slot_clear(s);
	} else {
		/* ct-serve out of reach: the lease may still hold; again soon. */
		s->next_heartbeat = now_ms() + 1000;
	}
	http_response_free(&r);
}

/* Post slot s's result; again later if ct-serve cannot be reached. */
static void
post_result(struct volunteer *v, struct slot *s)
{
	struct buf result = { NULL, 0, 0 }, path = { NULL, 0, 0 };
	struct http_response r;
	struct http_limits lim = v->lim;
	char *file = path_join(s->dir, CMD_OUTPUT), why[768];
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	free(file);
	if (fd < 0 || read_bounded(fd, &result, MAX_RESULT) != 0) {
		ct_warnerr("task %s: cannot read its result", s->id);
		if (fd >= 0)
			close(fd);
		release(v, s);
		slot_clear(s);
		buf_free(&result);
		return;
	}
	close(fd);
	buf_appendf(&path, "%s/v1/tasks/%s/result?lease=%s", v->url, s->id,
	    s->lease);
	lim.total_ms = 120000;
	http_call(path.data, &(struct http_call){ .method = "POST",
	    .content_type = "application/xml", .body = result.data,
	    .body_len = result.len, .bearer = v->token }, &lim, &r);
	if (r.outcome == HTTP_OK) {
		slot_clear(s);
	} else if (r.outcome == HTTP_TRANSIENT || r.status == 0) {
		s->post_backoff = s->post_backoff == 0 ? 1000 :
		    s->post_backoff * 2 > 30000 ? 30000 : s->post_backoff * 2;
		s->next_post = now_ms() + s->post_backoff;
	} else {
		/* Refused for good: done by another, cancelled, not valid. */
		pool_reason(&r, why, sizeof why);
		ct_warn("task %s: result refused: %s", s->id, why);
		if (r.status == 401)
			v->token[0] = '\0';
		slot_clear(s);
	}
	http_response_free(&r);
	buf_free(&path);
	buf_free(&result);
}

/* A child has ended: post what it made, or give the task back. */
static void
task_ended(struct volunteer *v, struct slot *s, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		s->state = POSTING;
		s->next_post = now_ms();
		post_result(v, s);
	} else {
		ct_warn("task %s: the command failed (%s %d)", s->id,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		release(v, s);
		slot_clear(s);
	}
}

/* --- the loop ------------------------------------------------------------ */

static void
reap_children(struct volunteer *v)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < v->nslots; i++)
			if (v->slots[i].state == RUNNING &&
			    v->slots[i].pid == pid)
				task_ended(v, &v->slots[i], status);
			else if (v->slots[i].state == FETCHING &&
			    v->slots[i].pid == pid)
				fetch_ended(v, &v->slots[i], status);
}

/* SIGTERM: stop every task and hand it back. */
static void
stop_all(struct volunteer *v)
{
	int i;

	for (i = 0; i < v->nslots; i++) {
		struct slot *s = &v->slots[i];

		if (s->state == RUNNING || s->state == FETCHING) {
			kill(-s->pid, SIGTERM);
			kill(-s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			release(v, s);
		} else if (s->state == POSTING) {
			post_result(v, s);
		}
		slot_clear(s);
	}
}

/* Only to end ppoll at once when a task's command ends. */
static void
on_child(int sig)
{
	(void)sig;
}

static void
serve(struct volunteer *v)
{
	const struct timespec tick = { 0, TICK_MS * 1000000L };
	struct sigaction sa;
	sigset_t block, waiting;
	int i;

	/*
	 * SIGCHLD, SIGTERM and SIGINT are taken only while the loop waits,
	 * so none is lost between a look at the children and the wait.
	 */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	sigdelset(&waiting, SIGCHLD);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);

	while (!stopping) {
		int64_t now = now_ms();

		reap_children(v);
		if (v->token[0] == '\0') {
			if (now >= v->next_ask && register_volunteer(v) != 0)
				back_off(v);
		}
		for (i = 0; i < v->nslots && v->token[0] != '\0'; i++) {
			struct slot *s = &v->slots[i];

			now = now_ms();
			if ((s->state == RUNNING || s->state == FETCHING) &&
			    now - s->started >
			    v->task_timeout_ms) {
				ct_warn("task %s: over %" PRId64 " s: stopped",
				    s->id, v->task_timeout_ms / 1000);
				kill(-s->pid, SIGKILL);
			} else if ((s->state == RUNNING ||
			    s->state == FETCHING) && now >= s->next_heartbeat) {
				heartbeat(v, s);
			}
			/* A result posted, the next task asked for at once. */
			if (s->state == POSTING && now >= s->next_post)
				post_result(v, s);
			if (s->state == FREE && now_ms() >= v->next_ask)
				ask(v, s);
		}
		/* Until the tick, or a child's end, or a signal to stop. */
		ppoll(NULL, 0, &tick, &waiting);
	}
	stop_all(v);
}

/* --- start ---------------------------------------------------------------- */

static json_t *
words(const char *s)
{
	struct strvec w = STRVEC_INIT;
	json_t *a = json_array();
	size_t i;

	strvec_split_blanks(&w, s);
	for (i = 0; i < w.n; i++)
		json_array_append_new(a, json_string(w.v[i]));
	strvec_free(&w);
	return a;
}

static void
read_pool_key(struct volunteer *v, const char *file)
{
	struct buf b = { NULL, 0, 0 };
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		ct_dieerr(EX_CONFIG, "cannot open the pool's key file %s", file);
	rc = read_bounded(fd, &b, sizeof v->pool_key - 1);
	close(fd);
	if (rc != 0)
		ct_die(EX_CONFIG, "%s: unreadable or too long", file);
	buf_append(&b, "", 0);
	b.data[strcspn(b.data, "\r\n")] = '\0';
	snprintf(v->pool_key, sizeof v->pool_key, "%s", b.data);
	buf_free(&b);
}

/* -d name=path: database name offered, at path, for {database}. */
static void
add_database(struct cli *c, struct volunteer *v, char *arg)
{
	char *eq = strchr(arg, '='), *var;

	if (eq != NULL)
		*eq = '\0';
	if (eq == NULL || eq[1] != '/' ||
	    !chars_only(arg, CHARS_ALNUM "._-", 1, 128))
		cli_usage_error(c, "-d: name=/absolute/path, the name of "
		    "[A-Za-z0-9._-]");
	json_array_append_new(v->databases, json_string(arg));
	var = contract_param_var("database.", arg);
	setenv(var, eq + 1, 1);
	free(var);
}

/* -N, or the host's name: checked, allocated. */
static char *
volunteer_name(struct cli *c, char *name)
{
	char host[256];

	if (name == NULL) {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "volunteer");
		host[sizeof host - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		name = xstrdup(host);
	}
	if (!chars_only(name, CHARS_ALNUM "._-", 1, 64))
		cli_usage_error(c, "-N: 1 to 64 of [A-Za-z0-9._-]");
	return name;
}

/* -c: a command whose program is found, or a usage error that says so. */
static void
check_command(struct cli *c, const char *command)
{
	struct strvec w = STRVEC_INIT;
	char *resolved = NULL;

	strvec_split_blanks(&w, command);
	if (w.n == 0)
		cli_usage_error(c, "-c: no command to run");
	/* Said by command_find_as, as "-c: NAME: why". */
	if (command_find_as("-c", w.v[0], getenv("PATH"), &resolved) != 0)
		exit(EX_USAGE);
	free(resolved);
	strvec_free(&w);
}

/* The command line, checked, into v; exits on a usage error. */
static void
parse_args(struct cli *c, int argc, char **argv, struct volunteer *v,
    char **dir)
{
	char *command = NULL, *keyfile = NULL, *url = NULL, *db = NULL;
	char *jobs = NULL, *nice_s = NULL, *name = NULL, *options = NULL;
	char *services = NULL, *timeout = NULL, *cafile = NULL, *fetch = NULL;
	struct poptOption table[] = {
		CLI_STRING('c', "command", &command, 0),
		CLI_STRING_OF('K', "pool-key", &keyfile, 0, "file"),
		CLI_STRING('u', "url", &url, 0),
		CLI_STRING_OF('w', "workdir", dir, 0, "dir"),
		CLI_STRING('d', "database", &db, 'd'),
		CLI_STRING('F', "fetch", &fetch, 0),
		CLI_STRING('j', "jobs", &jobs, 0),
		CLI_STRING('n', "nice", &nice_s, 0),
		CLI_STRING('N', "name", &name, 0),
		CLI_STRING('o', "options", &options, 0),
		CLI_STRING('s', "services", &services, 0),
		CLI_STRING('t', "timeout", &timeout, 0),
		CLI_STRING_OF('A', "cafile", &cafile, 0, "file"),
		CLI_COMMON_OPTIONS
	};
	char why[256];
	int64_t n;
	int opt;

	cli_start(c, argc, argv, table);
	while ((opt = cli_next(c)) != -1) {
		if (opt != 'd')
			continue;
		add_database(c, v, db);
		free(db);
		db = NULL;
	}
	if (*cli_args(c) != NULL)
		cli_usage_error(c, "unexpected argument %.80s", *cli_args(c));
	if (c->spool != NULL)
		cli_usage_error(c, "a volunteer has no spool: no -S");
	if (command == NULL || keyfile == NULL || url == NULL || *dir == NULL)
		cli_usage_error(c, "-c, -K, -u and -w are needed");
	if (http_url_ok(url, why, sizeof why) != 0)
		cli_usage_error(c, "-u: %s", why);
	v->nslots = 1;
	if (jobs != NULL) {
		if (parse_int64(jobs, NULL, 1, 256, &n) != 0)
			cli_usage_error(c, "-j: a number from 1 to 256");
		v->nslots = (int)n;
	}
	v->nice = 19;
	if (nice_s != NULL && parse_int64(nice_s, NULL, 0, 19, &v->nice) != 0)
		cli_usage_error(c, "-n: a number from 0 to 19");
	v->task_timeout_ms = 3600 * 1000;
	if (timeout != NULL) {
		if (parse_int64(timeout, NULL, 1, 7 * 86400, &n) != 0)
			cli_usage_error(c, "-t: seconds, from 1 to 604800");
		v->task_timeout_ms = n * 1000;
	}
	if (fetch != NULL) {
		size_t max;

		if (parse_size(fetch, &max) != 0 || max < 1024)
			cli_usage_error(c, "-F: a size such as 512M or 4G");
		v->fetch_max = max;
	}
	v->name = volunteer_name(c, name);
	v->url = url;
	v->services = words(services != NULL ? services : "blastp");
	v->options = words(options != NULL ? options : "");
	check_command(c, command);
	setenv("CT_PARAM_COMMAND", command, 1);
	setenv("CT_PARAM_OPTIONS", options != NULL ? options : "", 1);
	setenv("CT_SERVER", url, 1);
	read_pool_key(v, keyfile);
	if (cafile != NULL && access(cafile, R_OK) != 0)
		ct_dieerr(EX_CONFIG, "-A %s", cafile);
	v->lim.cafile = cafile;
	v->lim.connect_ms = 10000;
	v->lim.total_ms = 30000;
	v->lim.max_body = MAX_ANSWER;
}

/*
 * Enter the working directory dir, making it and its tasks/ and
 * databases/ if need be, and read the token kept there; or exit.
 */
static void
enter_workdir(struct volunteer *v, const char *dir)
{
	struct buf tok = { NULL, 0, 0 };

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		ct_dieerr(EX_CANTCREAT, "cannot make %s", dir);
	if (chdir(dir) != 0)
		ct_dieerr(EX_CANTCREAT, "cannot enter %s", dir);
	v->workdir = dir;
	if ((v->workdir_abs = realpath(".", NULL)) == NULL)
		ct_dieerr(EX_CANTCREAT, "cannot find %s", dir);
	if (mkdir("tasks", 0700) != 0 && errno != EEXIST)
		ct_dieerr(EX_CANTCREAT, "cannot make %s/tasks", dir);
	if ((mkdir("databases", 0700) != 0 && errno != EEXIST) ||
	    (v->cache = open("databases", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		ct_dieerr(EX_CANTCREAT, "cannot make %s/databases", dir);
	/* What fetches cut short by a crash left half made. */
	dbcache_flush(v->cache, "", "", blob_in_use, v);
	if (statefile_read(TOKEN_FILE, &tok, VOLUNTEER_TOKEN_LEN + 1) == 0 &&
	    tok.len == VOLUNTEER_TOKEN_LEN)
		memcpy(v->token, tok.data, VOLUNTEER_TOKEN_LEN + 1);
	buf_free(&tok);
}

int
main(int argc, char **argv)
{
	static struct volunteer v;
	struct cli c = { .usage = usage, .help = help };
	struct sigaction sa;
	char *dir = NULL;

	ct_setprogname(argv[0]);
	v.databases = json_array();
	parse_args(&c, argc, argv, &v, &dir);

	/* The tasks, and this loop, yield to whatever the owner runs. */
	errno = 0;
	if (nice((int)v.nice) == -1 && errno != 0)
		ct_warnerr("cannot lower its priority");
	v.slots = xcalloc((size_t)v.nslots, sizeof *v.slots);
	enter_workdir(&v, dir);
	srand((unsigned)(getpid() ^ now_usec()));

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	serve(&v);
	json_decref(v.services);
	json_decref(v.databases);
	json_decref(v.options);
	free(v.slots);
	free(v.workdir_abs);
	close(v.cache);
	cli_end(&c);
	return 0;
}
