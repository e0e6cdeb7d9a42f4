/*
 * svgplot.h: a scatter plot of series over time as SVG (ct-report --svg):
 * a time axis, a value axis, one colour of dots per series, joined by a
 * line (through the means of 60 equal spans of time when there are more
 * than 200 dots), a legend. Small on purpose: no library draws for it.
 *
 * Errors: nothing here prints or fails.
 */
#ifndef CT_SVGPLOT_H
#define CT_SVGPLOT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* One series: n points, x in microseconds since the Epoch, in x order. */
struct svg_series {
	const char *name;	/* for the legend; escaped here */
	const int64_t *x;
	const double *y;
	size_t n;
};

/*
 * Append to out a whole SVG document plotting the n series s, with title
 * and the axes' labels (y from 0 up to the largest value). Series beyond
 * the palette's colours reuse them.
 */
void svgplot_render(struct buf *out, const char *title, const char *xlabel,
    const char *ylabel, const struct svg_series *s, size_t n);

#endif
