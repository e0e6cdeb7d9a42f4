/*
 * blastcmp.c: the validator of ct-serve's quorum (common/blastcmp.c),
 * which reads two reports volunteers posted. The input: two reports
 * separated by a form feed (or one, compared with itself). What must
 * hold: a report read at all agrees with itself, and the comparison is
 * symmetric.
 */
#include "blastcmp.h"
#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a = (const char *)data, *b = a, *ff;
	char why1[256], why2[256];
	size_t alen = size, blen = size;
	int ab, ba;

	if ((ff = memchr(a, '\f', size)) != NULL) {
		alen = (size_t)(ff - a);
		b = ff + 1;
		blen = size - alen - 1;
	}
	ab = blastcmp(a, alen, b, blen, why1, sizeof why1);
	ba = blastcmp(b, blen, a, alen, why2, sizeof why2);
	if (ab != ba)
		abort();
	if (b == a && ab != 0 && strcmp(why1, "a report that is not BLAST "
	    "XML") != 0)
		abort();
	return 0;
}
