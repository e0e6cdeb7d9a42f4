/*
 * job.c: formatting and parsing job records. The parser trusts nothing:
 * lengths are checked before use, numbers are range-checked, and a record
 * that is short, long, or without its end marker is refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "job.h"

#define MAX_FIELD_LINE 65536

static const char *const state_names[JOB_NSTATES] = {
	"New", "Processing", "Completed", "Failed",
};

const char *
job_state_name(enum job_state s)
{
	return (unsigned)s < JOB_NSTATES ? state_names[s] : "?";
}

const char *
job_failure_reason(const struct job *j)
{
	if (j->nevents == 0 || j->events[j->nevents - 1].text[0] == '\0')
		return "no reason recorded";
	return j->events[j->nevents - 1].text;
}

int64_t
job_end_usec(const struct job *j)
{
	size_t i;

	for (i = 0; i < j->nevents; i++)
		if (j->events[i].state == JOB_COMPLETED ||
		    j->events[i].state == JOB_FAILED)
			return j->events[i].usec;
	return 0;
}

int
job_state_exit(enum job_state s)
{
	static const int code[JOB_NSTATES] = {
		[JOB_NEW] = CT_EXIT_NEW,
		[JOB_PROCESSING] = CT_EXIT_PROCESSING,
		[JOB_COMPLETED] = CT_EXIT_COMPLETED,
		[JOB_FAILED] = CT_EXIT_FAILED,
	};

	return (unsigned)s < JOB_NSTATES ? code[s] : EX_SOFTWARE;
}

void
job_add_event(struct job *j, int64_t usec, enum job_state s, const char *text)
{
	struct job_event *e;

	j->events = xrealloc(j->events, (j->nevents + 1) * sizeof *j->events);
	e = &j->events[j->nevents++];
	e->usec = usec;
	e->state = s;
	e->text = xstrdup(text);
}

void
job_add_tried(struct job *j, const char *server, const char *why)
{
	j->tried = xrealloc(j->tried, (j->ntried + 1) * sizeof *j->tried);
	j->tried_why = xrealloc(j->tried_why,
	    (j->ntried + 1) * sizeof *j->tried_why);
	j->tried[j->ntried] = xstrdup(server);
	j->tried_why[j->ntried++] = why != NULL ? xstrdup(why) : NULL;
}

bool
job_tried(const struct job *j, const char *server)
{
	size_t i;

	for (i = 0; i < j->ntried; i++)
		if (strcmp(j->tried[i], server) == 0)
			return true;
	return false;
}

void
job_set(char **field, const char *s)
{
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

#define SWAP(type, a, b) do { type t_ = (a); (a) = (b); (b) = t_; } while (0)

void
job_swap_hedge(struct job *j)
{
	struct job_hedge *h = &j->hedge;

	SWAP(char *, j->provider, h->provider);
	SWAP(char *, j->handle, h->handle);
	SWAP(unsigned, j->attempts, h->attempt);
	SWAP(bool, j->submitting, h->submitting);
	SWAP(int64_t, j->attempt_usec, h->attempt_usec);
	SWAP(int64_t, j->next_usec, h->next_usec);
	SWAP(unsigned, j->retries, h->retries);
	SWAP(bool, j->ready, h->ready);
}

void
job_end_hedge(struct job *j)
{
	unsigned number = job_next_attempt(j) - 1;

	job_set(&j->hedge.provider, NULL);
	job_set(&j->hedge.handle, NULL);
	memset(&j->hedge, 0, sizeof j->hedge);
	j->hedge.attempt = number;
}

unsigned
job_next_attempt(const struct job *j)
{
	return (j->attempts > j->hedge.attempt ? j->attempts :
	    j->hedge.attempt) + 1;
}

void
job_add_option(struct job *j, const char *keyvalue)
{
	j->options = xrealloc(j->options,
	    (j->noptions + 1) * sizeof *j->options);
	j->options[j->noptions++] = xstrdup(keyvalue);
}

static void
make_printable(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s == '\t')
			*s = ' ';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/*
 * Call fn on every string a job owns: the one list of them, so that a
 * field added to struct job is freed and made printable alike.
 */
