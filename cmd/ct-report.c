/*
 * ct-report: what offloading did over a period, from the spool's history:
 * per service and server, the jobs, where they ended, their turnaround
 * and run time; then the CPU Torrent paper's figures (section 5): the
 * load improvement li (eq. 9) and the expected time improvement ti
 * (eq. 5), beside the time improvement the period's jobs realised.
 *
 * Memory grows with the number of services and servers, never with the
 * number of jobs: the percentiles, the realised improvement and the plot
 * come from a sample of at most SAMPLE_MAX finished jobs per row, drawn
 * uniformly (reservoir sampling), exact while a row has no more.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "json.h"
#include "privilege.h"
#include "spool.h"
#include "svgplot.h"
#include "timefmt.h"

static const char usage[] =
    "usage: ct-report [-j] [-a alpha] [-g file] [-m nodes] [-r rate]\n"
    "                 [-S spool] [-s time] [-t time] [-u time]\n";

static const char help[] =
    "The offload report: per service and server, jobs, turnaround, run\n"
    "time; the paper's load and time improvements (li, eq. 5).\n"
    "  -j, --json       one JSON document\n"
    "  -s, --since time jobs submitted since: an age (2h, 7d), a date\n"
    "                   and time, or @SECONDS (default: the first job)\n"
    "  -u, --until time and before (default: now)\n"
    "  -m, --nodes n    m, the local cluster's nodes (default 46)\n"
    "  -t, --tp time    tp, a job's processing time there (default 1h)\n"
    "  -a, --alpha a    alpha, the fraction of tp offloaded (default 0.5)\n"
    "  -r, --rate n     lambda in jobs per hour (default: the period's)\n"
    "  -g, --svg file   also plot turnaround over time per server\n"
    "  -S spool         spool directory (default $CT_SPOOL, else\n"
    "                   " CT_SPOOL_DEFAULT ")\n"
    "  -h, -V           help, version\n";

#define SAMPLE_MAX 10000
#define USEC 1e6

struct point {
	int64_t x;		/* submitted */
	double y;		/* turnaround, seconds */
};

/* One service on one server ("-": no provider had the job at its end). */
struct row {
	char *service, *server;
	unsigned long completed, failed, pending, passed;
	unsigned long hedged;		/* of its jobs, those given a second
					   attempt (ct-dispatch(8), Hedging) */
	unsigned long timed;		/* finished, with a turnaround */
	unsigned long timed_completed;
	unsigned long run_n;
	double turn_sum, run_sum;
	struct point *sample;
	size_t nsample;
};

struct report {
	int64_t since, until;
	int64_t first;			/* the earliest submission seen */
	unsigned long submitted;
	struct row *rows;
	size_t nrows;
	uint64_t rng;
	bool sampled;			/* some row had more than its sample */
	bool until_given;
};

/* A figure of the model, with where it comes from. */
struct figure {
	const char *name, *source, *unit;
	double value;
	bool known;
};

enum { F_M, F_LAMBDA, F_TP, F_ALPHA, F_BETA, F_W, F_LI, F_TI, F_TIR, NFIG };

static struct row *
row(struct report *r, const char *service, const char *server)
{
	struct row *w;
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].server, server) == 0 &&
		    strcmp(r->rows[i].service, service) == 0)
			return &r->rows[i];
	r->rows = xrealloc(r->rows, (r->nrows + 1) * sizeof *r->rows);
	w = &r->rows[r->nrows++];
	memset(w, 0, sizeof *w);
	w->service = xstrdup(service);
	w->server = xstrdup(server);
	return w;
}

/* xorshift64*: the same sample at every run, for the same spool. */
static uint64_t
next_random(struct report *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * UINT64_C(2685821657736338717);
}

/* Algorithm R: each of the row's timed jobs stays with equal chance. */
static void
sample_add(struct report *r, struct row *w, int64_t x, double y)
{
	uint64_t k;

	if (w->sample == NULL)
		w->sample = xmalloc(SAMPLE_MAX * sizeof *w->sample);
	if (w->nsample < SAMPLE_MAX) {
		w->sample[w->nsample++] = (struct point){ x, y };
		return;
	}
	r->sampled = true;
	k = next_random(r) % w->timed;
	if (k < SAMPLE_MAX)
		w->sample[k] = (struct point){ x, y };
}

