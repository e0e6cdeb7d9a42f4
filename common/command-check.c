/*
 * command-check.c: the check verb's part for the configured command
 * (command.h), as local(8), sge(8) and slurm(8) share it: the command's
 * program and the BLAST databases the parameters name, looked for on
 * this host, as the wrapper's user.
 *
 * A BLAST database is several files named by one path prefix: an alias
 * file (PREFIX.pal, protein; PREFIX.nal, nucleotide), which every
 * database of more than one volume has, or the index of a single volume
 * (PREFIX.pin, PREFIX.nin). One of the four, readable, is the database.
 * That costs a stat(2) or two a database, where blastdbcmd -info would
 * cost a process and a read of every volume's header; and blastdbcmd
 * may not be on this host at all when the command runs on a cluster.
 * A readable regular file at the path itself is a database too: the
 * FASTA file of ct-ssearch(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "contract.h"
#include "err.h"
#include "strvec.h"
#include "util.h"
#include "wrapper.h"

extern char **environ;

/* What names the parameters database and database.NAME. */
#define DB_VAR "CT_PARAM_DATABASE"

static const char *const db_files[] = { ".pal", ".pin", ".nal", ".nin" };

/*
 * Whether the BLAST database prefix (or FASTA file) is there and
 * readable: 0; or after a message about parameter name, 1.
 */
static unsigned
database_check(const char *name, const char *prefix)
{
	char *shown = wrapper_printable(prefix, strlen(prefix), 200), *f;
	size_t i, n = strlen(prefix) + 5;
	int denied = 0, found = 0;
	struct stat st;

	if (prefix[0] != '/') {
		ct_warn("parameter %s: %s is not an absolute path (the command "
		    "runs in the job's own directory)", name, shown);
		free(shown);
		return 1;
	}
	if (stat(prefix, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(prefix, R_OK) == 0)
		found = 1;
	f = xmalloc(n);
	for (i = 0; i < sizeof db_files / sizeof db_files[0] && !found; i++) {
		snprintf(f, n, "%s%s", prefix, db_files[i]);
		if (access(f, R_OK) == 0)
			found = 1;
		else if (errno == EACCES)
			denied = 1;
	}
	if (!found && denied)
		ct_warn("parameter %s: %s: the BLAST database cannot be read "
		    "by this user", name, shown);
	else if (!found)
		ct_warn("parameter %s: %s: no BLAST database there (no "
		    "%s.pal, .pin, .nal or .nin)", name, shown, shown);
	free(f);
	free(shown);
	return found ? 0 : 1;
}

/*
 * Each database parameter's name and value, from the environment: the
 * name as "database.NAME", NAME in lower case, since the environment
 * keeps only its CT_PARAM_ form (contract.h).
 */
static unsigned
databases_check(void)
{
	size_t len = strlen(DB_VAR), i, k, m;
	unsigned problems = 0;
	const char *var, *eq;
	char *name;

	for (i = 0; environ[i] != NULL; i++) {
		var = environ[i];
		if (strncmp(var, DB_VAR, len) != 0 ||
		    (eq = strchr(var, '=')) == NULL || eq[1] == '\0')
			continue;
		if (var + len == eq)
			name = xstrdup("database");
		else if (var[len] == '_' && var + len + 1 < eq) {
			m = (size_t)(eq - (var + len + 1));
			name = xmalloc(sizeof "database." + m);
			snprintf(name, sizeof "database." + m, "database.%.*s",
			    (int)m, var + len + 1);
			for (k = sizeof "database." - 1; name[k] != '\0'; k++)
				if (name[k] >= 'A' && name[k] <= 'Z')
					name[k] = (char)(name[k] - 'A' + 'a');
		} else
			continue;
		problems += database_check(name, eq + 1);
		free(name);
	}
	return problems;
}

unsigned
command_check(const char *path)
{
	const char *command = env_nonempty("CT_PARAM_COMMAND");
	struct strvec words = STRVEC_INIT;
	unsigned problems = 0;
	char *program;

	if (command == NULL) {
		ct_warn("parameter command is not set");
		problems++;
	} else {
		strvec_split_blanks(&words, command);
		if (words.n == 0) {
			ct_warn("parameter command has no words");
			problems++;
		} else if (command_find(words.v[0], path, &program) != 0)
			problems++;
		else
			free(program);
		strvec_free(&words);
	}
	return problems + databases_check();
}
