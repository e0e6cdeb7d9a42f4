/*
 * policy.h: the paper's Policy Manager. Each New job of a service goes to
 * one of the servers offering it, in the ratio of their weights, by smooth
 * weighted round-robin (as nginx balances upstreams): deterministic, and
 * exact over every run of jobs as long as the same servers are eligible,
 * so 30/50/20 gives exactly 300/500/200 of 1,000 jobs, interleaved rather
 * than in bursts. The running sums live in SPOOL/state/policy.SERVICE, so
 * the ratio holds across dispatch passes too.
 *
 * Errors: policy_load and policy_save print why they fail, once;
 * the rest cannot fail.
 */
#ifndef CT_POLICY_H
#define CT_POLICY_H

#include <stddef.h>

#include "spool.h"

struct policy_slot {
	char *server;
	long current;
};

struct policy {
	char *service;
	struct policy_slot *slots;
	size_t nslots;
};

/*
 * Load the running sums for service (none yet: all zero). Returns 0, or -1
 * after printing why.
 */
int policy_load(struct spool *sp, const char *service, struct policy *p);

/* Save them, atomically. Returns 0, or -1 after printing why. */
int policy_save(struct spool *sp, const struct policy *p);

/*
 * Pick one of n candidate servers with positive weights; the ineligible
 * ones (at their cap, disabled, already tried) are simply not offered.
 * Returns the index of the pick, or -1 if n is 0.
 */
int policy_pick(struct policy *p, const char *const *servers,
    const unsigned *weights, size_t n);

void policy_free(struct policy *p);

#endif