static int
count_job(struct job *j, enum job_state s, void *ctx)
{
	struct report *r = ctx;
	struct row *w;
	int64_t end;
	double t;
	size_t i;

	if (j->submitted_usec < r->since || j->submitted_usec >= r->until)
		return 0;
	r->submitted++;
	if (r->first == 0 || j->submitted_usec < r->first)
		r->first = j->submitted_usec;
	for (i = 0; i < j->ntried; i++)
		row(r, j->service, j->tried[i])->passed++;
	w = row(r, j->service, j->provider != NULL ? j->provider : "-");
	/* The number of a second attempt stays once it is over (job.h). */
	if (j->hedge.attempt != 0)
		w->hedged++;
	if (s != JOB_COMPLETED && s != JOB_FAILED) {
		w->pending++;
		return 0;
	}
	if (s == JOB_COMPLETED)
		w->completed++;
	else
		w->failed++;
	end = job_end_usec(j);
	if (end <= 0 || end < j->submitted_usec)
		return 0;
	t = (double)(end - j->submitted_usec) / USEC;
	w->timed++;
	w->turn_sum += t;
	sample_add(r, w, j->submitted_usec, t);
	if (s != JOB_COMPLETED)
		return 0;
	w->timed_completed++;
	if (j->attempt_usec > 0 && j->attempt_usec <= end) {
		w->run_n++;
		w->run_sum += (double)(end - j->attempt_usec) / USEC;
	}
	return 0;
}

static int
by_y(const void *a, const void *b)
{
	const struct point *p = a, *q = b;
	double x = p->y, y = q->y;

	return (x > y) - (x < y);
}

/* Rows by service, then server: the same order at every run. */
static int
by_name(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->service, y->service);

	return c != 0 ? c : strcmp(x->server, y->server);
}

static int
by_x(const void *a, const void *b)
{
	const struct point *p = a, *q = b;
	int64_t x = p->x, y = q->x;

	return (x > y) - (x < y);
}

/* The p-th percentile by nearest rank of the sorted sample (n > 0). */
static double
percentile(const struct row *w, unsigned p)
{
	size_t k = (p * w->nsample + 99) / 100;

	return w->sample[k > 0 ? k - 1 : 0].y;
}

/*
 * The paper's figures, section 5. With x = tp·λ (λ per second), the
 * M/M/1 wait of eq. 4 with service rate m/tp is W = λ·tp² / (m·(m − x));
 * eq. 5 is ti = α·m·(m − x) / (x·(1 − m) + m²) · 100, defined while the
 * queue is stable (x < m); eq. 9 is li = α·(1 − β) · 100. The realised
 * ti compares the job the cluster would have run, W + tp, with what
 * each of the period's finished jobs took under CPU Torrent: it waits
 * for its turn or for the provider's answer, max(W, T), then runs what
 * is left: (1 − α)·tp if a provider delivered, all of tp if none did.
 * While every provider answers within W it equals eq. 5.
 */
