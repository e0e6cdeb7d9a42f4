/*
 * svgplot.c: see svgplot.h. Plain SVG 1.1, which every browser and
 * rsvg-convert show; coordinates with one decimal.
 */
#include <stdint.h>
#include <string.h>

#include "svgplot.h"
#include "timefmt.h"
#include "xmltext.h"

#define W 860.0
#define H 460.0
#define LEFT 80.0	/* room for the value labels */
#define RIGHT 200.0	/* the legend */
#define TOP 40.0
#define BOTTOM 70.0	/* the time labels and the axis label */
#define TICKS 4
#define MANY 200	/* more dots than this: a line through bucket means */
#define BUCKETS 60

/* Colours told apart also by people who do not see red from green. */
static const char *const palette[] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
	"#f0e442", "#000000",
};
#define NCOLOURS (sizeof palette / sizeof palette[0])

/* s as XML character data or attribute value. */
static void
xml_text(struct buf *out, const char *s)
{
	xml_text_append(out, s, strlen(s));
}

static void
axes(struct buf *out, int64_t x0, int64_t x1, double ymax,
    const char *xlabel, const char *ylabel)
{
	double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
	char when[64];
	int i;

	buf_appendf(out, "<g stroke=\"#000\" fill=\"none\">"
	    "<path d=\"M%.1f %.1fV%.1fH%.1f\"/></g>\n", LEFT, TOP, TOP + ph,
	    LEFT + pw);
	buf_appendf(out, "<g font-size=\"11\" fill=\"#000\">\n");
	for (i = 0; i <= TICKS; i++) {
		double fx = LEFT + pw * i / TICKS;
		double fy = TOP + ph - ph * i / TICKS;

		format_utc(when, sizeof when,
		    x0 + (int64_t)((double)(x1 - x0) * i / TICKS));
		when[10] = ' ';		/* "2026-11-22 04:06", to the minute */
		when[16] = '\0';
		buf_appendf(out, "<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%s</text>\n", fx, TOP + ph + 18,
		    when);
		buf_appendf(out, "<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%.0f</text>\n", LEFT - 6, fy + 4,
		    ymax * i / TICKS);
		buf_appendf(out, "<path stroke=\"#ccc\" "
		    "d=\"M%.1f %.1fH%.1f\"/>\n", LEFT, fy, LEFT + pw);
	}
	buf_appendf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
	    LEFT + pw / 2, H - 20);
	xml_text(out, xlabel);
	buf_appendf(out, "</text>\n<text transform=\"translate(20 %.1f) "
	    "rotate(-90)\" text-anchor=\"middle\">", TOP + ph / 2);
	xml_text(out, ylabel);
	buf_appendf(out, "</text>\n</g>\n");
}

/* A round top for the value axis, whose TICKS steps are 1, 1.5, 2, 2.5,
   3, 4, 5, 6 or 8 times a power of ten. */
static double
nice_top(double ymax)
{
	double step = ymax / TICKS, p = 1, m;

	/* The power of ten at or below step, without libm. */
	while (p * 10 <= step)
		p *= 10;
	while (p > step)
		p /= 10;
	m = step / p;
	m = m <= 1 ? 1 : m <= 1.5 ? 1.5 : m <= 2 ? 2 : m <= 2.5 ? 2.5 :
	    m <= 3 ? 3 : m <= 4 ? 4 : m <= 5 ? 5 : m <= 6 ? 6 : m <= 8 ? 8 : 10;
	return m * p * TICKS;
}

/*
 * The line of a series: through its points, or, when it has too many to
 * follow, through the mean of each of BUCKETS equal spans of time.
 */
