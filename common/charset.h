/*
 * charset.h: whether a string is made only of the characters a name, an
 * id or a value may have, the check every wrapper makes before a string
 * reaches a server, a command line or a script. Nothing here prints.
 */
#ifndef CT_CHARSET_H
#define CT_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#define CHARS_DIGITS "0123456789"
/* Letters and digits, the core of every set. */
#define CHARS_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"abcdefghijklmnopqrstuvwxyz" CHARS_DIGITS

/* Whether s is min to max bytes long, each one of the characters set. */
bool chars_only(const char *s, const char *set, size_t min, size_t max);

/* Whether s[0..n) are all of the characters set (n may be 0). */
bool span_only(const char *s, size_t n, const char *set);

/* Whether word is one of the blank-separated words of list. */
bool word_in(const char *list, const char *word);

#endif
