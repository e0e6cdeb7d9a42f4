/*
 * timefmt.c: formatting times (timefmt.h).
 */
#include <stdio.h>
#include <time.h>

#include "timefmt.h"

void
format_timestamp(char *out, size_t n, int64_t usec)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, n, "@%lld", (long long)t);
}

void
format_age(char *out, size_t n, int64_t usec)
{
	long long s = usec < 0 ? 0 : (long long)(usec / 1000000);

	if (s < 60)
		snprintf(out, n, "%llds", s);
	else if (s < 3600)
		snprintf(out, n, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(out, n, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(out, n, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}
