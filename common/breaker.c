/*
 * breaker.c: a server's circuit breaker (breaker.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "breaker.h"

#define USEC 1000000LL

enum breaker_admit
breaker_admits(const struct breaker *b, const struct registry_server *s,
    int64_t now, int64_t *open_usec)
{
	int64_t cool = b->since_usec + (int64_t)s->breaker_cool_down * USEC;

	*open_usec = 0;
	switch (b->state) {
	case BREAKER_CLOSED:
		return ADMIT_YES;
	case BREAKER_OPEN:
		if (now < cool) {
			*open_usec = cool;
			return ADMIT_NO;
		}
		return ADMIT_PROBE;
	case BREAKER_HALF_OPEN:
		/* A probe lost (withdrawn, its dispatcher gone): another. */
		return now - b->probe_usec > (int64_t)s->attempt_timeout *
		    USEC ? ADMIT_PROBE : ADMIT_NO;
	}
	return ADMIT_YES;
}

static bool
is_outcome(enum figures_kind k)
{
	return k == FIG_DONE || k == FIG_FAILED || k == FIG_TIMEOUT;
}

static void
move(struct breaker *b, enum breaker_state to, int64_t now, const char *job)
{
	b->state = to;
	b->since_usec = now;
	b->probe_usec = to == BREAKER_HALF_OPEN ? now : 0;
	snprintf(b->probe, sizeof b->probe, "%s", to == BREAKER_HALF_OPEN ?
	    job : "");
}

/*
 * Should closed breaker f->b open, by the attempts since its last
 * transition? If so, the reason is in f->b.reason.
 */
static bool
should_open(struct figures *f, const struct registry_server *s)
{
	unsigned want = s->breaker_attempts, seen = 0, failed = 0, row = 0;
	bool in_row = true;
	size_t i;

	if (want > FIGURES_WINDOW)
		want = FIGURES_WINDOW;
	for (i = f->n; i-- > 0;) {
		const struct figures_event *e = &f->ev[i];

		if (!is_outcome(e->kind))
			continue;
		if (e->usec < f->b.since_usec)
			break;
		if (in_row && e->kind == FIG_TIMEOUT)
			row++;
		else
			in_row = false;
		if (seen < want) {
			seen++;
			failed += e->kind != FIG_DONE;
		}
	}
	if (s->breaker_black_hole > 0 && row >= s->breaker_black_hole) {
		snprintf(f->b.reason, sizeof f->b.reason, "black hole: %u "
		    "attempts in a row ran out of time with no answer", row);
		return true;
	}
	if (s->breaker_failures > 0 && want > 0 && seen >= want &&
	    failed * 100 >= s->breaker_failures * seen) {
		snprintf(f->b.reason, sizeof f->b.reason, "%u of its last %u "
		    "attempts failed", failed, seen);
		return true;
	}
	return false;
}

struct note {
	const struct registry_server *s;
	const struct breaker_event *ev;
	size_t n;
	struct strvec *said;
	/* For the probe: */
	const char *job;
	int64_t now;
	char *probe_said;
	size_t probe_n;
};

/* One event e into f, and the breaker moved by it (said, if it moves). */
static void
note_one(struct figures *f, const struct registry_server *s,
    const struct breaker_event *e, struct strvec *said)
{
	struct breaker *b = &f->b;

	figures_add(f, e->kind, e->usec, e->secs);
	if (!is_outcome(e->kind))
		return;
	if (b->state == BREAKER_CLOSED && should_open(f, s)) {
		move(b, BREAKER_OPEN, e->usec, "");
		strvec_pushf(said, "%s: circuit breaker open for %u s: %s",
		    s->id, s->breaker_cool_down, b->reason);
	} else if (b->state == BREAKER_HALF_OPEN && e->kind == FIG_DONE) {
		/* The probe, or a job sent before: the server works. */
		snprintf(b->reason, sizeof b->reason, "%s completed",
		    strcmp(e->job, b->probe) == 0 ? "the probe" : "a job");
		move(b, BREAKER_CLOSED, e->usec, "");
		strvec_pushf(said, "%s: circuit breaker closed: %s %s", s->id,
		    b->reason, e->job);
	} else if (b->state == BREAKER_HALF_OPEN &&
	    strcmp(e->job, b->probe) == 0) {
		snprintf(b->reason, sizeof b->reason, "the probe %s %s",
		    e->job, e->kind == FIG_TIMEOUT ? "ran out of time" :
		    "failed");
		move(b, BREAKER_OPEN, e->usec, "");
		strvec_pushf(said, "%s: circuit breaker open again for %u s: "
		    "%s", s->id, s->breaker_cool_down, b->reason);
	}
}

static bool
note_edit(struct figures *f, void *arg)
{
	struct note *a = arg;
	size_t i;

	for (i = 0; i < a->n; i++)
		note_one(f, a->s, &a->ev[i], a->said);
	return true;
}

int
breaker_note(struct spool *sp, const struct registry_server *s,
    const struct breaker_event *ev, size_t n, struct strvec *said)
{
	struct note a = { .s = s, .ev = ev, .n = n, .said = said };

	return figures_update(sp, s->id, note_edit, &a) < 0 ? -1 : 1;
}

static bool
probe_edit(struct figures *f, void *arg)
{
	struct note *a = arg;
	int64_t open_usec;

	if (breaker_admits(&f->b, a->s, a->now, &open_usec) != ADMIT_PROBE)
		return false;
	move(&f->b, BREAKER_HALF_OPEN, a->now, a->job);
	snprintf(f->b.reason, sizeof f->b.reason, "cool-down over: %s is "
	    "the probe", a->job);
	snprintf(a->probe_said, a->probe_n, "circuit breaker half-open: %s",
	    f->b.reason);
	return true;
}

int
breaker_take_probe(struct spool *sp, const struct registry_server *s,
    const char *job, int64_t now, char *said, size_t n)
{
	struct note a = { .s = s, .job = job, .now = now, .probe_said = said,
	    .probe_n = n };

	said[0] = '\0';
	return figures_update(sp, s->id, probe_edit, &a);
}