static void
model(struct report *r, struct figure *f)
{
	double m = f[F_M].value, tp = f[F_TP].value, a = f[F_ALPHA].value;
	double lambda, x, w, sum = 0, n = 0, nc = 0, fin = 0, failed = 0;
	size_t i, k;

	for (i = 0; i < r->nrows; i++) {
		fin += (double)(r->rows[i].completed + r->rows[i].failed);
		failed += (double)r->rows[i].failed;
	}
	if (fin > 0) {
		f[F_BETA].value = failed / fin;
		f[F_BETA].known = f[F_LI].known = true;
		f[F_LI].value = a * (1 - f[F_BETA].value) * 100;
	}
	if (!f[F_LAMBDA].known)
		return;
	lambda = f[F_LAMBDA].value / 3600;
	x = tp * lambda;
	if (x >= m)
		return;		/* the queue grows without end */
	w = lambda * tp * tp / (m * (m - x));
	f[F_W] = (struct figure){ "W", "eq.4", "s", w, true };
	f[F_TI].value = a * m * (m - x) / (x * (1 - m) + m * m) * 100;
	f[F_TI].known = true;
	for (i = 0; i < r->nrows; i++) {
		const struct row *rw = &r->rows[i];
		double part = 0, scale;

		if (rw->nsample == 0)
			continue;
		for (k = 0; k < rw->nsample; k++)
			part += rw->sample[k].y > w ? rw->sample[k].y : w;
		scale = (double)rw->timed / (double)rw->nsample;
		sum += part * scale;
		n += (double)rw->timed;
		nc += (double)rw->timed_completed;
	}
	if (n == 0 || w + tp <= 0)
		return;
	f[F_TIR].value = (w + tp - (sum + n * tp - nc * a * tp) / n) /
	    (w + tp) * 100;
	f[F_TIR].known = true;
}

/* ---- output */

struct table {
	char **cells;		/* rows × cols, allocated */
	size_t cols, n;
};

static void cell(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	(void)vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	t->cells = xrealloc(t->cells, (t->n + 1) * sizeof *t->cells);
	t->cells[t->n++] = s;
}

/* One cell for each tab-separated field of fields. */
static void
cells(struct table *t, const char *fields)
{
	const char *tab;

	while ((tab = strchr(fields, '\t')) != NULL) {
		cell(t, "%.*s", (int)(tab - fields), fields);
		fields = tab + 1;
	}
	cell(t, "%s", fields);
}

/* Columns aligned on a terminal, separated by tabs for scripts. */
static void
table_print(struct table *t, bool aligned)
{
	size_t i, c, w[16] = { 0 };	/* no table has more columns */

	for (i = 0; i < t->n; i++)
		if (strlen(t->cells[i]) > w[i % t->cols])
			w[i % t->cols] = strlen(t->cells[i]);
	for (i = 0; i < t->n; i++) {
		c = i % t->cols;
		if (c + 1 == t->cols)
			printf("%s\n", t->cells[i]);
		else if (aligned)
			printf("%-*s  ", (int)w[c], t->cells[i]);
		else
			printf("%s\t", t->cells[i]);
		free(t->cells[i]);
	}
	free(t->cells);
	t->cells = NULL;
	t->n = 0;
}

static void
seconds_cell(struct table *t, bool known, double v)
{
	if (known)
		cell(t, "%.1f", v);
	else
		cell(t, "-");
}

static void
print_text(struct report *r, const struct figure *f, bool aligned)
{
	struct table t = { .cols = 12 };
	char since[64], until[64];
	size_t i;

	cells(&t, "SERVICE\tSERVER\tJOBS\tCOMPLETED\tFAILED\tPENDING\t"
	    "PASSED-ON\tMEAN\tMEDIAN\tP90\tMEAN-RUN\tHEDGED");
	for (i = 0; i < r->nrows; i++) {
		const struct row *w = &r->rows[i];

		cell(&t, "%s", w->service);
		cell(&t, "%s", w->server);
		cell(&t, "%lu", w->completed + w->failed + w->pending);
		cell(&t, "%lu", w->completed);
		cell(&t, "%lu", w->failed);
		cell(&t, "%lu", w->pending);
		cell(&t, "%lu", w->passed);
		seconds_cell(&t, w->timed > 0, w->timed ? w->turn_sum /
		    (double)w->timed : 0);
		seconds_cell(&t, w->nsample > 0, w->nsample ?
		    percentile(w, 50) : 0);
		seconds_cell(&t, w->nsample > 0, w->nsample ?
		    percentile(w, 90) : 0);
		seconds_cell(&t, w->run_n > 0, w->run_n ? w->run_sum /
		    (double)w->run_n : 0);
		cell(&t, "%lu", w->hedged);
	}
	table_print(&t, aligned);
	format_utc(since, sizeof since, r->since > 0 ? r->since : r->first);
	format_utc(until, sizeof until, r->until);
	printf("\n");
	t.cols = 4;
	cells(&t, "FIGURE\tVALUE\tSOURCE\tUNIT");
	cells(&t, "since");
	cells(&t, r->since > 0 || r->first ? since : "-");
	cells(&t, r->since > 0 ? "given\tUTC" : "first-job\tUTC");
	cells(&t, "until");
	cells(&t, until);
	cells(&t, r->until_given ? "given\tUTC" : "now\tUTC");
	for (i = 0; i < NFIG; i++) {
		cell(&t, "%s", f[i].name);
		if (f[i].known)
			cell(&t, "%.*f", i == F_M ? 0 : i == F_TP || i == F_W ?
			    1 : 3, f[i].value);
		else
			cell(&t, "-");
		cell(&t, "%s", f[i].source);
		cell(&t, "%s", f[i].unit);
	}
	table_print(&t, aligned);
	if (r->sampled)
		printf("\n(percentiles and ti-realised from a sample of %d "
		    "jobs per row)\n", SAMPLE_MAX);
}

