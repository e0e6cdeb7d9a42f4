/*
 * mhd-floor: the floor of ct-serve's hand-out benchmark, the least an
 * HTTP server on libmicrohttpd can do for the same round trip: /v1/work
 * answers a new task and lease, /v1/tasks/T/result takes the body; each
 * makes one durable write, as ct-serve's claim and result must (a file in
 * tmp/, written, fsynced, closed, renamed into DIR, DIR fsynced). No
 * credential, lock, JSON or XML: just HTTP and the disk.
 *
 *	mhd-floor DIR PORTFILE
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static int dirfd_, tmpfd;
static unsigned long seq;

struct req {
	char *p;
	size_t n;
};

/* One durable write of data, as name. */
static int
durable(const char *name, const void *data, size_t len)
{
	char tmp[128];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	fd = openat(tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
	    close(fd) != 0 || renameat(tmpfd, tmp, dirfd_, name) != 0 ||
	    fsync(dirfd_) != 0)
		return -1;
	return 0;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **con_cls)
{
	struct req *r = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char out[256], name[64];
	unsigned long n;

	(void)cls;
	(void)method;
	(void)version;
	if (r == NULL) {
		*con_cls = calloc(1, sizeof *r);
		return MHD_YES;
	}
	if (*size > 0) {
		r->p = realloc(r->p, r->n + *size);
		memcpy(r->p + r->n, data, *size);
		r->n += *size;
		*size = 0;
		return MHD_YES;
	}
	n = __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
	snprintf(name, sizeof name, "f%lu", n);
	if (strcmp(url, "/v1/volunteers") == 0)
		snprintf(out, sizeof out, "{\"token\":\"x\"}");
	else if (strcmp(url, "/v1/work") == 0) {
		snprintf(out, sizeof out, "{\"task\":\"t%lu\",\"lease\":"
		    "\"%032lu\"}", n, n);
		durable(name, out, strlen(out));
	} else {
		durable(name, r->p, r->n);
		snprintf(out, sizeof out, "{\"state\":\"done\"}");
	}
	resp = MHD_create_response_from_buffer(strlen(out), out,
	    MHD_RESPMEM_MUST_COPY);
	rc = MHD_queue_response(c, strcmp(url, "/v1/volunteers") == 0 ? 201 :
	    200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void
done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode t)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)t;
	if (r != NULL) {
		free(r->p);
		free(r);
	}
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *i;
	FILE *f;

	if (argc != 3)
		return 64;
	mkdirat(AT_FDCWD, argv[1], 0700);
	dirfd_ = open(argv[1], O_RDONLY | O_DIRECTORY);
	mkdirat(dirfd_, "tmp", 0700);
	tmpfd = openat(dirfd_, "tmp", O_RDONLY | O_DIRECTORY);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    answer, NULL, MHD_OPTION_THREAD_POOL_SIZE, 4U,
	    MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
	if (d == NULL || (i = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT)) == NULL)
		return 69;
	f = fopen(argv[2], "w");
	fprintf(f, "%u\n", i->port);
	fclose(f);
	pause();
	return 0;
}
