/*
 * result.h: deciding whether what a provider delivered is a result.
 *
 * Never garbage as a result: an empty body, an error page, a truncated or
 * malformed report, or a report for another query is refused, and the job
 * moves on to the next server (the peers' users' most bitter complaint).
 *
 * Nothing here prints: a refused result's reason is returned, for the
 * caller to say.
 */
#ifndef CT_RESULT_H
#define CT_RESULT_H

#include <stddef.h>

#include "job.h"

/* The largest result accepted. */
#define RESULT_MAX_SIZE (512UL * 1024 * 1024)

/*
 * Check the result held in data[0..len) for job j (whose input must be
 * loaded): it must be BLAST XML, the one form results are kept in, parse,
 * name the job's first query first, and answer every query of the job (a
 * multi-record job: each record's identifier the query of one of its
 * iterations). Returns 0, or -1 with the reason in why
 * ("not BLAST XML: ..." for anything else).
 */
int result_check(const char *data, size_t len, const struct job *j,
    char *why, size_t whylen);

/* The identifier of the job's first query (after '>', up to a blank). */
void result_query_id(const struct job *j, char *out, size_t n);

#endif
