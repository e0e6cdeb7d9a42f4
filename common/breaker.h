/*
 * breaker.h: a server's circuit breaker, kept with its live figures
 * (figures.h) so that every dispatcher of the spool sees one breaker.
 *
 * Errors: breaker_note and breaker_take_probe print why the figures could
 * not be read or written; breaker_admits cannot fail.
 *
 * Closed: the server takes new jobs. Open: it takes none, after
 * breaker-failures percent of its last breaker-attempts attempts failed,
 * or its last breaker-black-hole attempts in a row ran out of time with no
 * answer (providers.xml(5)); only attempts since the breaker's last
 * transition count, so a closed breaker starts afresh. After
 * breaker-cool-down seconds one real job may go there as the probe
 * (half-open): its success closes the breaker, its failure opens it
 * again. A probe that never ends (withdrawn, its dispatcher gone) is
 * replaced after the server's attempt-timeout. Jobs never fail for a
 * breaker: they go elsewhere, or wait, as for a server at its cap.
 */
#ifndef CT_BREAKER_H
#define CT_BREAKER_H

#include <stddef.h>
#include <stdint.h>

#include "figures.h"
#include "registry.h"
#include "spool.h"
#include "strvec.h"

enum breaker_admit {
	ADMIT_YES,	/* closed */
	ADMIT_NO,	/* open, cooling down, or its probe is out */
	ADMIT_PROBE,	/* the next job to it is the probe */
};

/*
 * What the breaker b of server s lets in at now; when it is ADMIT_NO
 * for a cool-down, *open_usec is when it ends (else 0).
 */
enum breaker_admit breaker_admits(const struct breaker *b,
    const struct registry_server *s, int64_t now, int64_t *open_usec);

/* An event of a job's attempt at a server (secs as figures.h says). */
struct breaker_event {
	enum figures_kind kind;
	char job[JOBID_MAX + 1];
	int64_t usec;
	double secs;
};

/*
 * The events ev[0..n) at server s, in their order, added to its figures
 * under one lock, and the breaker moved by each: a dispatcher notes them
 * as they come and adds them with each group commit of its jobs, so that
 * a million jobs do not cost a million rewrites of the figures. Each
 * move, for the log, is pushed on said as "SERVER: circuit breaker ...".
 * Returns 1, or -1 after printing why.
 */
int breaker_note(struct spool *sp, const struct registry_server *s,
    const struct breaker_event *ev, size_t n, struct strvec *said);

/*
 * Make job the probe of half-open server s, if the breaker still admits
 * one. Returns 1 if it is the probe (said: the transition), 0 if another
 * dispatcher sent one first, -1 after printing why.
 */
int breaker_take_probe(struct spool *sp, const struct registry_server *s,
    const char *job, int64_t now, char *said, size_t n);

#endif
