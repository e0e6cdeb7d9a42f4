/*
 * fasta.c: the FASTA checker (fasta.h). One pass over the bytes, no
 * allocation but the record list, so a hostile file costs no more than
 * its size, which the caller has already bounded.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fasta.h"
#include "util.h"

/* A protein record this long made only of A, C, G, T, U, N is nucleotide. */
#define NUCLEOTIDE_LOOKALIKE_MIN 20

static bool
is_protein_code(unsigned char c)
{
	/* IUPAC amino acids use every letter, J and O included; '*' stop. */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' ||
	    c == '-';
}

static bool
is_nucleotide_code(unsigned char c)
{
	return c != '\0' && strchr("ACGTURYKMSWBDHVNacgturykmswbdhvn-", c);
}

static bool
is_plain_nucleotide(unsigned char c)
{
	return c != '\0' && strchr("ACGTUNacgtun", c);
}

static int
error_at(struct fasta_error *err, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
error_at(struct fasta_error *err, size_t line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* The identifier of a header line (up to the first blank), for messages. */
static void
header_name(const char *h, size_t n, char *out, size_t outlen)
{
	size_t i = 0;

	while (i < n && (h[i] == ' ' || h[i] == '\t'))
		i++;
	h += i;
	n -= i;
	for (i = 0; i < n && i + 1 < outlen && h[i] != ' ' && h[i] != '\t';
	    i++)
		out[i] = h[i];
	out[i] = '\0';
}

struct record_state {
	size_t header_line;
	size_t residues;
	size_t plain_nucleotide;
	char name[64];
};

static int
close_record(const struct record_state *r, enum seq_type t,
    struct fasta_error *err)
{
	if (r->residues == 0)
		return error_at(err, r->header_line,
		    "record '%s' has no sequence", r->name);
	if (t == SEQ_PROTEIN && r->residues >= NUCLEOTIDE_LOOKALIKE_MIN &&
	    r->plain_nucleotide == r->residues)
		return error_at(err, r->header_line, "record '%s' looks like "
		    "a nucleotide sequence, but the service takes protein "
		    "(choose a nucleotide service, such as blastn)", r->name);
	return 0;
}

int
fasta_check(const char *data, size_t len, enum seq_type t,
    struct fasta_record **recs, size_t *nrecs, struct fasta_error *err)
{
	struct fasta_record *list = NULL;
	struct record_state r = { 0 };
	size_t n = 0, pos = 0, line = 0;
	bool in_record = false;

	while (pos < len) {
		const unsigned char *l = (const unsigned char *)data + pos;
		const unsigned char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos, i;

		line++;
		/* Bytes first: nothing binary anywhere. */
		for (i = 0; i < ll; i++) {
			if (l[i] == '\0')
				goto binary_nul;
			if (l[i] == '\r' && i + 1 == ll)
				continue;	/* CRLF */
			if ((l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f) {
				error_at(err, line, "control byte 0x%02x: "
				    "binary data, not FASTA", l[i]);
				goto fail;
			}
		}
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (ll > 0 && l[0] == '>') {
			if (in_record && close_record(&r, t, err) != 0)
				goto fail;
			header_name((const char *)l + 1, ll - 1, r.name,
			    sizeof r.name);
			if (r.name[0] == '\0') {
				error_at(err, line, "header line has no "
				    "sequence identifier after '>'");
				goto fail;
			}
			r.header_line = line;
			r.residues = r.plain_nucleotide = 0;
			in_record = true;
			if (n > 0)
				list[n - 1].len = pos - list[n - 1].off;
			list = xrealloc(list, (n + 1) * sizeof *list);
			list[n].off = pos;
			list[n].line = line;
			n++;
		} else {
			for (i = 0; i < ll; i++) {
				unsigned char c = l[i];

				if (c == ' ' || c == '\t')
					continue;
				if (!in_record) {
					error_at(err, line, "sequence data "
					    "before the first header line "
					    "('>')");
					goto fail;
				}
				if (t == SEQ_PROTEIN ? !is_protein_code(c) :
				    !is_nucleotide_code(c)) {
					if (c >= 0x21 && c < 0x7f)
						error_at(err, line, "invalid "
						    "character '%c' in %s "
						    "sequence '%s' (column "
						    "%zu)", c, seq_type_name(t),
						    r.name, i + 1);
					else
						error_at(err, line, "invalid "
						    "byte 0x%02x in %s "
						    "sequence '%s' (column "
						    "%zu)", c, seq_type_name(t),
						    r.name, i + 1);
					goto fail;
				}
				if (c != '-' && c != '*')
					r.residues++;
				if (is_plain_nucleotide(c))
					r.plain_nucleotide++;
			}
		}
		pos += (nl ? (size_t)(nl - l) + 1 : len - pos);
	}
	if (!in_record) {
		error_at(err, line ? line : 1, "no FASTA records (%s)",
		    len == 0 ? "empty input" : "no header line");
		goto fail;
	}
	if (close_record(&r, t, err) != 0)
		goto fail;
	list[n - 1].len = len - list[n - 1].off;
	if (recs != NULL) {
		*recs = list;
		*nrecs = n;
	} else
		free(list);
	return 0;
binary_nul:
	error_at(err, line, "NUL byte: binary data, not FASTA");
	goto fail;
fail:
	free(list);
	return -1;
}

const char *
fasta_id(const char *p, const char *end, char *out, size_t n)
{
	size_t k = 0;

	while (p < end && *p != '>')
		p++;
	if (p < end)
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && k + 1 < n && *p != ' ' && *p != '\t' && *p != '\n' &&
	    *p != '\r')
		out[k++] = *p++;
	out[k] = '\0';
	/* The next line that begins with '>'. */
	while (p < end && !(*p == '>' && p[-1] == '\n'))
		p++;
	return p;
}