static void
each_string(struct job *j, void (*fn)(char *))
{
	size_t i;

	fn(j->service);
	fn(j->database);
	fn(j->name);
	fn(j->batch);
	fn(j->provider);
	fn(j->handle);
	fn(j->hedge.provider);
	fn(j->hedge.handle);
	for (i = 0; i < j->ntried; i++) {
		fn(j->tried[i]);
		fn(j->tried_why[i]);
	}
	for (i = 0; i < j->noptions; i++)
		fn(j->options[i]);
	for (i = 0; i < j->nevents; i++)
		fn(j->events[i].text);
}

void
job_make_printable(struct job *j)
{
	each_string(j, make_printable);
}

static void
free_string(char *s)
{
	free(s);
}

void
job_free(struct job *j)
{
	each_string(j, free_string);
	free(j->tried);
	free(j->tried_why);
	free(j->options);
	free(j->events);
	free(j->input);
	memset(j, 0, sizeof *j);
}

void
job_escape(struct buf *out, const char *s)
{
	const unsigned char *c;
	const char *run = s;

	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c >= 0x20 && *c != 0x7f && *c != '\\')
			continue;
		buf_append(out, run, (size_t)((const char *)c - run));
		if (*c == '\\')
			buf_append(out, "\\\\", 2);
		else if (*c == '\n')
			buf_append(out, "\\n", 2);
		else if (*c == '\t')
			buf_append(out, "\\t", 2);
		else
			buf_appendf(out, "\\x%02x", *c);
		run = (const char *)c + 1;
	}
	buf_append(out, run, strlen(run));
}

static void
format_time(struct buf *out, const char *key, int64_t usec)
{
	buf_appendf(out, "%s %" PRId64 ".%06" PRId64, key, usec / 1000000,
	    usec % 1000000);
}

/* "key value\n", value escaped; nothing if value is NULL. */
static void
format_text_line(struct buf *out, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_appendf(out, "%s ", key);
	job_escape(out, value);
	buf_append(out, "\n", 1);
}

/* "key SECONDS.USEC\n"; nothing if usec is 0 (not set). */
static void
format_time_line(struct buf *out, const char *key, int64_t usec)
{
	if (usec == 0)
		return;
	format_time(out, key, usec);
	buf_append(out, "\n", 1);
}

/* The second attempt's lines; only its number once it is over. */
static void
format_hedge(struct buf *out, const struct job_hedge *h)
{
	if (h->attempt != 0)
		buf_appendf(out, "hedge-attempt %u\n", h->attempt);
	if (h->provider == NULL)
		return;
	format_text_line(out, "hedge-provider", h->provider);
	format_text_line(out, "hedge-handle", h->handle);
	if (h->submitting)
		buf_append(out, "hedge-submitting 1\n", 19);
	format_time_line(out, "hedge-start", h->attempt_usec);
	format_time_line(out, "hedge-next", h->next_usec);
	if (h->retries != 0)
		buf_appendf(out, "hedge-retries %u\n", h->retries);
	if (h->ready)
		buf_append(out, "hedge-ready 1\n", 14);
}

void
job_format(const struct job *j, const char *input, size_t input_len,
    struct buf *out)
{
	size_t i;

