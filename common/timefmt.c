/*
 * timefmt.c: formatting times (timefmt.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

/* usec for people (local) or for scripts (UTC, ISO 8601). */
static void
format_as(char *out, size_t n, int64_t usec, bool utc)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	size_t len = 0;

	if (utc && gmtime_r(&t, &tm) != NULL)
		len = strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else if (!utc && localtime_r(&t, &tm) != NULL)
		len = strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
	if (len == 0)
		snprintf(out, n, "@%lld", (long long)t);
}

void
format_timestamp(char *out, size_t n, int64_t usec)
{
	format_as(out, n, usec, false);
}

void
format_utc(char *out, size_t n, int64_t usec)
{
	format_as(out, n, usec, true);
}

int
parse_duration(const char *s, int64_t *usec)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 },
	    { 'd', 86400 }, { 'w', 604800 } };
	int64_t total = 0;
	size_t i;

	if (*s == '\0')
		return -1;
	/* A bare number: seconds. */
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 10 || strtoll(s, NULL, 10) > INT64_C(1000000000))
			return -1;
		*usec = strtoll(s, NULL, 10) * 1000000;
		return 0;
	}
	while (*s != '\0') {
		int64_t n = 0;

		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (n > INT64_C(1000000000))
				return -1;	/* beyond thirty years */
			n = n * 10 + (*s - '0');
		}
		for (i = 0; i < sizeof units / sizeof units[0]; i++)
			if (units[i].unit == *s)
				break;
		if (i == sizeof units / sizeof units[0])
			return -1;
		s++;
		total += n * units[i].secs;
		if (total > INT64_C(1000000000))
			return -1;
	}
	*usec = total * 1000000;
	return 0;
}

int
parse_moment(const char *s, int64_t now, int64_t *usec)
{
	static const char *const formats[] = { "%Y-%m-%d %H:%M:%S",
	    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
	    "%Y-%m-%d" };
	char buf[64];
	size_t i, len = strlen(s);
	struct tm tm;
	int64_t age;
	bool utc;
	time_t t;

	if (parse_duration(s, &age) == 0) {
		*usec = now - age;
		return 0;
	}
	if (s[0] == '@') {
		long long secs;
		char *end;

		secs = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end != '\0' || secs < 0 ||
		    secs > INT64_C(100000000000))
			return -1;
		*usec = (int64_t)secs * 1000000;
		return 0;
	}
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len + 1);
	if ((utc = buf[len - 1] == 'Z'))
		buf[len - 1] = '\0';
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		const char *end;

		memset(&tm, 0, sizeof tm);
		end = strptime(buf, formats[i], &tm);
		if (end == NULL || *end != '\0')
			continue;
		tm.tm_isdst = -1;
		t = utc ? timegm(&tm) : mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		*usec = (int64_t)t * 1000000;
		return 0;
	}
	return -1;
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
