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

/* A short age such as "42s", "12m", "3h05m", "2d03h". */
void format_age(char *out, size_t n, int64_t usec);

#endif
