/*
 * hedge.h: hedging, a second attempt at another server for a job whose
 * attempt has run past its server's p90 (ct-dispatch(8), Hedging): when
 * one is due, and the registry's bound on how many (providers.xml(5),
 * hedge), counted across every dispatcher of the spool.
 *
 * Errors: hedge_budget_begun and hedge_budget_take print why they fail;
 * hedge_budget_read prints nothing.
 *
 * The bound is on the jobs begun recently: at most hedge percent of them
 * get a second attempt. SPOOL/state/hedges holds two counts, jobs begun
 * and jobs hedged, each halved every HEDGE_HALF_LIFE_USEC, so that a
 * quiet week does not bank a spike's worth of hedges; one line, written
 * in place under a lock, not fsynced: a crash loses at most the last
 * counts, which lets one more hedge through, as a crash may repeat a
 * submit.
 */
#ifndef CT_HEDGE_H
#define CT_HEDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "spool.h"

/* The counts halve every hour. */
#define HEDGE_HALF_LIFE_USEC (3600LL * 1000000)

/* A hedge needs at least so many runs done at the first server. */
#define HEDGE_MIN_DONE 3

/* Note n jobs begun (their first attempt) at now. Returns 0, or -1. */
int hedge_budget_begun(struct spool *sp, unsigned n, int64_t now);

/*
 * May one more job be hedged at now, at most percent of those begun? If
 * so, it is counted: 1. Else 0; -1 if the state cannot be read or
 * written (then no hedge).
 */
int hedge_budget_take(struct spool *sp, unsigned percent, int64_t now);

/* A hedge taken and not made (no server had room): counted back. */
void hedge_budget_return(struct spool *sp, int64_t now);

/*
 * The counts at now, decayed, into *begun and *hedged (0 if there are
 * none yet). Returns 0, or -1 if they cannot be read.
 */
int hedge_budget_read(struct spool *sp, int64_t now, double *begun,
    double *hedged);

/* Would one more hedge stay within percent of begun? */
bool hedge_budget_allows(double begun, double hedged, unsigned percent);

/*
 * Is an attempt that has run age seconds at a server due a hedge: its
 * figures have at least HEDGE_MIN_DONE runs done (done), and age is past
 * their p90? If not, the reason in why.
 */
bool hedge_due(double age, double p90, unsigned done, char *why,
    size_t whylen);

/*
 * Does a deadline left seconds away leave room for a second attempt
 * expected to take need seconds? If not, the reason in why.
 */
bool hedge_room(double left, double need, char *why, size_t whylen);

#endif