	buf_appendf(out, "cputorrent-job %d\nid %s\nowner %lu\n",
	    JOB_FORMAT_VERSION, j->id, (unsigned long)j->owner);
	format_text_line(out, "service", j->service);
	format_text_line(out, "database", j->database);
	format_time(out, "submitted", j->submitted_usec);
	buf_append(out, "\n", 1);
	format_text_line(out, "name", j->name);
	format_text_line(out, "batch", j->batch);
	if (j->within_sec != 0)
		buf_appendf(out, "within %lld\n", (long long)j->within_sec);
	for (i = 0; i < j->noptions; i++)
		format_text_line(out, "option", j->options[i]);
	format_text_line(out, "provider", j->provider);
	format_time_line(out, "deadline", j->deadline_usec);
	format_text_line(out, "handle", j->handle);
	if (j->attempts != 0)
		buf_appendf(out, "attempts %u\n", j->attempts);
	if (j->submitting)
		buf_append(out, "submitting 1\n", 13);
	format_time_line(out, "attempt", j->attempt_usec);
	format_time_line(out, "next", j->next_usec);
	if (j->retries != 0)
		buf_appendf(out, "retries %u\n", j->retries);
	if (j->ready)
		buf_append(out, "ready 1\n", 8);
	format_hedge(out, &j->hedge);
	for (i = 0; i < j->ntried; i++) {
		format_text_line(out, "tried", j->tried[i]);
		format_text_line(out, "tried-why", j->tried_why[i]);
	}
	for (i = 0; i < j->nevents; i++) {
		format_time(out, "event", j->events[i].usec);
		buf_appendf(out, " %d ", (int)j->events[i].state);
		job_escape(out, j->events[i].text);
		buf_append(out, "\n", 1);
	}
	buf_appendf(out, "input %zu\n", input_len);
	buf_append(out, input, input_len);
	buf_append(out, JOB_END_MARKER, JOB_END_MARKER_LEN);
}

static unsigned
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	return 16;
}

/* Undo job_escape. Returns NULL if the escapes are malformed. */
static char *
unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned hi, lo;

		if (s[i] != '\\') {
			*o++ = s[i];
			continue;
		}
		if (++i >= n)
			goto bad;
		switch (s[i]) {
		case '\\': *o++ = '\\'; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'x':
			if (i + 2 >= n || (hi = hexval(s[i + 1])) > 15 ||
			    (lo = hexval(s[i + 2])) > 15)
				goto bad;
			if (hi == 0 && lo == 0)
				goto bad;	/* NUL would cut the string */
			*o++ = (char)(hi << 4 | lo);
			i += 2;
			break;
		default:
			goto bad;
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* Parse "SECS.USEC" in full; -1 if it is anything else. */
static int
parse_time(const char *s, size_t n, int64_t *out)
{
	int64_t secs = 0, usec = 0;
	size_t i = 0, digits;

	for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (digits >= 12)
			return -1;
		secs = secs * 10 + (s[i] - '0');
	}
	if (digits == 0 || i >= n || s[i] != '.')
		return -1;
	for (i++, digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
	    i++, digits++) {
		if (digits >= 6)
			return -1;	/* before the sum can overflow */
		usec = usec * 10 + (s[i] - '0');
	}
	if (digits != 6 || i != n)
		return -1;
	*out = secs * 1000000 + usec;
	return 0;
}

/* Parse a decimal number below limit, in full. */
static int
parse_number(const char *s, size_t n, uint64_t limit, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= limit)
		return -1;
	*out = v;
	return 0;
}