static void
line(struct buf *out, const struct svg_series *s, int64_t x0, int64_t x1,
    double ymax)
{
	double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM, span, sum = 0;
	size_t k, n = 0, b, cur = 0, drawn = 0;

	buf_appendf(out, "<polyline fill=\"none\" stroke-opacity=\"%s\" "
	    "points=\"", s->n > MANY ? "1" : "0.4");
	span = (double)(x1 - x0) / BUCKETS;
	for (k = 0; k <= s->n; k++) {
		if (s->n <= MANY) {
			if (k == s->n)
				break;
			buf_appendf(out, "%s%.1f,%.1f", k ? " " : "",
			    LEFT + pw * (double)(s->x[k] - x0) /
			    (double)(x1 - x0), TOP + ph - ph * s->y[k] / ymax);
			continue;
		}
		b = k < s->n ? (size_t)((double)(s->x[k] - x0) / span) :
		    SIZE_MAX;
		if (b != cur && n > 0) {
			buf_appendf(out, "%s%.1f,%.1f", drawn++ ? " " : "",
			    LEFT + pw * ((double)cur + 0.5) / BUCKETS,
			    TOP + ph - ph * sum / (double)n / ymax);
			sum = 0;
			n = 0;
		}
		if (k == s->n)
			break;
		cur = b;
		sum += s->y[k];
		n++;
	}
	buf_appendf(out, "\"/>\n");
}

void
svgplot_render(struct buf *out, const char *title, const char *xlabel,
    const char *ylabel, const struct svg_series *s, size_t n)
{
	double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM, ymax = 0;
	int64_t x0 = INT64_MAX, x1 = INT64_MIN, span;
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < s[i].n; k++) {
			if (s[i].x[k] < x0)
				x0 = s[i].x[k];
			if (s[i].x[k] > x1)
				x1 = s[i].x[k];
			if (s[i].y[k] > ymax)
				ymax = s[i].y[k];
		}
	if (x0 > x1)
		x0 = x1 = 0;
	if (x1 == x0)
		x1 = x0 + 1000000;	/* one moment: a second's width */
	if (ymax <= 0)
		ymax = 1;
	ymax = nice_top(ymax);
	/* A margin of 2% each side, so no dot sits on an axis. */
	span = (x1 - x0) / 50;
	x0 -= span;
	x1 += span;
	buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"sans-serif\">\n<title>", W, H, W, H);
	xml_text(out, title);
	buf_appendf(out, "</title>\n<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"#fff\"/>\n<text x=\"%.1f\" y=\"24\" font-size=\"14\">",
	    LEFT);
	xml_text(out, title);
	buf_appendf(out, "</text>\n");
	axes(out, x0, x1, ymax, xlabel, ylabel);
	for (i = 0; i < n; i++) {
		const char *c = palette[i % NCOLOURS];
		double ly = TOP + 10 + 18.0 * (double)i;

		buf_appendf(out, "<g class=\"series\" fill=\"%s\" "
		    "stroke=\"%s\">\n<title>", c, c);
		xml_text(out, s[i].name);
		buf_appendf(out, "</title>\n");
		if (s[i].n > 1)
			line(out, &s[i], x0, x1, ymax);
		for (k = 0; k < s[i].n; k++)
			buf_appendf(out, "<circle r=\"%s\" cx=\"%.1f\" "
			    "cy=\"%.1f\"%s/>\n", s[i].n > MANY ? "1.2" : "2.5",
			    LEFT + pw *
			    (double)(s[i].x[k] - x0) / (double)(x1 - x0),
			    TOP + ph - ph * s[i].y[k] / ymax,
			    s[i].n > MANY ?
			    " stroke=\"none\" fill-opacity=\"0.25\"" : "");
		buf_appendf(out, "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"10\" height=\"10\"/>\n<text stroke=\"none\" "
		    "fill=\"#000\" font-size=\"12\" x=\"%.1f\" y=\"%.1f\">",
		    W - RIGHT + 20, ly, W - RIGHT + 36, ly + 10);
		xml_text(out, s[i].name);
		buf_appendf(out, "</text>\n</g>\n");
	}
	buf_appendf(out, "</svg>\n");
}
