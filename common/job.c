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
job_add_tried(struct job *j, const char *server)
{
	j->tried = xrealloc(j->tried, (j->ntried + 1) * sizeof *j->tried);
	j->tried[j->ntried++] = xstrdup(server);
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

void
job_make_printable(struct job *j)
{
	size_t i;

	make_printable(j->service);
	make_printable(j->database);
	make_printable(j->provider);
	for (i = 0; i < j->noptions; i++)
		make_printable(j->options[i]);
	for (i = 0; i < j->nevents; i++)
		make_printable(j->events[i].text);
}

void
job_free(struct job *j)
{
	size_t i;

	free(j->service);
	free(j->database);
	free(j->provider);
	free(j->handle);
	for (i = 0; i < j->ntried; i++)
		free(j->tried[i]);
	free(j->tried);
	for (i = 0; i < j->noptions; i++)
		free(j->options[i]);
	free(j->options);
	for (i = 0; i < j->nevents; i++)
		free(j->events[i].text);
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

void
job_format(const struct job *j, const char *input, size_t input_len,
    struct buf *out)
{
	size_t i;

	buf_appendf(out, "cputorrent-job %d\nid %s\nowner %lu\nservice ",
	    JOB_FORMAT_VERSION, j->id, (unsigned long)j->owner);
	job_escape(out, j->service);
	if (j->database != NULL) {
		buf_append(out, "\ndatabase ", 10);
		job_escape(out, j->database);
	}
	buf_append(out, "\n", 1);
	format_time(out, "submitted", j->submitted_usec);
	buf_append(out, "\n", 1);
	for (i = 0; i < j->noptions; i++) {
		buf_append(out, "option ", 7);
		job_escape(out, j->options[i]);
		buf_append(out, "\n", 1);
	}
	if (j->provider != NULL) {
		buf_append(out, "provider ", 9);
		job_escape(out, j->provider);
		buf_append(out, "\n", 1);
	}
	if (j->deadline_usec != 0) {
		format_time(out, "deadline", j->deadline_usec);
		buf_append(out, "\n", 1);
	}
	if (j->handle != NULL) {
		buf_append(out, "handle ", 7);
		job_escape(out, j->handle);
		buf_append(out, "\n", 1);
	}
	if (j->attempt_usec != 0) {
		format_time(out, "attempt", j->attempt_usec);
		buf_append(out, "\n", 1);
	}
	if (j->next_usec != 0) {
		format_time(out, "next", j->next_usec);
		buf_append(out, "\n", 1);
	}
	if (j->retries != 0)
		buf_appendf(out, "retries %u\n", j->retries);
	if (j->ready)
		buf_append(out, "ready 1\n", 8);
	for (i = 0; i < j->ntried; i++) {
		buf_append(out, "tried ", 6);
		job_escape(out, j->tried[i]);
		buf_append(out, "\n", 1);
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
	    i++, digits++)
		usec = usec * 10 + (s[i] - '0');
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

int
job_parse(const char *data, size_t len, bool want_input, struct job *j,
    size_t *input_off, char *err, size_t errlen)
{
	size_t pos = 0, line = 0;
	bool have_id = false, have_owner = false, have_submitted = false;
	bool have_input = false;

	memset(j, 0, sizeof *j);
	while (pos < len && !have_input) {
		const char *l = data + pos, *nl, *sp, *v;
		size_t ll, keylen, vlen;
		uint64_t num;

		line++;
		nl = memchr(l, '\n', len - pos);
		if (nl == NULL) {
			fail(err, errlen, line, "truncated record");
			goto bad;
		}
		ll = (size_t)(nl - l);
		pos += ll + 1;
		if (ll > MAX_FIELD_LINE || memchr(l, '\0', ll) != NULL) {
			fail(err, errlen, line, "malformed field");
			goto bad;
		}
		sp = memchr(l, ' ', ll);
		if (sp == NULL) {
			fail(err, errlen, line, "field without a value");
			goto bad;
		}
		keylen = (size_t)(sp - l);
		v = sp + 1;
		vlen = ll - keylen - 1;
		if (line == 1) {
			if (!key_is(l, keylen, "cputorrent-job") ||
			    vlen != 1 || v[0] != '0' + JOB_FORMAT_VERSION) {
				fail(err, errlen, line,
				    "not a cputorrent job record of version %d",
				    JOB_FORMAT_VERSION);
				goto bad;
			}
		} else if (key_is(l, keylen, "id")) {
			if (vlen > JOBID_MAX || have_id)
				goto badvalue;
			memcpy(j->id, v, vlen);
			j->id[vlen] = '\0';
			if (!jobid_valid(j->id))
				goto badvalue;
			have_id = true;
		} else if (key_is(l, keylen, "owner")) {
			if (have_owner ||
			    parse_number(v, vlen, (uid_t)-1, &num) != 0)
				goto badvalue;
			j->owner = (uid_t)num;
			have_owner = true;
		} else if (key_is(l, keylen, "submitted")) {
			if (have_submitted ||
			    parse_time(v, vlen, &j->submitted_usec) != 0)
				goto badvalue;
			have_submitted = true;
		} else if (key_is(l, keylen, "service")) {
			if (j->service != NULL ||
			    (j->service = unescape(v, vlen)) == NULL)
				goto badvalue;
		} else if (key_is(l, keylen, "database")) {
			if (j->database != NULL ||
			    (j->database = unescape(v, vlen)) == NULL)
				goto badvalue;
		} else if (key_is(l, keylen, "provider")) {
			free(j->provider);
			if ((j->provider = unescape(v, vlen)) == NULL)
				goto badvalue;
		} else if (key_is(l, keylen, "deadline")) {
			if (parse_time(v, vlen, &j->deadline_usec) != 0)
				goto badvalue;
		} else if (key_is(l, keylen, "attempt")) {
			if (parse_time(v, vlen, &j->attempt_usec) != 0)
				goto badvalue;
		} else if (key_is(l, keylen, "next")) {
			if (parse_time(v, vlen, &j->next_usec) != 0)
				goto badvalue;
		} else if (key_is(l, keylen, "retries")) {
			if (parse_number(v, vlen, 1000000, &num) != 0)
				goto badvalue;
			j->retries = (unsigned)num;
		} else if (key_is(l, keylen, "ready")) {
			if (parse_number(v, vlen, 2, &num) != 0)
				goto badvalue;
			j->ready = num == 1;
		} else if (key_is(l, keylen, "handle")) {
			free(j->handle);
			if ((j->handle = unescape(v, vlen)) == NULL)
				goto badvalue;
		} else if (key_is(l, keylen, "tried")) {
			char *t = unescape(v, vlen);

			if (t == NULL)
				goto badvalue;
			j->tried = xrealloc(j->tried,
			    (j->ntried + 1) * sizeof *j->tried);
			j->tried[j->ntried++] = t;
		} else if (key_is(l, keylen, "option")) {
			char *o = unescape(v, vlen);

			if (o == NULL || strchr(o, '=') == NULL) {
				free(o);
				goto badvalue;
			}
			j->options = xrealloc(j->options,
			    (j->noptions + 1) * sizeof *j->options);
			j->options[j->noptions++] = o;
		} else if (key_is(l, keylen, "event")) {
			const char *s1 = memchr(v, ' ', vlen), *s2;
			int64_t usec;
			char *text;

			if (s1 == NULL || parse_time(v, (size_t)(s1 - v),
			    &usec) != 0)
				goto badvalue;
			s2 = s1 + 2;
			if (s2 > v + vlen || s1[1] < '0' ||
			    s1[1] >= '0' + JOB_NSTATES ||
			    (s2 < v + vlen && *s2 != ' '))
				goto badvalue;
			if (s2 < v + vlen)
				s2++;
			text = unescape(s2, (size_t)(v + vlen - s2));
			if (text == NULL)
				goto badvalue;
			j->events = xrealloc(j->events,
			    (j->nevents + 1) * sizeof *j->events);
			j->events[j->nevents].usec = usec;
			j->events[j->nevents].state =
			    (enum job_state)(s1[1] - '0');
			j->events[j->nevents++].text = text;
		} else if (key_is(l, keylen, "input")) {
			if (parse_number(v, vlen, SIZE_MAX / 2, &num) != 0)
				goto badvalue;
			j->input_len = (size_t)num;
			have_input = true;
		}
		/* Unknown fields are skipped: later versions may add some. */
	}
	if (!have_input) {
		fail(err, errlen, line, "truncated record (no input field)");
		goto bad;
	}
	if (!have_id || !have_owner || !have_submitted || j->service == NULL) {
		fail(err, errlen, line, "record lacks a required field "
		    "(id, owner, service, submitted)");
		goto bad;
	}
	if (input_off != NULL)
		*input_off = pos;
	if (want_input) {
		if (len - pos < j->input_len ||
		    len - pos - j->input_len != JOB_END_MARKER_LEN ||
		    memcmp(data + pos + j->input_len, JOB_END_MARKER,
		    JOB_END_MARKER_LEN) != 0) {
			fail(err, errlen, line, "input length does not match "
			    "the record, or the end marker is missing");
			goto bad;
		}
		j->input = xstrndup(data + pos, j->input_len);
	}
	return 0;
badvalue:
	fail(err, errlen, line, "malformed value");
bad:
	job_free(j);
	return -1;
}
