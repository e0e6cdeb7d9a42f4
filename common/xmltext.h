/*
 * xmltext.h: text written as XML character data or an attribute value
 * (ct-report's SVG plots, ssearch's BLAST XML report).
 *
 * Errors: nothing here prints or fails.
 */
#ifndef CT_XMLTEXT_H
#define CT_XMLTEXT_H

#include <stddef.h>

#include "util.h"

/*
 * Append s[0..n) to out with & < > " escaped, and each control byte,
 * which XML 1.0 does not allow, as '?'.
 */
void xml_text_append(struct buf *out, const char *s, size_t n);

#endif
