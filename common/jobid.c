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

bool
jobid_in_batch(char *buf, const char *batch, unsigned long seq)
{
	int n = snprintf(buf, JOBID_MAX + 1, "%s-%lu", batch, seq);

	return n > 0 && n <= JOBID_MAX;
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

void
jobid_make(char *buf, int64_t usec)
{
	static unsigned long seq;
	int64_t secs = usec / 1000000, sod = secs % 86400;
	char id[128];
	int y, m, d;

	/*
	 * 8+6+6+8 digits, a pid (7 digits on Linux), a nonce (8), 6 dashes:
	 * 49 characters, which leaves 15 digits of JOBID_MAX to the counter,
	 * more jobs than one process will ever make.
	 */
	civil_from_days(secs / 86400, &y, &m, &d);
	snprintf(id, sizeof id,
	    "%04d%02d%02d-%02d%02d%02d-%06ld-%s-%ld-%s-%lu", y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
	    (long)(usec % 1000000), jobid_host_tag(), (long)getpid(),
	    jobid_nonce(), seq++);
	snprintf(buf, JOBID_MAX + 1, "%.*s", JOBID_MAX, id);
}