static void
json_number(bool known, double v)
{
	if (known)
		printf("%.10g", v);
	else
		printf("null");
}

static void
print_json(struct report *r, const struct figure *f)
{
	char when[64];
	size_t i;

	printf("{\"since\":");
	if (r->since > 0 || r->first) {
		format_utc(when, sizeof when,
		    r->since > 0 ? r->since : r->first);
		jsonw_string(stdout, when);
	} else
		printf("null");
	format_utc(when, sizeof when, r->until);
	printf(",\"until\":");
	jsonw_string(stdout, when);
	printf(",\"submitted\":%lu,\"sampled\":%s,\"rows\":[", r->submitted,
	    r->sampled ? "true" : "false");
	for (i = 0; i < r->nrows; i++) {
		const struct row *w = &r->rows[i];

		printf("%s{\"service\":", i ? "," : "");
		jsonw_string(stdout, w->service);
		printf(",\"server\":");
		if (strcmp(w->server, "-") == 0)
			printf("null");
		else
			jsonw_string(stdout, w->server);
		printf(",\"jobs\":%lu,\"completed\":%lu,\"failed\":%lu,"
		    "\"pending\":%lu,\"passed_on\":%lu,\"turnaround\":{"
		    "\"mean\":", w->completed + w->failed + w->pending,
		    w->completed, w->failed, w->pending, w->passed);
		json_number(w->timed > 0, w->timed ? w->turn_sum /
		    (double)w->timed : 0);
		printf(",\"median\":");
		json_number(w->nsample > 0, w->nsample ? percentile(w, 50) : 0);
		printf(",\"p90\":");
		json_number(w->nsample > 0, w->nsample ? percentile(w, 90) : 0);
		printf("},\"run_mean\":");
		json_number(w->run_n > 0, w->run_n ? w->run_sum /
		    (double)w->run_n : 0);
		printf(",\"hedged\":%lu}", w->hedged);
	}
	printf("],\"figures\":{");
	for (i = 0; i < NFIG; i++) {
		printf("%s", i ? "," : "");
		jsonw_string(stdout, f[i].name);
		printf(":{\"value\":");
		json_number(f[i].known, f[i].value);
		printf(",\"source\":");
		jsonw_string(stdout, f[i].source);
		printf(",\"unit\":");
		jsonw_string(stdout, f[i].unit);
		printf("}");
	}
	printf("}}\n");
}

/*
 * Turnaround over time, one series per server (the rows of one server
 * for several services joined), in submission order.
 */
