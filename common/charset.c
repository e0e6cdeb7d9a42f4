/*
 * charset.c: the character checks of names, ids and values (charset.h).
 */
#include <string.h>

#include "charset.h"

bool
chars_only(const char *s, const char *set, size_t min, size_t max)
{
	size_t n = strspn(s, set);

	return n >= min && n <= max && s[n] == '\0';
}

bool
span_only(const char *s, size_t n, const char *set)
{
	size_t i;

	/* Not strspn: s[0..n) need not end with a NUL. */
	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

bool
word_in(const char *list, const char *word)
{
	size_t wlen = strlen(word), n;

	for (;;) {
		list += strspn(list, " \t");
		if (*list == '\0')
			return false;
		n = strcspn(list, " \t");
		if (n == wlen && memcmp(list, word, n) == 0)
			return true;
		list += n;
	}
}
