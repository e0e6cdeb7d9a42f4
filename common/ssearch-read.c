/*
 * ssearch-read.c: FASTA read for the search (ssearch-int.h): each record's
 * identifier and definition where they are in the text, its residues as
 * codes of BLOSUM62's rows. Anything that is not FASTA of protein is
 * refused with its line, as ct-submit's own check (fasta.h) refuses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssearch-int.h"

/* The code of residue letter c (either case), or -1. */
static int
code_of(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	/* Selenocysteine and pyrrolysine: BLOSUM62 has no row for them. */
	if (c == 'U' || c == 'O')
		c = 'X';
	if (c == '\0' || (p = strchr(ss_letters, c)) == NULL)
		return -1;
	return (int)(p - ss_letters);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The header line p[0..n) (after its '>') as a new record of set. */
static int
header(struct ss_set *set, const char *p, size_t n, size_t line,
    const char *what, char *why, size_t whylen)
{
	struct ss_seq *s;
	size_t i = 0, k;

	for (k = 0; k < n; k++)
		if ((unsigned char)p[k] < 0x20 && p[k] != '\t' && p[k] != '\r') {
			snprintf(why, whylen, "%s line %zu: a control "
			    "character in a header", what, line);
			return -1;
		}
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	while (i < n && is_blank(p[i]))
		i++;
	if (i == n) {
		snprintf(why, whylen, "%s line %zu: a header with no "
		    "identifier", what, line);
		return -1;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 64;
		set->seq = xrealloc(set->seq, set->cap * sizeof *set->seq);
	}
	s = &set->seq[set->n++];
	s->id = p + i;
	for (k = i; k < n && !is_blank(p[k]); k++)
		;
	s->idlen = k - i;
	while (k < n && is_blank(p[k]))
		k++;
	s->def = p + k;
	s->deflen = n - k;
	s->off = set->res.len;
	s->len = 0;
	return 0;
}

/* The last record, which must have residues, and not too many. */
static int
finish(struct ss_set *set, const char *what, char *why, size_t whylen)
{
	struct ss_seq *s;

	if (set->n == 0)
		return 0;
	s = &set->seq[set->n - 1];
	s->len = set->res.len - s->off;
	set->res.data[set->res.len] = '\0';
	if (s->len == 0)
		snprintf(why, whylen, "%s record '%.*s' has no residues", what,
		    (int)(s->idlen > 80 ? 80 : s->idlen), s->id);
	else if (s->len > SS_SEQ_MAX)
		snprintf(why, whylen, "%s record '%.*s' is longer than %d "
		    "residues", what, (int)(s->idlen > 80 ? 80 : s->idlen),
		    s->id, SS_SEQ_MAX);
	else {
		set->residues += s->len;
		return 0;
	}
	return -1;
}

int
ss_set_read(struct ss_set *set, const char *text, size_t len,
    const char *what, char *why, size_t whylen)
{
	const char *p = text, *end = text + len;
	size_t line = 0;

	memset(set, 0, sizeof *set);
	/* No more residues than bytes: one allocation, no copy as it grows. */
	buf_reserve(&set->res, len);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q;

		if (eol == NULL)
			eol = end;
		line++;
		if (*p == '>') {
			if (finish(set, what, why, whylen) != 0 ||
			    header(set, p + 1, (size_t)(eol - p - 1), line,
			    what, why, whylen) != 0)
				goto fail;
		} else
			for (q = p; q < eol; q++) {
				int c;

				if (is_blank(*q) || *q == '-')
					continue;
				if ((c = code_of((unsigned char)*q)) < 0) {
					if ((unsigned char)*q < 0x20 ||
					    (unsigned char)*q >= 0x7f)
						snprintf(why, whylen, "%s line "
						    "%zu: a byte 0x%02x, not "
						    "FASTA", what, line,
						    (unsigned char)*q);
					else
						snprintf(why, whylen, "%s line "
						    "%zu: '%c' is not an amino "
						    "acid", what, line, *q);
					goto fail;
				}
				if (set->n == 0) {
					snprintf(why, whylen, "%s line %zu: "
					    "sequence before the first header",
					    what, line);
					goto fail;
				}
				/* Reserved above; NUL again in finish(). */
				set->res.data[set->res.len++] = (char)c;
			}
		p = eol < end ? eol + 1 : end;
	}
	if (finish(set, what, why, whylen) != 0)
		goto fail;
	if (set->n == 0) {
		snprintf(why, whylen, "%s: no FASTA records", what);
		goto fail;
	}
	return 0;
fail:
	ss_set_free(set);
	return -1;
}

void
ss_set_free(struct ss_set *set)
{
	free(set->seq);
	buf_free(&set->res);
	memset(set, 0, sizeof *set);
}
