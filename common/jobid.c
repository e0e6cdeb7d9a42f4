/*
 * jobid.c: making and checking job IDs. See jobid.h for the format and
 * why it is unique.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

const char *
jobid_host_tag(void)
{
	static char tag[9];
	char host[256];

	if (tag[0] == '\0') {
		if (gethostname(host, sizeof host) != 0)
			strcpy(host, "localhost");
		host[sizeof host - 1] = '\0';
		snprintf(tag, sizeof tag, "%08x",
		    (unsigned)fnv1a32(host, strlen(host)));
	}
	return tag;
}

void
jobid_make(char *buf, int64_t usec)
{
	static unsigned long seq;
	time_t secs = (time_t)(usec / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, JOBID_MAX + 1,
	    "%04d%02d%02d-%02d%02d%02d-%06ld-%s-%ld-%lu",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(usec % 1000000),
	    jobid_host_tag(), (long)getpid(), seq++);
}
