/*
 * registry.h: the providers registry, /etc/cputorrent/providers.xml.
 *
 * Errors: registry_load prints every problem it finds, as
 * FILE:LINE: what; the rest prints nothing.
 *
 * The paper's Registry: which servers offer which services, with what
 * weight, what limits, and what parameters, the "classname" parameter
 * naming the wrapper that drives the server. providers.xml(5) documents
 * the format; share/providers.rng is its schema, compiled in.
 *
 * The file is parsed as hostile input: read whole by us with a size bound,
 * parsed from memory with no network and no external entity of any kind,
 * and refused outright if it carries a DTD (so no entity can be declared,
 * let alone expanded a billion times).
 */
#ifndef CT_REGISTRY_H
#define CT_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "spoollimits.h"

/* The largest registry file read. */
#define REGISTRY_MAX_SIZE (1024 * 1024)

/* Defaults for what a registry leaves out, in seconds or jobs. */
#define REGISTRY_DEFAULT_DEADLINE 3600
#define REGISTRY_DEFAULT_RETENTION (30 * 86400)
#define REGISTRY_DEFAULT_MAX_JOBS 10
#define REGISTRY_DEFAULT_ATTEMPT_TIMEOUT 1800
#define REGISTRY_DEFAULT_POLL_INTERVAL 30
#define REGISTRY_DEFAULT_REQUEST_INTERVAL 0
#define REGISTRY_DEFAULT_CALL_TIMEOUT 60
/* <batch>: a server's wrapper takes several jobs in one call (batchcall.h). */
#define REGISTRY_DEFAULT_BATCH_QUERIES 100
#define REGISTRY_DEFAULT_BATCH_RESIDUES 100000
#define REGISTRY_DEFAULT_BATCH_WAIT 2
/* The circuit breaker's (breaker.h). */
#define REGISTRY_DEFAULT_BREAKER_FAILURES 50
#define REGISTRY_DEFAULT_BREAKER_ATTEMPTS 10
#define REGISTRY_DEFAULT_BREAKER_BLACK_HOLE 3
#define REGISTRY_DEFAULT_BREAKER_COOL_DOWN 300

struct registry_param {
	char *name, *value;
	bool required, secret;
	long line;
};

struct registry_service {
	char *name;
	unsigned weight;
	long line;
};

struct registry_server {
	char *id, *name;
	bool enabled;
	bool run_as_owner;		/* run-as="owner": as the job's owner */
	unsigned max_jobs;		/* jobs in flight at once */
	unsigned attempt_timeout;	/* seconds one attempt may take */
	unsigned poll_interval;		/* seconds between polls of a job */
	unsigned request_interval;	/* seconds between any two requests */
	unsigned call_timeout;		/* seconds one wrapper call may take */
	unsigned daily_max;		/* jobs in any 24 hours; 0: no limit */
	/* <batch>: batch_queries 0 if the wrapper takes one job a call. */
	unsigned batch_queries;		/* jobs in one call, at most */
	unsigned batch_residues;	/* their query letters, at most */
	unsigned batch_wait;		/* seconds a job may wait for others */
	unsigned breaker_failures;	/* percent of attempts that opens the
					   breaker; 0: never */
	unsigned breaker_attempts;	/* of the last so many */
	unsigned breaker_black_hole;	/* timeouts in a row that open it */
	unsigned breaker_cool_down;	/* seconds open before a probe */
	int window_from, window_to;	/* hours it takes new jobs freely,
					   [from, to) local time; -1: all */
	unsigned window_days;		/* and all day on these (bit 0: Sunday) */
	unsigned window_max;		/* outside them, jobs in any 24 hours */
	struct registry_service *services;
	size_t nservices;
	struct registry_param *params;
	size_t nparams;
	const char *wrapper;		/* the classname parameter */
	long line;
};

struct registry {
	char *path;
	unsigned deadline;		/* default deadline of a job */
	unsigned retention;		/* finished jobs kept this long; 0: ever */
	char *run_as;			/* the account a root dispatcher runs
					   wrappers as; NULL: the default */
	bool soonest;			/* routing="soonest" (route.h) */
	unsigned hedge;			/* hedge="PERCENT": at most so many
					   jobs get a second attempt
					   (hedge.h); 0: none */
	struct limits limits;		/* what one user may put in the spool */
	struct registry_server *servers;
	size_t nservers;
};

/* The registry to read: opt (-c) if given, else $CT_CONFIG, else the default. */
const char *registry_choose(const char *opt);

/*
 * Read and check the registry at path. Every problem is printed as
 * "prog: FILE:LINE: what is wrong". Returns the number of problems (0: r
 * is loaded and must be freed), or -1 if the file could not be read.
 */
int registry_load(struct registry *r, const char *path);

void registry_free(struct registry *r);

/* The server with this id, or NULL. */
const struct registry_server *registry_server(const struct registry *r,
    const char *id);

/* The value of a server's parameter, or NULL if it has none by that name. */
const char *registry_param(const struct registry_server *s, const char *name);

/* True if s may name a server, service, parameter or wrapper. */
bool registry_name_valid(const char *s);

/* The server's weight for a service; 0 if it does not offer it. */
unsigned registry_weight(const struct registry_server *s, const char *service);

#endif
