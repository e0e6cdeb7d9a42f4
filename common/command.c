/*
 * command.c: the command a server's parameters configure, as local(8),
 * sge(8) and slurm(8) run it: words split at blanks (never a shell), the
 * placeholders {input}, {output} and {database} replaced, and the job's
 * options the server allows appended as "-key value".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "contract.h"
#include "err.h"
#include "exitcodes.h"
#include "options.h"
#include "util.h"
#include "wrapper.h"

/* The contract's PATH, should the environment have none. */
#define CONTRACT_PATH "/usr/local/bin:/usr/bin:/bin"

/* Job option values: 1 to this many of [A-Za-z0-9._+-]. */
#define MAX_VALUE 64

/*
 * The database path for {database} in *path, NULL when there is none.
 * A job that names a database this server does not offer cannot run
 * here at all, whether or not the command says {database}. Returns 0, or
 * after a message EX_UNAVAILABLE.
 */
static int
database_path(int needed, const char **path)
{
	const char *name = getenv("CT_DATABASE");
	char *var, *shown;

	if (name != NULL && *name != '\0') {
		var = contract_param_var("database.", name);
		*path = env_nonempty(var);
		free(var);
		if (*path != NULL)
			return 0;
		shown = wrapper_printable(name, strlen(name), 255);
		ct_warn("database %s is not offered by this server", shown);
		free(shown);
		return EX_UNAVAILABLE;
	}
	*path = env_nonempty("CT_PARAM_DATABASE");
	if (needed && *path == NULL) {
		ct_warn("the job names no database and this server has no "
		    "default one (parameter database)");
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* Replace the placeholder words; anything else is taken literally. */
static char *
substitute(const char *word, const char *workdir, const char *database)
{
	if (strcmp(word, "{input}") == 0)
		return path_join(workdir, CMD_INPUT);
	if (strcmp(word, "{output}") == 0)
		return path_join(workdir, CMD_OUTPUT);
	if (strcmp(word, "{database}") == 0)
		return xstrdup(database);
	return xstrdup(word);
}

/*
 * Append the job's options as "-key" "value". Only keys the server lists
 * pass, and only plain values: the command is not a shell, but a value
 * like "/etc/passwd" could still name a file to a program's option.
 * Returns 0, or after a message EX_DATAERR.
 */
static int
add_options(struct strvec *argv, int nopts, char **opts)
{
	const char *server = getenv("CT_SERVER");
	const char *allow = getenv("CT_PARAM_OPTIONS");
	struct strvec allowed = STRVEC_INIT;
	struct option_spec *specs;
	struct job_option *given;
	struct buf unknown = { NULL, 0, 0 };
	size_t i;
	int k, rc;

	strvec_split_blanks(&allowed, allow != NULL ? allow : "");
	specs = xcalloc(allowed.n + 1, sizeof *specs);
	for (i = 0; i < allowed.n; i++)
		specs[i] = (struct option_spec){ .key = allowed.v[i],
		    .field = allowed.v[i], .kind = OPT_PLAIN,
		    .maxlen = MAX_VALUE };
	buf_appendf(&unknown, "is not allowed by server %s",
	    server != NULL ? server : "(unnamed)");
	given = xcalloc((size_t)nopts + 1, sizeof *given);
	rc = options_check(&(struct option_rules){ .specs = specs,
	    .nspecs = allowed.n, .unknown = unknown.data }, nopts, opts,
	    given);
	for (k = 0; k < nopts && rc == 0; k++) {
		strvec_pushf(argv, "-%s", given[k].spec->key);
		strvec_push(argv, given[k].value);
	}
	free(given);
	buf_free(&unknown);
	free(specs);
	strvec_free(&allowed);
	return rc;
}


/*
 * The command line of parameter "command" for a job whose files are in
 * dir, with the job's options. Returns 0 and fills argv (which the caller
 * frees with strvec_free) and *has_output, or after a message the exit
 * status: EX_CONFIG, EX_UNAVAILABLE or EX_DATAERR; argv is then empty.
 */
int
command_expand(const char *dir, int nopts, char **opts, struct strvec *argv,
    int *has_output)
{
	struct strvec raw = { NULL, 0, 0 };
	const char *command = env_nonempty("CT_PARAM_COMMAND"), *database;
	size_t i;
	int rc;

	memset(argv, 0, sizeof *argv);
	*has_output = 0;
	if (command == NULL) {
		ct_warn("parameter command is not set");
		return EX_CONFIG;
	}
	strvec_split_blanks(&raw, command);
	if (raw.n == 0) {
		ct_warn("parameter command has no words");
		strvec_free(&raw);
		return EX_CONFIG;
	}
	rc = database_path(strvec_has(&raw, "{database}", 10), &database);
	if (rc == 0) {
		*has_output = strvec_has(&raw, "{output}", 8);
		for (i = 0; i < raw.n; i++)
			strvec_push_owned(argv, substitute(raw.v[i], dir, database));
		rc = add_options(argv, nopts, opts);
	}
	strvec_free(&raw);
	if (rc != 0)
		strvec_free(argv);
	return rc;
}

static int
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/*
 * Found now, so that a wrong registry shows at submit (78), or at check,
 * instead of as a failed job at poll.
 */
int
command_find(const char *name, const char *path, char **resolved)
{
	return command_find_as("parameter command", name, path, resolved);
}

int
command_find_as(const char *what, const char *name, const char *path,
    char **resolved)
{
	const char *p, *colon;
	char *shown, *full;
	size_t dlen, n;

	*resolved = NULL;
	if (path == NULL || *path == '\0')
		path = CONTRACT_PATH;
	if (name[0] == '/') {
		if (is_executable(name))
			*resolved = xstrdup(name);
	} else if (strchr(name, '/') == NULL) {
		for (p = path; *resolved == NULL; p = colon + 1) {
			colon = strchr(p, ':');
			dlen = colon ? (size_t)(colon - p) : strlen(p);
			if (dlen > 0 && p[0] == '/') {
				n = dlen + strlen(name) + 2;
				full = xmalloc(n);
				snprintf(full, n, "%.*s/%s", (int)dlen, p,
				    name);
				if (is_executable(full))
					*resolved = full;
				else
					free(full);
			}
			if (colon == NULL)
				break;
		}
	}
	if (*resolved != NULL)
		return 0;
	shown = wrapper_printable(name, strlen(name), 200);
	if (name[0] == '/')
		ct_warn("%s: %s: not an executable file", what, shown);
	else if (strchr(name, '/') != NULL)
		ct_warn("%s: %s: a relative path; give a name found in PATH "
		    "or an absolute path", what, shown);
	else
		ct_warn("%s: %s: no executable of that name in PATH (%s)",
		    what, shown, path);
	free(shown);
	return EX_CONFIG;
}
