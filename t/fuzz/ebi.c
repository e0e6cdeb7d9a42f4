/*
 * ebi.c: the answers of EBI's Job Dispatcher as the ebi wrapper reads
 * them: a job id or a status word (trimmed, then checked), and the
 * description of an error page. The wrapper's own source is included,
 * its main renamed, so that its static parsers are the ones called.
 */
int ebi_wrapper_main(int argc, char **argv);
#define main ebi_wrapper_main
#include "../../providers/ebi.c"
#undef main

#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = { 0 };
	char out[512], *word, *shown;

	buf_append(&b, data, size);
	description(&b, out, sizeof out);
	word = trimmed(&b);
	(void)jobid_ok(word);
	shown = wrapper_printable(word, strlen(word), 40);
	free(shown);
	buf_free(&b);
	return 0;
}
