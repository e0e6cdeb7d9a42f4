/*
 * blastfmt.c: a stored result converted as ct-fetch -f converts it
 * (blastfmt_convert, through xmlsafe's streaming reader): to the tabular
 * format with every column, and to JSON, each written to nowhere.
 */
#include "blastfmt.h"
#include "harness.h"
#include "xmlsafe.h"

static void
convert(const uint8_t *data, size_t size, const char *spec, FILE *out)
{
	struct blastfmt f;
	xmlTextReaderPtr r;
	char why[512];

	if (blastfmt_parse(spec, &f, why, sizeof why) != 0)
		abort();
	r = xmlsafe_reader_memory((const char *)data, size, "result.xml");
	(void)blastfmt_convert(r, out, &f, why, sizeof why);
	if (r != NULL)
		xmlFreeTextReader(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *out;

	if (out == NULL && (out = fopen("/dev/null", "w")) == NULL)
		abort();
	convert(data, size, "tabular std qseqid qacc qaccver qlen sseqid "
	    "sacc saccver slen stitle qseq sseq score nident positive gaps "
	    "ppos frames qframe sframe btop qcovhsp", out);
	convert(data, size, "json", out);
	return 0;
}
