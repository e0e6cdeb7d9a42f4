/*
 * jobid.c: making and checking job IDs. See jobid.h for the format and
 * why it is unique.
 */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "charset.h"
#include "jobid.h"
#include "util.h"

bool
jobid_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= JOBID_MAX)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '.' || c == '_' || c == '-'))
			continue;
		return false;
	}
	return i > 0;
}

bool
jobid_is_made(const char *s)
{
	return span_only(s, 8, CHARS_DIGITS) && strlen(s) > 8 && s[8] == '-';
}

bool
jobname_valid(const char *s)
{
	return chars_only(s, CHARS_ALNUM JOBNAME_PUNCT, 1, JOBNAME_MAX) &&
	    strchr(CHARS_ALNUM "_", s[0]) != NULL && !jobid_is_made(s);
}

bool
jobname_from_record(char *buf, const char *prefix, const char *id,
    size_t idlen)
{
	size_t n = 0, i;

	if (prefix != NULL) {
		n = strlen(prefix);
		memcpy(buf, prefix, n);
		buf[n++] = '/';
	}
	for (i = 0; i < idlen && n < JOBNAME_MAX; i++, n++) {
		/* A name begins with a letter, digit or '_'. */
		const char *set = n == 0 ? CHARS_ALNUM "_" :
		    CHARS_ALNUM JOBNAME_PUNCT;

		buf[n] = id[i] != '\0' && strchr(set, id[i]) != NULL ? id[i] :
		    '_';
	}
	buf[n] = '\0';
	if (idlen == 0 || !jobname_valid(buf)) {
		buf[0] = '\0';
		return false;
	}
	return true;
}

void
jobid_batch(char *buf, const char *first_id)
{
	const char *dash = strrchr(first_id, '-');
	size_t n = dash != NULL ? (size_t)(dash - first_id) : strlen(first_id);

	snprintf(buf, JOBID_MAX + 1, "%.*s", (int)n, first_id);
}


const char *
jobid_host_tag(void)
{
	static char tag[9];
	char host[256];

	if (tag[0] == '\0') {
		if (gethostname(host, sizeof host) != 0)
			memcpy(host, "localhost", 10);
		host[sizeof host - 1] = '\0';
		snprintf(tag, sizeof tag, "%08x",
		    (unsigned)fnv1a32(host, strlen(host)));
	}
	return tag;
}

static char nonce[9];

/* In the child of a fork, which is a writer of its own. */
static void
forget_nonce(void)
{
	nonce[0] = '\0';
}

const char *
jobid_nonce(void)
{
	static bool watching_forks;
	uint32_t r;
	ssize_t n;

	if (nonce[0] != '\0')
		return nonce;
	if (!watching_forks)
		watching_forks = pthread_atfork(NULL, NULL, forget_nonce) == 0;
	while ((n = getrandom(&r, sizeof r, 0)) < 0 && errno == EINTR)
		continue;
	if (n != (ssize_t)sizeof r) {
		/*
		 * No getrandom (a kernel before 3.17, a seccomp filter): the
		 * clocks to the nanosecond and the pid are as good as can be
		 * had, and still differ between processes started together.
		 */
		struct timespec real, mono;
		int64_t seed[5];

		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		seed[0] = real.tv_sec;
		seed[1] = real.tv_nsec;
		seed[2] = mono.tv_sec;
		seed[3] = mono.tv_nsec;
		seed[4] = getpid();
		r = fnv1a32(seed, sizeof seed);
	}
	snprintf(nonce, sizeof nonce, "%08x", (unsigned)r);
	return nonce;
}

/*
 * The UTC calendar date of a day number (days since 1970-01-01), after
 * Howard Hinnant's civil_from_days. gmtime_r(3) would do, but glibc's
 * loads the time zone file on first use: three system calls at every
 * submission for a zone that UTC does not need.
 */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The inverse: the day number of a UTC calendar date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYYMMDD-HHMMSS-UUUUUU" of time usec into out (wide enough for any). */
static void
format_id_time(char out[64], int64_t usec)
{
	int64_t secs = usec / 1000000, sod = secs % 86400;
	int y, m, d;

	civil_from_days(secs / 86400, &y, &m, &d);
	snprintf(out, 64, "%04d%02d%02d-%02d%02d%02d-%06ld", y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
	    (long)(usec % 1000000));
}

/* Number s[0..n) of digits only; -1 if it is not. */
static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The time an ID's first 22 characters name, or -1 if they name none. */
static int64_t
parse_id_time(const char *s)
{
	int64_t y = digits(s, 4), mo = digits(s + 4, 2), d = digits(s + 6, 2);
	int64_t h = digits(s + 9, 2), mi = digits(s + 11, 2);
	int64_t sec = digits(s + 13, 2), us = digits(s + 16, 6);

	if (strlen(s) < 22 || s[8] != '-' || s[15] != '-' || y < 1970 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60 || us < 0)
		return -1;
	return ((days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 +
	    mi * 60 + sec) * 1000000 + us);
}

bool
jobid_in_batch(char *buf, const char *batch, unsigned long seq)
{
	int64_t first = parse_id_time(batch);
	char when[64];
	int n;

	if (first < 0 || batch[22] != '-' || seq > 1000000000UL)
		return false;
	format_id_time(when, first + (int64_t)seq);
	n = snprintf(buf, JOBID_MAX + 1, "%s%s-%lu", when, batch + 22, seq);
	return n > 0 && n <= JOBID_MAX;
}

void
jobid_make(char *buf, int64_t usec)
{
	static unsigned long seq;
	char id[128], when[64];

	/*
	 * 8+6+6+8 digits, a pid (7 digits on Linux), a nonce (8), 6 dashes:
	 * 49 characters, which leaves 15 digits of JOBID_MAX to the counter,
	 * more jobs than one process will ever make.
	 */
	format_id_time(when, usec);
	snprintf(id, sizeof id, "%s-%s-%ld-%s-%lu", when, jobid_host_tag(),
	    (long)getpid(), jobid_nonce(), seq++);
	snprintf(buf, JOBID_MAX + 1, "%.*s", JOBID_MAX, id);
}
