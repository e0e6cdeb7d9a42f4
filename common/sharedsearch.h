/*
 * sharedsearch.h: one search at a provider that several jobs share, a
 * batch of them (ct-wrapper(7), Batches), as a wrapper keeps it across
 * its calls for those jobs: a directory of its own under the wrapper's
 * state directory (a server's parameter, shared by every dispatcher of
 * the server), named by the provider's handle, holding
 *
 *   lock        flock(2)ed around every look at the rest
 *   ids         the identifiers of the search's queries, one a line, in
 *               the order they were sent
 *   poll        the last poll's time and answer: "T ANSWER", ANSWER the
 *               contract's poll line (running, done, failed REASON)
 *   report      the provider's report, once one job has fetched it
 *   withdrawn.ID  job ID was cancelled
 *
 * so that the jobs' polls make one request per poll interval between
 * them, not one each; the report is fetched once; and a cancel of one
 * job withdraws that job alone until every job is withdrawn.
 *
 * Functions that fail print why (ct_warn) and return -1, unless said.
 */
#ifndef CT_SHAREDSEARCH_H
#define CT_SHAREDSEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct shared_search {
	char *dir;	/* STATEDIR/HANDLE */
	int lock;	/* the lock's descriptor, -1 when not held */
};

/*
 * Make (if missing, mode 0700) and open the search of handle (a word of
 * [A-Za-z0-9._-]) under statedir, and lock it. Returns 0, or -1.
 */
int shared_search_open(struct shared_search *s, const char *statedir,
    const char *handle);

/* Unlock and forget. */
void shared_search_close(struct shared_search *s);

/* Write ids (n of them) as the search's queries. Returns 0, or -1. */
int shared_search_set_ids(struct shared_search *s, const char *const *ids,
    size_t n);

/*
 * The search's query identifiers, in *text (its lines, NUL-cut) and
 * ids[0..*n) pointing into it (allocated; free both). Returns 0, or -1.
 */
int shared_search_ids(struct shared_search *s, struct buf *text,
    char ***ids, size_t *n);

/*
 * The last poll: its time (seconds since the Epoch; 0 if none) and
 * answer, "running" if none ("" never), into answer (size bytes).
 */
void shared_search_last_poll(struct shared_search *s, int64_t *when,
    char *answer, size_t size);

/* Record a poll made at when, answered answer. Returns 0, or -1. */
int shared_search_polled(struct shared_search *s, int64_t when,
    const char *answer);

/*
 * The report kept, in out: 1 if there is one, 0 if none, -1 after a
 * message.
 */
int shared_search_report(struct shared_search *s, struct buf *out,
    size_t max);

/* Keep data[0..len) as the report, whole or not at all. 0, or -1. */
int shared_search_keep_report(struct shared_search *s, const void *data,
    size_t len);

/*
 * Job id withdrawn from the search; returns how many jobs of it are
 * withdrawn now, or -1.
 */
int shared_search_withdraw(struct shared_search *s, const char *id);

/*
 * Remove the searches of statedir untouched for older_than seconds:
 * every provider forgets its searches after a day or so. Prints nothing.
 */
void shared_search_sweep(const char *statedir, int64_t older_than);

#endif
