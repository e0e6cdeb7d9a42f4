/*
 * strvec.c: vectors of owned strings (strvec.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strvec.h"
#include "util.h"

void
strvec_push_owned(struct strvec *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_owned(sv, xstrdup(s));
}

void
strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct buf b = { NULL, 0, 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(&b, n > 0 ? (size_t)n : 0);
	va_start(ap, fmt);
	vsnprintf(b.data, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	strvec_push_owned(sv, b.data);
}

void
strvec_split_blanks(struct strvec *sv, const char *s)
{
	size_t len;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		strvec_push_owned(sv, xstrndup(s, len));
		s += len;
	}
}

bool
strvec_has(const struct strvec *sv, const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strlen(sv->v[i]) == len && memcmp(sv->v[i], word, len) == 0)
			return true;
	return false;
}

char **
strvec_vector(struct strvec *sv)
{
	if (sv->v == NULL) {
		sv->cap = 8;
		sv->v = xcalloc(sv->cap, sizeof *sv->v);
	}
	return sv->v;
}

void
strvec_free(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}
