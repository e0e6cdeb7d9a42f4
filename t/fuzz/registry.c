/*
 * registry.c: providers.xml as ct-dispatch and ct-providers load it
 * (registry_load: well-formedness, the compiled-in schema, the checks
 * the schema cannot make), from a memfd, as a file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "registry.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry r;
	char path[64];
	int fd = memfd_create("providers.xml", MFD_CLOEXEC);

	if (fd < 0 || write_all(fd, data, size) != 0)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	memset(&r, 0, sizeof r);
	(void)registry_load(&r, path);
	registry_free(&r);
	close(fd);
	return 0;
}
