/*
 * statefile.c: a wrapper's state file (statefile_get), every key the
 * wrappers read from one.
 */
#include "harness.h"
#include "statefile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "rid", "server", "submitted",
	    "rtoe", "hitlist", "handle", "attempt", "jobid", "" };
	char *text = harness_text(data, size), out[256];
	size_t i;

	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		if (statefile_get(text, keys[i], out, sizeof out) == 0 &&
		    strlen(out) >= sizeof out)
			abort();
	free(text);
	return 0;
}
