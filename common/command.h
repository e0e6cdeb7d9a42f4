/*
 * command.h: the command a server's parameters configure ("command",
 * "database", "database.NAME", "options"), expanded for one job, as the
 * wrappers that run it share it: local(8) on this host, sge(8) and
 * slurm(8) on a cluster. See cputorrent-local(8) for the rules.
 */
#ifndef CT_COMMAND_H
#define CT_COMMAND_H

#include <stddef.h>

/* The files of a job the placeholders name, in the job's directory. */
#define CMD_INPUT "input.fa"
#define CMD_OUTPUT "output"

/* A NULL-terminated list of words that own their strings. */
struct words {
	char **v;
	size_t n, cap;
};

void words_push(struct words *w, char *s);
void words_free(struct words *w);

/* Split s at blanks (spaces and tabs) onto w; there is no quoting. */
void split_blanks(const char *s, struct words *w);

/* 1 if w holds the word word[0..len). */
int has_word(const struct words *w, const char *word, size_t len);

/* "CT_PARAM_" + prefix + name, upper-cased, other bytes made '_'. */
char *param_variable(const char *prefix, const char *name);

/* The value of environment variable var, or NULL if unset or empty. */
const char *param(const char *var);

/* "dir/name", allocated. */
char *path_in(const char *dir, const char *name);

/* 0 if every option is key=value with a key; -1 otherwise. */
int check_option_syntax(int nopts, char **opts);

/*
 * The command line of parameter "command" for a job whose files are in
 * dir, with the job's options appended. Returns 0, argv filled (free it
 * with words_free) and *has_output set if the command writes {output}
 * itself; or after a message EX_CONFIG, EX_UNAVAILABLE or EX_DATAERR.
 */
int command_expand(const char *dir, int nopts, char **opts,
    struct words *argv, int *has_output);

#endif