static int
fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "line %zu: ", line);
	if (n < 0 || (size_t)n >= errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
key_is(const char *line, size_t keylen, const char *key)
{
	return strlen(key) == keylen && memcmp(line, key, keylen) == 0;
}

/* Where job_parse is in the record, and what it has seen. */
struct parser {
	const char *data;
	size_t len, pos, line;
	bool have_id, have_owner, have_submitted, have_input;
	char *err;
	size_t errlen;
};

/* One "key value" line of the record. */
struct field {
	const char *key, *v;
	size_t keylen, vlen;
};

/* The next line, split into key and value: 0, or -1 after fail(). */
static int
next_field(struct parser *p, struct field *f)
{
	const char *l = p->data + p->pos, *nl, *sp;
	size_t ll;

	p->line++;
	if ((nl = memchr(l, '\n', p->len - p->pos)) == NULL)
		return fail(p->err, p->errlen, p->line, "truncated record");
	ll = (size_t)(nl - l);
	p->pos += ll + 1;
	if (ll > MAX_FIELD_LINE || memchr(l, '\0', ll) != NULL)
		return fail(p->err, p->errlen, p->line, "malformed field");
	if ((sp = memchr(l, ' ', ll)) == NULL)
		return fail(p->err, p->errlen, p->line,
		    "field without a value");
	f->key = l;
	f->keylen = (size_t)(sp - l);
	f->v = sp + 1;
	f->vlen = ll - f->keylen - 1;
	return 0;
}

/* The first line: "cputorrent-job VERSION". */
static int
check_magic(struct parser *p, const struct field *f)
{
	if (key_is(f->key, f->keylen, "cputorrent-job") && f->vlen == 1 &&
	    f->v[0] == '0' + JOB_FORMAT_VERSION)
		return 0;
	return fail(p->err, p->errlen, p->line,
	    "not a cputorrent job record of version %d", JOB_FORMAT_VERSION);
}

/*
 * Append an unescaped copy of v to a list of strings; with must_have, the
 * copy must hold that character. Returns 0, or -1.
 */
static int
append_unescaped(char ***list, size_t *n, const char *v, size_t vlen,
    int must_have)
{
	char *s = unescape(v, vlen);

	if (s == NULL || (must_have != 0 && strchr(s, must_have) == NULL)) {
		free(s);
		return -1;
	}
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = s;
	return 0;
}

/* "event SECONDS.USEC STATE [TEXT]": 0, or -1 if malformed. */
static int
parse_event(struct job *j, const char *v, size_t vlen)
{
	const char *s1 = memchr(v, ' ', vlen), *s2, *end = v + vlen;
	int64_t usec;
	char *text;

	if (s1 == NULL || parse_time(v, (size_t)(s1 - v), &usec) != 0)
		return -1;
	s2 = s1 + 2;
	if (s2 > end || s1[1] < '0' || s1[1] >= '0' + JOB_NSTATES ||
	    (s2 < end && *s2 != ' '))
		return -1;
	if (s2 < end)
		s2++;
	if ((text = unescape(s2, (size_t)(end - s2))) == NULL)
		return -1;
	j->events = xrealloc(j->events, (j->nevents + 1) * sizeof *j->events);
	j->events[j->nevents].usec = usec;
	j->events[j->nevents].state = (enum job_state)(s1[1] - '0');
	j->events[j->nevents++].text = text;
	return 0;
}

/*
 * What the submitter asked for besides the work (name, batch, within),
 * each at most once and checked as ct-submit checks it. Returns 1 if f
 * was one of them, 0 if not, -1 if its value is malformed.
 */
static int
parse_asked(struct job *j, const struct field *f)
{
	uint64_t num;

	if (key_is(f->key, f->keylen, "name")) {
		if (j->name != NULL || f->vlen > JOBNAME_MAX)
			return -1;
		j->name = xstrndup(f->v, f->vlen);
		return jobname_valid(j->name) ? 1 : -1;
	}
	if (key_is(f->key, f->keylen, "batch")) {
		if (j->batch != NULL || f->vlen > JOBID_MAX)
			return -1;
		j->batch = xstrndup(f->v, f->vlen);
		return jobid_valid(j->batch) ? 1 : -1;
	}
	if (key_is(f->key, f->keylen, "within")) {
		if (j->within_sec != 0 || parse_number(f->v, f->vlen,
		    JOB_WITHIN_MAX + 1, &num) != 0 || num == 0)
			return -1;
		j->within_sec = (int64_t)num;
		return 1;
	}
	return 0;
}

/*
 * The fields every job has from its submission, each at most once.
 * Returns 1 if f was one of them, 0 if not, -1 if its value is malformed.
 */
static int
parse_identity(struct parser *p, struct job *j, const struct field *f)
{
	uint64_t num;

	if (key_is(f->key, f->keylen, "id")) {
		if (f->vlen > JOBID_MAX || p->have_id)
			return -1;
		memcpy(j->id, f->v, f->vlen);
		j->id[f->vlen] = '\0';
		p->have_id = true;
		return jobid_valid(j->id) ? 1 : -1;
	}
	if (key_is(f->key, f->keylen, "owner")) {
		if (p->have_owner ||
		    parse_number(f->v, f->vlen, (uid_t)-1, &num) != 0)
			return -1;
		j->owner = (uid_t)num;
		p->have_owner = true;
		return 1;
	}
	if (key_is(f->key, f->keylen, "submitted")) {
		if (p->have_submitted ||
		    parse_time(f->v, f->vlen, &j->submitted_usec) != 0)
			return -1;
		p->have_submitted = true;
		return 1;
	}
	if (key_is(f->key, f->keylen, "service"))
		return j->service == NULL &&
		    (j->service = unescape(f->v, f->vlen)) != NULL ? 1 : -1;
	if (key_is(f->key, f->keylen, "database"))
		return j->database == NULL &&
		    (j->database = unescape(f->v, f->vlen)) != NULL ? 1 : -1;
	return parse_asked(j, f);
}

/* The time field named by f, or NULL. */
static int64_t *
time_field(struct job *j, const struct field *f)
{
	if (key_is(f->key, f->keylen, "deadline"))
		return &j->deadline_usec;
	if (key_is(f->key, f->keylen, "attempt"))
		return &j->attempt_usec;
	if (key_is(f->key, f->keylen, "next"))
		return &j->next_usec;
	if (key_is(f->key, f->keylen, "hedge-start"))
		return &j->hedge.attempt_usec;
	if (key_is(f->key, f->keylen, "hedge-next"))
		return &j->hedge.next_usec;
	return NULL;
}

/* The text field named by f that a later line replaces, or NULL. */
static char **
text_field(struct job *j, const struct field *f)
{
	if (key_is(f->key, f->keylen, "provider"))
		return &j->provider;
	if (key_is(f->key, f->keylen, "handle"))
		return &j->handle;
	if (key_is(f->key, f->keylen, "hedge-provider"))
		return &j->hedge.provider;
	if (key_is(f->key, f->keylen, "hedge-handle"))
		return &j->hedge.handle;
	return NULL;
}

/*
 * The second attempt's numbers and flags (its times and texts are
 * time_field's and text_field's). Returns 1 if f was one of them, 0 if
 * not, -1 if its value is malformed.
 */
static int
parse_hedge_number(struct job *j, const struct field *f)
{
	static const struct {
		const char *key;
		uint64_t limit;
	} keys[] = { { "hedge-attempt", 1000000 }, { "hedge-retries", 1000000 },
	    { "hedge-submitting", 2 }, { "hedge-ready", 2 } };
	uint64_t num;
	size_t k;

	for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (key_is(f->key, f->keylen, keys[k].key))
			break;
	if (k == sizeof keys / sizeof keys[0])
		return 0;
	if (parse_number(f->v, f->vlen, keys[k].limit, &num) != 0)
		return -1;
	if (k == 0)
		j->hedge.attempt = (unsigned)num;
	else if (k == 1)
		j->hedge.retries = (unsigned)num;
	else if (k == 2)
		j->hedge.submitting = num == 1;
	else
		j->hedge.ready = num == 1;
	return 1;
}

/*
 * What ct-dispatch keeps between passes, and the lists. Returns 1 if f
 * was one of them, 0 if not, -1 if its value is malformed.
 */
static int
parse_progress(struct job *j, const struct field *f)
{
	int64_t *t = time_field(j, f);
	char **text = text_field(j, f);
	char *s;
	uint64_t num;
	int rc;

	if (t != NULL)
		return parse_time(f->v, f->vlen, t) == 0 ? 1 : -1;
	if (text != NULL) {
		free(*text);
		return (*text = unescape(f->v, f->vlen)) != NULL ? 1 : -1;
	}
	if (key_is(f->key, f->keylen, "retries")) {
		if (parse_number(f->v, f->vlen, 1000000, &num) != 0)
			return -1;
		j->retries = (unsigned)num;
		return 1;
	}
	if (key_is(f->key, f->keylen, "ready")) {
		if (parse_number(f->v, f->vlen, 2, &num) != 0)
			return -1;
		j->ready = num == 1;
		return 1;
	}
	if (key_is(f->key, f->keylen, "attempts")) {
		if (parse_number(f->v, f->vlen, 1000000, &num) != 0)
			return -1;
		j->attempts = (unsigned)num;
		return 1;
	}
	if (key_is(f->key, f->keylen, "submitting")) {
		if (parse_number(f->v, f->vlen, 2, &num) != 0)
			return -1;
		j->submitting = num == 1;
		return 1;
	}
	if ((rc = parse_hedge_number(j, f)) != 0)
		return rc;
	if (key_is(f->key, f->keylen, "tried")) {
		if ((s = unescape(f->v, f->vlen)) == NULL)
			return -1;
		job_add_tried(j, s, NULL);
		free(s);
		return 1;
	}
	/* Why the server of the tried line before it failed the job. */
	if (key_is(f->key, f->keylen, "tried-why")) {
		if (j->ntried == 0 || j->tried_why[j->ntried - 1] != NULL)
			return -1;
		j->tried_why[j->ntried - 1] = unescape(f->v, f->vlen);
		return j->tried_why[j->ntried - 1] != NULL ? 1 : -1;
	}
	if (key_is(f->key, f->keylen, "option"))
		return append_unescaped(&j->options, &j->noptions, f->v,
		    f->vlen, '=') == 0 ? 1 : -1;
	if (key_is(f->key, f->keylen, "event"))
		return parse_event(j, f->v, f->vlen) == 0 ? 1 : -1;
	return 0;
}

/* One field after the first line: 0, or -1 after fail(). */
static int
parse_field(struct parser *p, struct job *j, const struct field *f)
{
	uint64_t num;
	int rc;

	if (key_is(f->key, f->keylen, "input")) {
		if (parse_number(f->v, f->vlen, SIZE_MAX / 2, &num) != 0)
			return fail(p->err, p->errlen, p->line,
			    "malformed value");
		j->input_len = (size_t)num;
		p->have_input = true;
		return 0;
	}
	if ((rc = parse_identity(p, j, f)) == 0)
		rc = parse_progress(j, f);
	/* Unknown fields (rc 0) are skipped: later versions may add some. */
	if (rc < 0)
		return fail(p->err, p->errlen, p->line, "malformed value");
	return 0;
}

/* After the "input" line: the record is complete. 0, or -1 after fail(). */
static int
check_complete(struct parser *p, const struct job *j, bool want_input)
{
	if (!p->have_input)
		return fail(p->err, p->errlen, p->line,
		    "truncated record (no input field)");
	if (!p->have_id || !p->have_owner || !p->have_submitted ||
	    j->service == NULL)
		return fail(p->err, p->errlen, p->line, "record lacks a "
		    "required field (id, owner, service, submitted)");
	if (want_input && (p->len - p->pos < j->input_len ||
	    p->len - p->pos - j->input_len != JOB_END_MARKER_LEN ||
	    memcmp(p->data + p->pos + j->input_len, JOB_END_MARKER,
	    JOB_END_MARKER_LEN) != 0))
		return fail(p->err, p->errlen, p->line, "input length does "
		    "not match the record, or the end marker is missing");
	return 0;
}

int
job_peek_owner(const char *data, size_t len, uid_t *owner)
{
	char err[8];
	struct parser p = { data, len, 0, 0, false, false, false, false, err,
	    sizeof err };
	struct field f = { 0 };
	uint64_t num;

	while (p.pos < len && next_field(&p, &f) == 0) {
		if (p.line == 1 && check_magic(&p, &f) != 0)
			return -1;
		if (key_is(f.key, f.keylen, "input"))
			return -1;
		if (key_is(f.key, f.keylen, "owner")) {
			if (parse_number(f.v, f.vlen, (uid_t)-1, &num) != 0)
				return -1;
			*owner = (uid_t)num;
			return 0;
		}
	}
	return -1;
}

int
job_parse(const char *data, size_t len, bool want_input, struct job *j,
    size_t *input_off, char *err, size_t errlen)
{
	struct parser p = { data, len, 0, 0, false, false, false, false, err,
	    errlen };
	struct field f = { 0 };

	memset(j, 0, sizeof *j);
	while (p.pos < len && !p.have_input) {
		if (next_field(&p, &f) != 0 || (p.line == 1 ?
		    check_magic(&p, &f) : parse_field(&p, j, &f)) != 0)
			goto bad;
	}
	if (check_complete(&p, j, want_input) != 0)
		goto bad;
	if (input_off != NULL)
		*input_off = p.pos;
	if (want_input)
		j->input = xstrndup(data + p.pos, j->input_len);
	return 0;
bad:
	job_free(j);
	return -1;
}
