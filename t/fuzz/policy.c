/*
 * policy.c: the policy's running sums as a dispatch pass reads them from
 * the spool's state/policy.SERVICE (policy_load), then a pick among three
 * servers weighted as in the paper (policy_pick).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "policy.h"
#include "spool.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spool sp;
	static int ready;
	static const char *const servers[] = { "a", "b", "c" };
	static const unsigned weights[] = { 30, 50, 20 };
	const char *dir = harness_dir("policy", 0);
	char path[512];
	struct policy p;
	int fd, i;

	if (!ready) {
		snprintf(path, sizeof path, "%s/state", dir);
		if (spool_open(&sp, dir, true) != 0 || mkdir(path, 0700) != 0)
			abort();
		ready = 1;
	}
	snprintf(path, sizeof path, "%s/state/policy.blastp", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write_all(fd, data, size) != 0)
		abort();
	close(fd);
	if (policy_load(&sp, "blastp", &p) == 0) {
		for (i = 0; i < 10; i++)
			if (policy_pick(&p, servers, weights, 3) < 0)
				abort();
		policy_free(&p);
	}
	return 0;
}
