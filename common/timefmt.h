/*
 * timefmt.h: times as people and scripts read them.
 *
 * Errors: nothing here prints or fails; a time the C library cannot
 * break down is shown as "@SECONDS".
 */
#ifndef CT_TIMEFMT_H
#define CT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-22 04:06:21" in local time, from microseconds since the Epoch. */
void format_timestamp(char *out, size_t n, int64_t usec);

/* "2026-11-22T04:06:21Z", UTC in ISO 8601, for scripts. */
void format_utc(char *out, size_t n, int64_t usec);

/*
 * A duration: a number of seconds, or numbers with units s, m, h, d and
 * w, one or several ("90", "90s", "15m", "1h30m", "30d"), at most about
 * thirty years. Returns 0 with *usec set, or -1.
 */
int parse_duration(const char *s, int64_t *usec);

/*
 * A moment given as an age before now ("90s", "15m", "2h", "3d", "1w",
 * or several, "1h30m"), a local date and time ("2026-11-22",
 * "2026-11-22 04:06", "2026-11-22T04:06:21"), the same in UTC with a
 * final "Z", or "@SECONDS" since the Epoch. Returns 0 with *usec set, or
 * -1 if s is none of these.
 */
int parse_moment(const char *s, int64_t now, int64_t *usec);

/* A short age such as "42s", "12m", "3h05m", "2d03h". */
void format_age(char *out, size_t n, int64_t usec);

#endif
