/*
 * route.c: the pass's view of each server, and routing by expected
 * completion (route.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route.h"
#include "util.h"

/* The most jobs a window's count keeps: the schema's largest count. */
#define WINDOW_KEEP 100000

bool
route_outside_window(const struct registry_server *s, int64_t now)
{
	time_t t = (time_t)(now / 1000000);
	struct tm tm;
	bool in;

	if (s->window_from < 0 && s->window_days == 0)
		return false;
	if (localtime_r(&t, &tm) == NULL)
		return false;
	if (s->window_days & (1u << tm.tm_wday))
		return false;
	if (s->window_from < 0)
		return true;
	/* 20-8 wraps past midnight; 8-8 is no hour at all. */
	if (s->window_from <= s->window_to)
		in = tm.tm_hour >= s->window_from && tm.tm_hour < s->window_to;
	else
		in = tm.tm_hour >= s->window_from || tm.tm_hour < s->window_to;
	return !in;
}

void
route_waits(struct route *r, size_t i)
{
	if (i < r->n)
		r->waiting[i]++;
}

unsigned
route_waiting(const struct route *r, size_t i)
{
	return i < r->n ? r->waiting[i] : 0;
}

bool
route_wait_for(const struct route_candidate *c, size_t n,
    double full_estimate, bool full, double left)
{
	size_t i;

	if (!full || (left >= 0 && left < 2 * full_estimate))
		return false;
	/*
	 * One already being measured gets no job while another has an
	 * estimate (route_pick), and the full one has: it is no reason not
	 * to wait. One with no estimate at all would get the job, to learn.
	 */
	for (i = 0; i < n; i++)
		if (c[i].estimate != ROUTE_MEASURING &&
		    (c[i].estimate < 0 || c[i].estimate <= full_estimate))
			return false;
	return true;
}

unsigned
route_daily_cap(const struct registry_server *s, int64_t now, unsigned *keep)
{
	bool windowed = s->window_from >= 0 || s->window_days != 0;

	*keep = s->daily_max;
	if (!windowed)
		return s->daily_max;
	if (*keep == 0 || *keep < WINDOW_KEEP)
		*keep = WINDOW_KEEP;
	if (!route_outside_window(s, now))
		return s->daily_max != 0 ? s->daily_max : WINDOW_KEEP;
	if (s->daily_max != 0 && s->daily_max < s->window_max)
		return s->daily_max;
	return s->window_max;
}

void
route_free(struct route *r)
{
	size_t i;

	free(r->sum);
	free(r->admit);
	free(r->window_shut);
	free(r->age_sum);
	free(r->aged);
	free(r->overdue);
	free(r->oldest);
	free(r->waiting);
	for (i = 0; i < r->n; i++)
		free(r->pending[i]);
	free(r->pending);
	free(r->npending);
	memset(r, 0, sizeof *r);
}

/* Server s, index i, looked at; returns wake, lowered to when it opens. */
static int64_t
look(struct route *r, struct spool *sp, const struct registry_server *s,
    size_t i, int64_t now, int64_t wake)
{
	struct figures f;
	int64_t open_usec;

	(void)figures_read(sp, s->id, &f);
	figures_sum(&f, &r->sum[i]);
	r->admit[i] = breaker_admits(&f.b, s, now, &open_usec);
	if (open_usec != 0 && open_usec < wake)
		wake = open_usec;
	figures_free(&f);
	r->window_shut[i] = route_outside_window(s, now) && s->window_max == 0;
	return wake;
}

void
route_look(struct route *r, struct spool *sp, const struct registry *reg,
    int64_t now, int64_t *wake)
{
	size_t i;

	route_free(r);
	r->n = reg->nservers;
	r->now = now;
	r->sum = xcalloc(r->n + 1, sizeof *r->sum);
	r->admit = xcalloc(r->n + 1, sizeof *r->admit);
	r->window_shut = xcalloc(r->n + 1, sizeof *r->window_shut);
	r->age_sum = xcalloc(r->n + 1, sizeof *r->age_sum);
	r->aged = xcalloc(r->n + 1, sizeof *r->aged);
	r->overdue = xcalloc(r->n + 1, sizeof *r->overdue);
	r->oldest = xcalloc(r->n + 1, sizeof *r->oldest);
	r->waiting = xcalloc(r->n + 1, sizeof *r->waiting);
	r->pending = xcalloc(r->n + 1, sizeof *r->pending);
	r->npending = xcalloc(r->n + 1, sizeof *r->npending);
	for (i = 0; i < r->n; i++)
		*wake = look(r, sp, &reg->servers[i], i, now, *wake);
}

void
route_note(struct route *r, size_t i, enum figures_kind kind, const char *job,
    int64_t usec, double secs)
{
	struct breaker_event *e;

	if (i >= r->n)
		return;
	r->pending[i] = xrealloc(r->pending[i], (r->npending[i] + 1) *
	    sizeof *r->pending[i]);
	e = &r->pending[i][r->npending[i]++];
	e->kind = kind;
	snprintf(e->job, sizeof e->job, "%s", job);
	e->usec = usec;
	e->secs = secs;
}

