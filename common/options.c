/*
 * options.c: the checker of a job's options (options.h). A job's options
 * come from whoever submitted it; here they meet what a wrapper accepts.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "err.h"
#include "exitcodes.h"
#include "options.h"
#include "wrapper.h"

/* The characters of a value a command may take as an option's. */
#define PLAIN_CHARS CHARS_ALNUM "._+-"

bool
options_syntax_ok(int nopts, char *const *opts)
{
	int i;

	for (i = 0; i < nopts; i++)
		if (opts[i][0] == '=' || strchr(opts[i], '=') == NULL)
			return false;
	return true;
}

static const struct option_spec *
find_spec(const struct option_rules *rules, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < rules->nspecs; i++)
		if (strlen(rules->specs[i].key) == klen &&
		    memcmp(rules->specs[i].key, key, klen) == 0)
			return &rules->specs[i];
	return NULL;
}

/* Whether v, of n bytes (1 to the row's maxlen), has the row's shape. */
static bool
shape_ok(const struct option_spec *o, const char *v, size_t n)
{
	const char *p;
	char *end;
	double d;
	long l;

	switch (o->kind) {
	case OPT_PLAIN:
		return chars_only(v, PLAIN_CHARS, 1, n);
	case OPT_NUMBER:
		if (!chars_only(v, CHARS_DIGITS ".eE+-", 1, n))
			return false;
		errno = 0;
		d = strtod(v, &end);
		return errno == 0 && *end == '\0' && isfinite(d) && d > 0 &&
		    (o->max == 0 || d <= (double)o->max);
	case OPT_INT:
		if (!chars_only(v, CHARS_DIGITS "-", 1, n))
			return false;
		errno = 0;
		l = strtol(v, &end, 10);
		return errno == 0 && *end == '\0' && l >= o->min &&
		    l <= o->max;
	case OPT_WORD:
		return word_in(o->words, v);
	case OPT_LIST:
		return chars_only(v, CHARS_DIGITS ",", 1, n) && v[0] != ',' &&
		    v[n - 1] != ',';
	case OPT_RANGE:
		p = strchr(v, '-');
		return p != NULL && p > v && p[1] != '\0' &&
		    span_only(v, (size_t)(p - v), CHARS_DIGITS) &&
		    chars_only(p + 1, CHARS_DIGITS, 1, n);
	case OPT_PAIR:
		if (!chars_only(v, CHARS_DIGITS ",-", 1, n))
			return false;
		(void)strtol(v, &end, 10);
		if (*end != ',' || end == v)
			return false;
		p = end + 1;
		(void)strtol(p, &end, 10);
		return *end == '\0' && end != p;
	case OPT_TEXT:
		return chars_only(v, CHARS_ALNUM " ._-", 1, n);
	}
	return false;
}

static bool
value_ok(const struct option_spec *o, const char *v)
{
	size_t n = strlen(v);

	return n >= 1 && n <= o->maxlen && shape_ok(o, v, n);
}

/* Say what the row's kind takes. */
static void
explain_value(const struct option_spec *o, const char *key)
{
	switch (o->kind) {
	case OPT_PLAIN:
		ct_warn("option %s: a value must be 1 to %zu characters of "
		    "A-Z a-z 0-9 . _ + -", key, o->maxlen);
		break;
	case OPT_NUMBER:
		if (o->max == 0)
			ct_warn("option %s: a number greater than 0, such as "
			    "1e-10", key);
		else
			ct_warn("option %s: a number greater than 0 and at "
			    "most %ld, such as 1e-10", key, o->max);
		break;
	case OPT_INT:
		ct_warn("option %s: a whole number from %ld to %ld", key,
		    o->min, o->max);
		break;
	case OPT_WORD:
		ct_warn("option %s: one of %s", key, o->words);
		break;
	case OPT_LIST:
		ct_warn("option %s: whole numbers joined by commas, such as "
		    "9606,10090", key);
		break;
	case OPT_RANGE:
		ct_warn("option %s: START-END, such as 1-100", key);
		break;
	case OPT_PAIR:
		ct_warn("option %s: two whole numbers joined by a comma, such "
		    "as 1,-3", key);
		break;
	case OPT_TEXT:
		ct_warn("option %s: 1 to %zu of A-Z a-z 0-9 . _ - and blanks",
		    key, o->maxlen);
		break;
	}
}

/* Whether a and b set the same thing at the provider. */
static bool
same_target(const struct option_spec *a, const struct option_spec *b)
{
	if (a->field == NULL || b->field == NULL)
		return a == b;
	return strcmp(a->field, b->field) == 0;
}

/*
 * The earlier option out[0..k) that set what o sets, or NULL: with two,
 * the provider would take one of them, and not say which.
 */
static const struct job_option *
given_before(const struct job_option *out, int k, const struct option_spec *o)
{
	int i;

	for (i = 0; i < k; i++)
		if (same_target(out[i].spec, o))
			return &out[i];
	return NULL;
}

/* Check opt, key=value, into *out; 0 or EX_DATAERR after a message. */
static int
check_one(const struct option_rules *rules, const char *opt,
    struct job_option *out, int k)
{
	const char *eq = strchr(opt, '='), *v;
	const struct job_option *dup;
	size_t klen;
	char *key;
	int rc = EX_DATAERR;

	/* wrapper_verb refused what has no '='; a whole key is no harm. */
	klen = eq != NULL ? (size_t)(eq - opt) : strlen(opt);
	v = eq != NULL ? eq + 1 : "";
	key = wrapper_printable(opt, klen, 64);
	out[k].spec = find_spec(rules, opt, klen);
	out[k].value = v;
	if (out[k].spec == NULL)
		ct_warn("option %s %s", key, rules->unknown);
	else if (!value_ok(out[k].spec, v) && rules->bad_value != NULL)
		ct_warn("option %s: %s%s", key, rules->bad_value,
		    out[k].spec->field);
	else if (!value_ok(out[k].spec, v))
		explain_value(out[k].spec, key);
	else if (rules->once &&
	    (dup = given_before(out, k, out[k].spec)) != NULL) {
		if (dup->spec == out[k].spec)
			ct_warn("option %s given twice", key);
		else
			ct_warn("option %s: %s given twice", key,
			    out[k].spec->field);
	} else
		rc = 0;
	free(key);
	return rc;
}

int
options_check(const struct option_rules *rules, int nopts,
    char *const *opts, struct job_option *out)
{
	int k, rc = 0;

	for (k = 0; k < nopts && rc == 0; k++)
		rc = check_one(rules, opts[k], out, k);
	return rc;
}