static int
write_svg(struct report *r, const char *path)
{
	struct svg_series *s = xcalloc(r->nrows + 1, sizeof *s);
	struct point **pts = xcalloc(r->nrows + 1, sizeof *pts);
	int64_t *xs;
	double *ys;
	struct buf out = { 0 };
	size_t i, k, n = 0, len, total;
	int rc = 0;

	for (i = 0; i < r->nrows; i++) {
		const char *name = r->rows[i].server;

		for (k = 0; k < n; k++)
			if (strcmp(s[k].name, strcmp(name, "-") ? name :
			    "(no provider)") == 0)
				break;
		if (k == n)
			s[n++].name = strcmp(name, "-") ? name :
			    "(no provider)";
		len = s[k].n + r->rows[i].nsample;
		pts[k] = xrealloc(pts[k], (len + 1) * sizeof *pts[k]);
		if (r->rows[i].nsample > 0)
			memcpy(pts[k] + s[k].n, r->rows[i].sample,
			    r->rows[i].nsample * sizeof *pts[k]);
		s[k].n = len;
	}
	for (k = 0, total = 0; k < n; k++)
		total += s[k].n;
	xs = xcalloc(total + 1, sizeof *xs);
	ys = xcalloc(total + 1, sizeof *ys);
	for (k = 0, total = 0; k < n; k++) {
		qsort(pts[k], s[k].n, sizeof *pts[k], by_x);	/* never NULL */
		s[k].x = xs + total;
		s[k].y = ys + total;
		for (i = 0; i < s[k].n; i++) {
			xs[total + i] = pts[k][i].x;
			ys[total + i] = pts[k][i].y;
		}
		total += s[k].n;
		free(pts[k]);
	}
	svgplot_render(&out, "Turnaround per server", "submitted (UTC)",
	    "turnaround (s)", s, n);
	if (atomic_write(AT_FDCWD, path, out.data, out.len, 0666) != 0) {
		ct_warnerr("cannot write %s", path);
		rc = EX_CANTCREAT;
	}
	buf_free(&out);
	free(xs);
	free(ys);
	free(pts);
	free(s);
	return rc;
}

struct args {
	int json;
	char *alpha, *svg, *nodes, *rate, *since, *tp, *until;
};

/* The given inputs of the model, or their documented defaults. */
static void
inputs(struct cli *c, const struct args *a, struct figure *f)
{
	int64_t v;
	double d;

	f[F_M] = (struct figure){ "m", "default", "nodes", 46, true };
	f[F_LAMBDA] = (struct figure){ "lambda", "measured", "jobs/h", 0,
	    false };
	f[F_TP] = (struct figure){ "tp", "default", "s", 3600, true };
	f[F_ALPHA] = (struct figure){ "alpha", "default", "fraction", 0.5,
	    true };
	f[F_BETA] = (struct figure){ "beta", "measured", "fraction", 0, false };
	f[F_W] = (struct figure){ "W", "eq.4", "s", 0, false };
	f[F_LI] = (struct figure){ "li", "eq.9", "%", 0, false };
	f[F_TI] = (struct figure){ "ti", "eq.5", "%", 0, false };
	f[F_TIR] = (struct figure){ "ti-realised", "realised", "%", 0, false };
	if (a->nodes != NULL) {
		if (parse_int64(a->nodes, NULL, 1, 1000000000, &v) != 0)
			cli_usage_error(c, "%s: not a number of nodes",
			    a->nodes);
		f[F_M].value = (double)v;
		f[F_M].source = "given";
	}
	if (a->tp != NULL) {
		if (parse_duration(a->tp, &v) != 0 || v <= 0)
			cli_usage_error(c, "%s: not a processing time", a->tp);
		f[F_TP].value = (double)v / USEC;
		f[F_TP].source = "given";
	}
	if (a->alpha != NULL) {
		if (parse_seconds(a->alpha, &d) != 0 || d > 1)
			cli_usage_error(c, "%s: not a fraction from 0 to 1",
			    a->alpha);
		f[F_ALPHA].value = d;
		f[F_ALPHA].source = "given";
	}
	if (a->rate != NULL) {
		if (parse_seconds(a->rate, &d) != 0)
			cli_usage_error(c, "%s: not a number of jobs per hour",
			    a->rate);
		f[F_LAMBDA] = (struct figure){ "lambda", "given", "jobs/h", d,
		    true };
	}
}