size_t
route_pending(const struct route *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->npending[i];
	return n;
}

void
route_flush(struct route *r, struct spool *sp, const struct registry *reg,
    int64_t now, struct strvec *said)
{
	size_t i, before;

	for (i = 0; i < r->n && i < reg->nservers; i++) {
		if (r->npending[i] == 0)
			continue;
		before = said->n;
		(void)breaker_note(sp, &reg->servers[i], r->pending[i],
		    r->npending[i], said);
		r->npending[i] = 0;
		if (said->n > before)
			(void)look(r, sp, &reg->servers[i], i, now, INT64_MAX);
	}
}

bool
route_is_probe(const struct route *r, size_t i)
{
	return i < r->n && r->admit[i] == ADMIT_PROBE;
}

bool
route_open(const struct route *r, size_t i)
{
	return i >= r->n || (r->admit[i] != ADMIT_NO && !r->window_shut[i]);
}

void
route_probe_sent(struct route *r, size_t i)
{
	if (i < r->n)
		r->admit[i] = ADMIT_NO;
}

void
route_in_flight(struct route *r, size_t i, int64_t attempt_usec, int64_t now)
{
	double age;

	if (i >= r->n || attempt_usec <= 0 || attempt_usec > now)
		return;
	age = (double)(now - attempt_usec) / 1e6;
	r->age_sum[i] += age;
	r->aged[i]++;
	if (r->sum[i].p90 >= 0 && age > r->sum[i].p90)
		r->overdue[i]++;
	if (age > r->oldest[i])
		r->oldest[i] = age;
}

double
route_estimate(const struct route *r, size_t i, const struct registry_server *s,
    unsigned in_flight)
{
	double run, own = i < r->n ? r->sum[i].own_estimate : -1;

	if (i >= r->n || (r->sum[i].done < ROUTE_MIN_DONE && own < 0))
		return in_flight >= ROUTE_MIN_DONE ? ROUTE_MEASURING :
		    ROUTE_UNKNOWN;
	/*
	 * Slowed at its latest runs, then given nothing for a cool-down:
	 * nothing but a run will show that it recovered, so one job goes
	 * there, as to a server not measured yet (by weight), as the
	 * breaker probes an open one. Were it always expected slow, soonest
	 * would never send it another job.
	 */
	if (in_flight == 0 && own < 0 && r->sum[i].latest > r->sum[i].p50 &&
	    r->now - r->sum[i].last_answer_usec >
	    (int64_t)s->breaker_cool_down * 1000000)
		return ROUTE_UNKNOWN;
	/* The server's own word on its queue now, where it gives one. */
	run = own >= 0 ? own : r->sum[i].p50;
	/*
	 * Runs are slower now than the window says: the latest to start
	 * took longer (a server that degrades; p50 follows only once half
	 * the window is slow), or those in flight are already older.
	 */
	if (r->sum[i].latest > run)
		run = r->sum[i].latest;
	if (r->aged[i] > 0 && r->age_sum[i] / r->aged[i] > run)
		run = r->age_sum[i] / r->aged[i];
	/*
	 * A tenth of its runs outlast p90: if a quarter of those it holds
	 * already have, it has slowed down, by at least as much as its
	 * oldest shows.
	 */
	if (r->overdue[i] >= ROUTE_MIN_DONE && 4 * r->overdue[i] >= r->aged[i] &&
	    r->oldest[i] > run)
		run = r->oldest[i];
	return run * (1 + (double)in_flight / (s->max_jobs ? s->max_jobs : 1));
}

int
route_pick(struct policy *pol, const struct route_candidate *c, size_t n,
    bool soonest)
{
	const char **ids = xcalloc(n + 1, sizeof *ids);
	unsigned *weights = xcalloc(n + 1, sizeof *weights);
	size_t *back = xcalloc(n + 1, sizeof *back), i, m = 0;
	double best = -1;
	bool others = false;
	int pick;

	for (i = 0; i < n; i++) {
		if (soonest && c[i].estimate >= 0 &&
		    (best < 0 || c[i].estimate < best))
			best = c[i].estimate;
		others |= c[i].estimate != ROUTE_MEASURING;
	}
	for (i = 0; i < n; i++) {
		/* Equal, unknown, or all by weights. */
		if (best >= 0 && c[i].estimate >= 0 &&
		    c[i].estimate > best * (1 + 1e-9))
			continue;
		if (soonest && others && c[i].estimate == ROUTE_MEASURING)
			continue;
		ids[m] = c[i].id;
		weights[m] = c[i].weight;
		back[m++] = i;
	}
	pick = policy_pick(pol, ids, weights, m);
	if (pick >= 0)
		pick = (int)back[pick];
	free(ids);
	free(weights);
	free(back);
	return pick;
}
