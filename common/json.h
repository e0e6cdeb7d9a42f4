/*
 * json.h: JSON written as it goes, for ct-status --json: strings escaped,
 * bytes that are not UTF-8 replaced, so that every line is valid JSON.
 *
 * Errors: nothing here prints; write errors stay in the stream, for the
 * caller's ferror().
 *
 * jansson, the JSON library of the rest of the world, is not used: linking
 * it slows every ct-status, with or without --json, by 7% (0.81 ms to
 * 0.86 ms for one job, the minimum of 6000 runs), and writing is all that
 * is needed. Its names stay out of jansson's (json_*): blastfmt links
 * both.
 */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdio.h>

/*
 * s as a JSON string, quotes included: ", \ and control bytes escaped, a
 * byte that does not belong to valid UTF-8 written as U+FFFD.
 */
void jsonw_string(FILE *f, const char *s);

#endif
