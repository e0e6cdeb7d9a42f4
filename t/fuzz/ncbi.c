/*
 * ncbi.c: the answers of NCBI's URL API as the ncbi wrapper reads them:
 * the QBlastInfo fields of a Put or a SearchInfo (RID, RTOE, Status), the
 * error message of a page, the search status; and the same bytes as the
 * wrapper's ncbi.state, read back as a poll reads it. The wrapper's own
 * source is included, its main renamed, so that its static parsers are
 * the ones called.
 */
int ncbi_wrapper_main(int argc, char **argv);
#include <fcntl.h>

#define main ncbi_wrapper_main
#include "../../providers/ncbi.c"
#undef main

#include "harness.h"

/* The bytes as ncbi.state in a directory of the harness's own. */
static void
state_from(const uint8_t *data, size_t size)
{
	static int ready;
	struct state st;
	int fd;

	if (!ready) {
		if (chdir(harness_dir("ncbi", 0)) != 0)
			abort();
		setenv("CT_SERVER", "ncbi", 1);
		ready = 1;
	}
	/* Written plainly: statefile_write's fsyncs would slow every run. */
	if ((fd = open(F_STATE, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write_all(fd, data, size) != 0)
		abort();
	close(fd);
	if (load_state(NULL, &st) == 0)
		(void)too_soon(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "RID", "RTOE", "Status",
	    "ThereAreHits" };
	char *page = harness_text(data, size), out[MAX_MESSAGE + 1];
	size_t i;

	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		(void)qblast_field(page, keys[i], out, sizeof out);
	error_message(page, out, sizeof out);
	(void)search_status(page, out, sizeof out);
	(void)rid_ok(page);
	free(page);
	state_from(data, size);
	return 0;
}
