/*
 * strvec.h: a NULL-terminated vector of strings it owns, the one type for
 * every argv and environment a program builds (git's strvec).
 *
 * Errors: nothing here prints or fails; running out of memory exits
 * through xmalloc (util.h).
 */
#ifndef CT_STRVEC_H
#define CT_STRVEC_H

#include <stdbool.h>
#include <stddef.h>

struct strvec {
	char **v;		/* v[n] is NULL once anything is pushed */
	size_t n, cap;
};

#define STRVEC_INIT { NULL, 0, 0 }

/* Append a copy of s. */
void strvec_push(struct strvec *sv, const char *s);

/* Append s itself, which must be allocated: the vector frees it. */
void strvec_push_owned(struct strvec *sv, char *s);

/* Append the formatted string. */
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append the words of s split at blanks (spaces, tabs); no quoting. */
void strvec_split_blanks(struct strvec *sv, const char *s);

/* True if sv holds the word word[0..len). */
bool strvec_has(const struct strvec *sv, const char *word, size_t len);

/* The NULL-terminated vector, never NULL (empty: { NULL }). */
char **strvec_vector(struct strvec *sv);

void strvec_free(struct strvec *sv);

#endif
