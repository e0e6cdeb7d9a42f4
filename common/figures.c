/*
 * figures.c: a server's live figures in the spool (figures.h).
 *
 * The file, one item a line:
 *	breaker STATE SINCE PROBE-USEC PROBE|- REASON...
 *	USEC KIND SECONDS
 * times in microseconds since the Epoch, kinds as figures_kind_name says.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomicfile.h"
#include "err.h"
#include "figures.h"
#include "util.h"

/* At most so many bytes are read: the window, and room to spare. */
#define FIGURES_MAX_SIZE (FIG_NKINDS * FIGURES_WINDOW * 64 + 1024)

static const char *const kind_names[FIG_NKINDS] = {
	[FIG_DONE] = "done", [FIG_FAILED] = "failed",
	[FIG_TIMEOUT] = "timeout", [FIG_TRANSIENT] = "transient",
	[FIG_ANSWER] = "answer", [FIG_HEDGE] = "hedge",
	[FIG_ESTIMATE] = "estimate",
};

static const char *const state_names[] = {
	[BREAKER_CLOSED] = "closed", [BREAKER_OPEN] = "open",
	[BREAKER_HALF_OPEN] = "half-open",
};

const char *
figures_kind_name(enum figures_kind kind)
{
	return kind_names[kind];
}

const char *
breaker_state_name(enum breaker_state s)
{
	return state_names[s];
}

void
figures_free(struct figures *f)
{
	free(f->ev);
	memset(f, 0, sizeof *f);
}

void
figures_add(struct figures *f, enum figures_kind kind, int64_t usec,
    double secs)
{
	size_t i, same = 0, oldest = 0;

	for (i = f->n; i-- > 0;)
		if (f->ev[i].kind == kind) {
			same++;
			oldest = i;
		}
	if (same >= FIGURES_WINDOW) {
		memmove(&f->ev[oldest], &f->ev[oldest + 1],
		    (f->n - oldest - 1) * sizeof *f->ev);
		f->n--;
	}
	f->ev = xrealloc(f->ev, (f->n + 1) * sizeof *f->ev);
	f->ev[f->n++] = (struct figures_event){ usec, kind, secs };
}

/* The breaker line's fields after "breaker ", into b; false if damaged. */
static bool
parse_breaker(char *line, struct breaker *b)
{
	char state[16], probe[JOBID_MAX + 1];
	long long since, probe_usec;
	int used = 0;
	size_t k;

	if (sscanf(line, "%15s %lld %lld %64s %n", state, &since, &probe_usec,
	    probe, &used) != 4 || used == 0)
		return false;
	for (k = 0; k < sizeof state_names / sizeof *state_names; k++)
		if (strcmp(state, state_names[k]) == 0)
			break;
	if (k == sizeof state_names / sizeof *state_names)
		return false;
	b->state = (enum breaker_state)k;
	b->since_usec = since;
	b->probe_usec = probe_usec;
	snprintf(b->probe, sizeof b->probe, "%s", strcmp(probe, "-") == 0 ?
	    "" : probe);
	snprintf(b->reason, sizeof b->reason, "%s", line + used);
	return true;
}

