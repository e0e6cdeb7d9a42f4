/*
 * email.c: an email address a service could write to (email.h).
 */
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "email.h"

/* A label of a domain name: letters, digits, inner hyphens. */
static bool
label_ok(const char *s, size_t n)
{
	return n >= 1 && n <= 63 && s[0] != '-' && s[n - 1] != '-' &&
	    span_only(s, n, CHARS_ALNUM "-");
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcasecmp(s + n - t, tail) == 0 &&
	    (n == t || s[n - t - 1] == '.');
}

bool
email_ok(const char *e, const char **why)
{
	const char *at = strchr(e, '@'), *d, *dot;
	size_t n = strlen(e);

	*why = "not of the form name@domain";
	if (n > 254 || at == NULL || at == e || at - e > 64 ||
	    strchr(at + 1, '@') != NULL)
		return false;
	if (!span_only(e, (size_t)(at - e), CHARS_ALNUM
	    "!#$%&'*+/=?^_`{|}~.-") || e[0] == '.' || at[-1] == '.')
		return false;
	d = at + 1;
	if (strchr(d, '.') == NULL)
		return false;
	for (; (dot = strchr(d, '.')) != NULL; d = dot + 1)
		if (!label_ok(d, (size_t)(dot - d)))
			return false;
	if (!label_ok(d, strlen(d)))
		return false;
	*why = "a placeholder (example.com and the like): put yours";
	return !(ends_with(at + 1, "example.com") ||
	    ends_with(at + 1, "example.net") ||
	    ends_with(at + 1, "example.org") ||
	    ends_with(at + 1, "example") || ends_with(at + 1, "invalid") ||
	    ends_with(at + 1, "localhost"));
}