static void
period(struct cli *c, const struct args *a, struct report *r)
{
	int64_t now = now_usec();

	r->until = now + 1;	/* a job submitted this very moment is in */
	if (a->since != NULL && (parse_moment(a->since, now, &r->since) != 0 ||
	    r->since <= 0))
		cli_usage_error(c, "%s: not a time", a->since);
	r->until_given = a->until != NULL;
	if (a->until != NULL && parse_moment(a->until, now, &r->until) != 0)
		cli_usage_error(c, "%s: not a time", a->until);
	if (r->since >= r->until && a->since != NULL)
		cli_usage_error(c, "the period ends before it begins");
}

/*
 * Every job of the spool counted into r, the rows sorted, and lambda
 * taken from the submissions where -r did not give it. Returns 0, or
 * EX_IOERR if some job could not be read.
 */
static int
tally(struct spool *sp, struct report *r, struct figure *f)
{
	double hours;
	size_t i;
	int status = 0;

	/* Not see_all: the superuser sees every job, a user their own. */
	if (spool_foreach(sp, count_job, r) != 0)
		status = EX_IOERR;
	hours = (double)(r->until - (r->since > 0 ? r->since : r->first)) /
	    3.6e9;
	if (!f[F_LAMBDA].known && r->first != 0 && hours > 0) {
		f[F_LAMBDA].value = (double)r->submitted / hours;
		f[F_LAMBDA].known = true;
	}
	if (r->nrows > 0)	/* qsort wants an array, even of none */
		qsort(r->rows, r->nrows, sizeof *r->rows, by_name);
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].nsample > 0)
			qsort(r->rows[i].sample, r->rows[i].nsample,
			    sizeof *r->rows[i].sample, by_y);
	return status;
}

/*
 * The model, then the report as text or JSON, and the SVG plot if asked
 * for. Returns 0, or the exit status of the last failure.
 */
static int
output(struct report *r, struct figure *f, const struct args *a)
{
	int status = 0;

	model(r, f);
	if (a->json)
		print_json(r, f);
	else
		print_text(r, f, isatty(STDOUT_FILENO));
	if (a->svg != NULL && write_svg(r, a->svg) != 0)
		status = EX_CANTCREAT;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ct_warnerr("cannot write standard output");
		status = EX_IOERR;
	}
	return status;
}

static void
report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		free(r->rows[i].service);
		free(r->rows[i].server);
		free(r->rows[i].sample);
	}
	free(r->rows);
}

static void
args_free(struct args *a)
{
	free(a->alpha);
	free(a->svg);
	free(a->nodes);
	free(a->rate);
	free(a->since);
	free(a->tp);
	free(a->until);
}

int
main(int argc, char **argv)
{
	struct cli c = { .usage = usage, .help = help };
	struct args a = { 0 };
	struct poptOption table[] = {
		CLI_FLAG('j', "json", &a.json),
		CLI_STRING('a', "alpha", &a.alpha, 0),
		CLI_STRING_OF('g', "svg", &a.svg, 0, "file"),
		CLI_STRING('m', "nodes", &a.nodes, 0),
		CLI_STRING('r', "rate", &a.rate, 0),
		CLI_STRING('s', "since", &a.since, 0),
		CLI_STRING('t', "tp", &a.tp, 0),
		CLI_STRING('u', "until", &a.until, 0),
		CLI_COMMON_OPTIONS
	};
	struct report r = { .rng = UINT64_C(0x9e3779b97f4a7c15) };
	struct figure f[NFIG];
	struct spool sp;
	int status, rc;

	privilege_init();
	ct_setprogname(argv[0]);
	cli_start(&c, argc, argv, table);
	while (cli_next(&c) != -1)
		;
	if (cli_args(&c)[0] != NULL)
		cli_usage_error(&c, "%s: unexpected argument", cli_args(&c)[0]);
	inputs(&c, &a, f);
	period(&c, &a, &r);
	if ((status = spool_open(&sp, spool_choose(c.spool), false)) == 0) {
		status = tally(&sp, &r, f);
		spool_close(&sp);
		if ((rc = output(&r, f, &a)) != 0)
			status = rc;
	}
	report_free(&r);
	args_free(&a);
	cli_end(&c);
	return status;
}
