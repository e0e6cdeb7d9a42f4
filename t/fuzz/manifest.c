/*
 * manifest.c: a manifest of blobs as ct-volunteer reads one it fetched
 * (manifest_parse, blobstore.h): whatever it accepts names only single
 * file names of the allowed characters, each once, blobs that are
 * digests, and sizes within the bound.
 */
#include "blobstore.h"
#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	uint64_t total = 0, max = 1 << 20;
	char why[256];
	size_t i, k;

	if (manifest_parse((const char *)data, size, max, &m, why,
	    sizeof why) != 0)
		return strlen(why) == 0 ? (abort(), 0) : 0;
	if (m.n == 0 || m.n > MANIFEST_MAX_FILES)
		abort();
	for (i = 0; i < m.n; i++) {
		if (!manifest_name_valid(m.files[i].name) ||
		    strchr(m.files[i].name, '/') != NULL ||
		    !sha256_hex_valid(m.files[i].blob))
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(m.files[i].name, m.files[k].name) == 0)
				abort();
		total += m.files[i].size;
	}
	if (total > max)
		abort();
	return 0;
}