/* One event line into f; damaged lines are dropped. */
static void
parse_event(char *line, struct figures *f)
{
	char kind[16];
	long long usec;
	double secs;
	size_t k;

	if (sscanf(line, "%lld %15s %lf", &usec, kind, &secs) != 3 ||
	    usec <= 0 || !(secs >= 0 && secs < 1e9))
		return;
	for (k = 0; k < FIG_NKINDS; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			figures_add(f, (enum figures_kind)k, usec, secs);
}

static void
parse(struct buf *b, struct figures *f)
{
	char *line, *nl, *end;

	buf_append(b, "", 1);
	end = b->data + b->len - 1;
	for (line = b->data; line < end; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;	/* a last line cut short */
		*nl = '\0';
		if (strncmp(line, "breaker ", 8) == 0) {
			if (!parse_breaker(line + 8, &f->b))
				memset(&f->b, 0, sizeof f->b);
		} else
			parse_event(line, f);
	}
}

/* state/figures.SERVER's name. */
static void
file_name(char *name, size_t n, const char *server, const char *suffix)
{
	snprintf(name, n, "figures.%s%s", server, suffix);
}

int
figures_read(struct spool *sp, const char *server, struct figures *f)
{
	char name[160];
	struct buf b = { 0 };
	int d, fd, rc = 0;

	memset(f, 0, sizeof *f);
	file_name(name, sizeof name, server, "");
	if ((d = spool_dir(sp, SPOOL_STATE)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (read_bounded(fd, &b, FIGURES_MAX_SIZE) < 0)
		rc = -1;
	else
		parse(&b, f);
	close(fd);
	buf_free(&b);
	return rc;
}

/*
 * Replace dir/name with b, under the caller's lock: written whole to
 * NAME.tmp, then renamed over it, so that a reader sees the old file or
 * the new one. Not fsynced: the figures are statistics, written at each
 * attempt's end, and a crash that loses the last of them costs a few
 * events; an fsync each would cost a million-job spool hours.
 */
static int
replace_unsynced(int dir, const char *name, const struct buf *b)
{
	char tmp[200];
	int fd, e, rc;

	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	(void)unlinkat(dir, tmp, 0);	/* a crash's, under this lock */
	if ((fd = file_create(dir, tmp, 0660)) < 0)
		return -1;
	rc = write_all(fd, b->data, b->len);
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && renameat(dir, tmp, dir, name) == 0)
		return 0;
	e = errno;
	(void)unlinkat(dir, tmp, 0);
	errno = e;
	return -1;
}

/* f as the file says it. */
static void
format(const struct figures *f, struct buf *b)
{
	size_t i;

	buf_appendf(b, "breaker %s %" PRId64 " %" PRId64 " %s %s\n",
	    state_names[f->b.state], f->b.since_usec, f->b.probe_usec,
	    f->b.probe[0] != '\0' ? f->b.probe : "-", f->b.reason);
	for (i = 0; i < f->n; i++)
		buf_appendf(b, "%" PRId64 " %s %.3f\n", f->ev[i].usec,
		    kind_names[f->ev[i].kind], f->ev[i].secs);
}

int
figures_update(struct spool *sp, const char *server, figures_edit_fn edit,
    void *arg)
{
	char name[160], lockname[170];
	struct figures f;
	struct buf b = { 0 };
	int d, lock, rc = -1;

	file_name(name, sizeof name, server, "");
	file_name(lockname, sizeof lockname, server, ".lock");
	if ((d = spool_dir(sp, SPOOL_STATE)) < 0 || (lock = openat(d,
	    lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660)) < 0) {
		ct_warnerr("cannot open %s/state/%s", sp->path, lockname);
		return -1;
	}
	while (flock(lock, LOCK_EX) != 0)
		if (errno != EINTR) {
			ct_warnerr("cannot lock %s/state/%s", sp->path,
			    lockname);
			close(lock);
			return -1;
		}
	if (figures_read(sp, server, &f) != 0) {
		ct_warnerr("cannot read %s/state/%s", sp->path, name);
		goto out;
	}
	if (!edit(&f, arg)) {
		rc = 0;
		goto out;
	}
	/* The reason is one line: a newline in it would split the file. */
	f.b.reason[strcspn(f.b.reason, "\n")] = '\0';
	format(&f, &b);
	if (replace_unsynced(d, name, &b) != 0)
		ct_warnerr("cannot write %s/state/%s", sp->path, name);
	else
		rc = 1;
out:
	figures_free(&f);
	buf_free(&b);
	close(lock);	/* releases the lock */
	return rc;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (sorted here), nearest rank; -1 if none. */
static double
quantile(double *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof *v, by_value);
	k = (size_t)(q * (double)n + 0.999999);
	return v[k == 0 ? 0 : k - 1];
}

/* Runs done, by when they started: the latest first. */
struct run_start {
	int64_t start_usec;
	double secs;
};

static int
by_start_desc(const void *a, const void *b)
{
	const struct run_start *x = a, *y = b;

	return (x->start_usec < y->start_usec) - (x->start_usec > y->start_usec);
}

/* The median of the FIGURES_LATEST runs of rs (n) that started last. */
static double
latest_median(struct run_start *rs, size_t n)
{
	double v[FIGURES_LATEST];
	size_t i, k = n < FIGURES_LATEST ? n : FIGURES_LATEST;

	qsort(rs, n, sizeof *rs, by_start_desc);
	for (i = 0; i < k; i++)
		v[i] = rs[i].secs;
	return quantile(v, k, 0.5);
}

void
figures_sum(const struct figures *f, struct figures_summary *s)
{
	double *runs = xcalloc(f->n + 1, sizeof *runs);
	double *answers = xcalloc(f->n + 1, sizeof *answers);
	struct run_start *rs = xcalloc(f->n + 1, sizeof *rs);
	size_t i;

	memset(s, 0, sizeof *s);
	s->own_estimate = -1;
	for (i = 0; i < f->n; i++) {
		const struct figures_event *e = &f->ev[i];

		switch (e->kind) {
		case FIG_DONE:
			rs[s->done].start_usec = e->usec -
			    (int64_t)(e->secs * 1e6);
			rs[s->done].secs = e->secs;
			runs[s->done++] = e->secs;
			break;
		case FIG_FAILED:
			s->failed++;
			break;
		case FIG_TIMEOUT:
			s->timeouts++;
			break;
		case FIG_TRANSIENT:
			s->transients++;
			break;
		case FIG_ANSWER:
			answers[s->answers++] = e->secs;
			break;
		case FIG_HEDGE:
			s->hedges++;
			break;
		case FIG_ESTIMATE:	/* the oldest first: the newest stays */
			s->own_estimate = e->secs;
			break;
		case FIG_NKINDS:
			break;
		}
		/* An answer: the server said something, not nothing. */
		if (e->kind != FIG_TIMEOUT && e->kind != FIG_TRANSIENT &&
		    e->kind != FIG_HEDGE &&
		    e->usec > s->last_answer_usec)
			s->last_answer_usec = e->usec;
	}
	s->outcomes = s->done + s->failed + s->timeouts;
	s->success = s->outcomes > 0 ? (double)s->done / s->outcomes : -1;
	s->transient_rate = s->transients + s->answers > 0 ?
	    (double)s->transients / (s->transients + s->answers) : -1;
	s->p50 = quantile(runs, s->done, 0.5);
	s->p90 = quantile(runs, s->done, 0.9);
	s->latest = latest_median(rs, s->done);
	s->first_answer = quantile(answers, s->answers, 0.5);
	free(runs);
	free(answers);
	free(rs);
}
