/*
 * route.h: what a dispatch pass knows of each server beyond the registry:
 * its live figures (figures.h), its circuit breaker (breaker.h) and its
 * time window; and the choice of a New job's server by expected
 * completion (routing="soonest", providers.xml(5)).
 *
 * Errors: nothing here prints (figures that cannot be read are unknown).
 *
 * The expected completion of a job at a server is the server's own
 * estimate of a run, the newest it gave (an estimate line in a submit's
 * or a poll's answer, ct-wrapper(7): NCBI's RTOE), else the median run of
 * its recent attempts there; or the mean age of the jobs it has in flight if
 * that is longer (a server that has slowed down shows it in the jobs it
 * holds long before they end), plus, for each job it has in flight,
 * 1/max-jobs of that: the queue ahead of it. A server with fewer than
 * ROUTE_MIN_DONE runs in its figures, and no estimate of its own, has
 * none. The job goes to the
 * server expected soonest; the registry's weights (policy.h) share the
 * jobs between servers whose estimates are equal, and give servers with
 * no estimate yet their share, so that they get one: but no more than
 * ROUTE_MIN_DONE jobs at a time while they have none, unless no other
 * server can take the job, so that a black hole, which never gets one,
 * does not swallow a share of every spike.
 */
#ifndef CT_ROUTE_H
#define CT_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "figures.h"
#include "policy.h"
#include "registry.h"
#include "spool.h"

#define ROUTE_MIN_DONE 3

/* route_estimate: no estimate yet; no estimate, and already measuring. */
#define ROUTE_UNKNOWN (-1.0)
#define ROUTE_MEASURING (-2.0)

struct route {
	size_t n;			/* servers, by registry index */
	struct figures_summary *sum;
	enum breaker_admit *admit;
	bool *window_shut;		/* outside its window, window-max 0 */
	double *age_sum;		/* of its jobs in flight, seconds */
	unsigned *aged;			/* how many jobs that sum counts */
	unsigned *overdue;		/* of them, past the server's p90 */
	double *oldest;			/* the oldest one's age, seconds */
	unsigned *waiting;		/* jobs this pass left waiting for it */
	struct breaker_event **pending;	/* noted, not yet in its figures */
	size_t *npending;
	int64_t now;			/* when route_look looked */
};

/* A server a New job may go to, as route_pick weighs it. */
struct route_candidate {
	const char *id;
	unsigned weight;
	double estimate;		/* seconds, or ROUTE_UNKNOWN or
					   ROUTE_MEASURING */
};

/*
 * Look at every server of reg at now: figures, breaker, window; the
 * earliest time one of them opens again lowers *wake. r is made anew for
 * reg's servers (route_free frees it), and must have been flushed.
 */
void route_look(struct route *r, struct spool *sp, const struct registry *reg,
    int64_t now, int64_t *wake);

void route_free(struct route *r);

/*
 * An event of job's attempt at server i, kept for route_flush: the
 * figures are written a group at a time (breaker.h).
 */
void route_note(struct route *r, size_t i, enum figures_kind kind,
    const char *job, int64_t usec, double secs);

/* How many events are noted and not yet flushed. */
size_t route_pending(const struct route *r);

/*
 * Every event noted into its server's figures (servers of reg, by index),
 * the breakers moved; each move pushed on said, and the server looked at
 * again for the rest of the pass.
 */
void route_flush(struct route *r, struct spool *sp, const struct registry *reg,
    int64_t now, struct strvec *said);

/* Is the next job to server i its breaker's probe? */
bool route_is_probe(const struct route *r, size_t i);

/* May server i of the pass take a new job: breaker, window? */
bool route_open(const struct route *r, size_t i);

/* The job sent to server i was the breaker's probe: no more this pass. */
void route_probe_sent(struct route *r, size_t i);

/*
 * Job in flight at server i since attempt_usec (its attempt's start), as
 * the pass counts them, for the mean age of its jobs.
 */
void route_in_flight(struct route *r, size_t i, int64_t attempt_usec,
    int64_t now);

/*
 * The expected completion of a new job at server i, which has in_flight
 * jobs, in seconds; ROUTE_UNKNOWN or ROUTE_MEASURING if it has none. A
 * run there is the server's own estimate, else the window's median run,
 * raised to the median of the latest runs to start (figures.h) or the
 * mean age of the jobs in flight where either is longer, and to the age
 * of the oldest job in flight when so many of them are past the p90 of
 * its figures (at least ROUTE_MIN_DONE, and a quarter; a tenth of runs
 * last that long) that the figures no longer hold; the queue ahead adds
 * in_flight / max-jobs runs. A server so slowed, then given nothing for
 * its breaker-cool-down, has no estimate (ROUTE_UNKNOWN) while it has no
 * job: only a run shows that it recovered, and it is probed by one.
 */
double route_estimate(const struct route *r, size_t i,
    const struct registry_server *s, unsigned in_flight);

/*
 * Pick one of the n candidates: by weights alone (policy_pick), or, with
 * soonest, the soonest expected, weights sharing ties and unknowns.
 * Returns the index of the pick, or -1 if n is 0.
 */
int route_pick(struct policy *pol, const struct route_candidate *c, size_t n,
    bool soonest);

/*
 * With soonest: should the job rather wait for a server at its cap, whose
 * estimate is full_estimate (there is one if full), than go to any of the
 * n candidates? Only if every candidate has an estimate (or is already
 * being measured, ROUTE_MEASURING, and so would not get the job), the
 * full server's, for a job queued behind all it holds, is sooner than
 * them all, and the job has twice that left before its deadline (left, in
 * seconds; <0: no deadline known yet), so that waiting cannot cost it
 * its deadline.
 */
bool route_wait_for(const struct route_candidate *c, size_t n,
    double full_estimate, bool full, double left);

/*
 * A job waits for server i, at its cap (route_wait_for): the jobs after
 * it that would wait there queue behind it, and the server's estimate
 * for them grows by as much as for a job in flight.
 */
void route_waits(struct route *r, size_t i);

/* The jobs waiting for server i this pass, so far. */
unsigned route_waiting(const struct route *r, size_t i);

/*
 * The cap on server s's new jobs in any 24 hours at now (quota.h): its
 * daily-max, or outside its window the smaller of that and window-max;
 * 0: none. *keep: how many jobs the quota must remember to count them
 * (for the window, all of them, at most 100000).
 */
unsigned route_daily_cap(const struct registry_server *s, int64_t now,
    unsigned *keep);

/* Has server s a window, and is now outside it? */
bool route_outside_window(const struct registry_server *s, int64_t now);

#endif
