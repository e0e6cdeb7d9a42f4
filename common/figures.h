/*
 * figures.h: a server's live figures, from the spool's own history, shared
 * by every dispatcher of the spool: how its recent attempts ended, how
 * long they took, how soon it answered, and its circuit breaker
 * (breaker.h), in SPOOL/state/figures.SERVER.
 *
 * Errors: figures_read prints nothing (a reader without the file has no
 * figures yet); figures_update prints why it fails.
 *
 * A dispatcher notes each attempt's end, and each answer, as they come,
 * and adds them with each group commit of its jobs (breaker.h), under the
 * lock state/figures.SERVER.lock, and writes the file anew by rename: a
 * reader, locked or not, sees the whole old file or the whole new one.
 * It is not fsynced (figures.c says why): a crash may lose the last
 * events, or, on a file system that does not order the rename after the
 * data, leave the file empty, read as no figures yet. The file holds the newest FIGURES_WINDOW events
 * of each kind, so reading and writing it costs the same at a million
 * jobs as at ten; a line that cannot be read is dropped.
 */
#ifndef CT_FIGURES_H
#define CT_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobid.h"
#include "spool.h"

/* The recent window: so many events of each kind are kept. */
#define FIGURES_WINDOW 50

/* The latest runs: so many of those done that started last. */
#define FIGURES_LATEST 5

enum figures_kind {
	FIG_DONE,	/* an attempt completed; secs: its run there */
	FIG_FAILED,	/* the server failed an attempt, or refused it */
	FIG_TIMEOUT,	/* an attempt ran out of time: no answer */
	FIG_TRANSIENT,	/* a call failed transiently (retried) */
	FIG_ANSWER,	/* a submit answered; secs: from the attempt's start */
	FIG_HEDGE,	/* a job's second attempt sent here (hedge.h) */
	FIG_ESTIMATE,	/* the server's own estimate of an attempt's run,
			   secs from its start (ct-wrapper(7)) */
	FIG_NKINDS
};

struct figures_event {
	int64_t usec;		/* when */
	enum figures_kind kind;
	double secs;
};

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

/* The circuit breaker, as stored (breaker.h decides it). */
struct breaker {
	enum breaker_state state;
	int64_t since_usec;	/* its last transition; 0: never */
	int64_t probe_usec;	/* half-open: when the probe was sent */
	char probe[JOBID_MAX + 1]; /* half-open: the probe job, or "" */
	char reason[160];	/* why its last transition */
};

struct figures {
	struct figures_event *ev;	/* the oldest first */
	size_t n;
	struct breaker b;
};

/* What ct-providers stats and the routing read of the figures. */
struct figures_summary {
	unsigned outcomes;	/* done, failed, timed out, in the window */
	unsigned done, failed, timeouts, transients, answers;
	unsigned hedges;	/* second attempts sent here */
	double own_estimate;	/* the server's newest estimate of a run;
				   <0: it gave none */
	double success;		/* done / outcomes; <0: none */
	double transient_rate;	/* transients / (transients + answers) */
	double p50, p90;	/* of the runs done; <0: none */
	double latest;		/* median of the FIGURES_LATEST runs done
				   that started last: a change of pace shows
				   there long before in p50; <0: none */
	double first_answer;	/* median of the answers; <0: none */
	int64_t last_answer_usec; /* 0: none */
};

/*
 * Read server's figures into f (none: empty, breaker closed). Returns 0,
 * or -1 with errno set if the file is there but cannot be read (f is
 * then empty). Free f with figures_free.
 */
int figures_read(struct spool *sp, const char *server, struct figures *f);

void figures_free(struct figures *f);

/* Add an event to f, dropping the oldest of its kind past the window. */
void figures_add(struct figures *f, enum figures_kind kind, int64_t usec,
    double secs);

/*
 * Change server's figures by edit, under the lock, and write them anew if
 * edit returns true. Returns edit's answer, or -1 after printing why the
 * file could not be read or written (nothing changed then).
 */
typedef bool (*figures_edit_fn)(struct figures *f, void *arg);
int figures_update(struct spool *sp, const char *server, figures_edit_fn edit,
    void *arg);

/* The figures of f summed up. */
void figures_sum(const struct figures *f, struct figures_summary *s);

/* The name of a kind, as the file and ct-providers stats --json say it. */
const char *figures_kind_name(enum figures_kind kind);

/* The name of a breaker state: "closed", "open", "half-open". */
const char *breaker_state_name(enum breaker_state s);

#endif
