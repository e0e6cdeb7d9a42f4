/*
 * batchcall.c: several jobs in one wrapper call, the dispatcher's side
 * (batchcall.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batchcall.h"
#include "job.h"
#include "registry.h"
#include "util.h"

/* The most descriptors one message may carry (the kernel's SCM_MAX_FD). */
#define FENCE_FDS_PER_MESSAGE 250

bool
batchcall_eligible(const struct registry_server *s, const struct job *j)
{
	const char *p, *end;
	size_t headers = 0;

	if (s->batch_queries < 2 || j->input == NULL)
		return false;
	end = j->input + j->input_len;
	for (p = j->input; p < end; p++)
		if (*p == '>' && (p == j->input || p[-1] == '\n'))
			headers++;
	return headers == 1;
}

static bool
same_string(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

bool
batchcall_alike(const struct registry_server *s, const struct job *a,
    const struct job *b)
{
	size_t i;

	if ((s->run_as_owner && a->owner != b->owner) ||
	    !same_string(a->service, b->service) ||
	    !same_string(a->database, b->database) ||
	    !same_string(a->provider, b->provider) ||
	    a->noptions != b->noptions)
		return false;
	for (i = 0; i < a->noptions; i++)
		if (strcmp(a->options[i], b->options[i]) != 0)
			return false;
	return true;
}

size_t
batchcall_residues(const struct job *j)
{
	const char *p = j->input, *end = j->input + j->input_len;
	bool header = false;
	size_t n = 0;

	for (; p < end; p++) {
		if (*p == '>' && (p == j->input || p[-1] == '\n'))
			header = true;
		else if (*p == '\n')
			header = false;
		else if (!header && *p != ' ' && *p != '\t' && *p != '\r')
			n++;
	}
	return n;
}

void
batchcall_manifest(const struct batchcall *b, struct buf *out)
{
	size_t k;

	buf_appendf(out, "%s\n", BATCHCALL_MAGIC);
	for (k = 0; k < b->n; k++) {
		const struct job *j = b->jobs[k];

		buf_appendf(out, "job %s %u %lld %zu %s\n", j->id, j->attempts,
		    (long long)(j->deadline_usec / 1000000), j->input_len,
		    b->workdirs[k]);
		buf_append(out, j->input, j->input_len);
	}
}

/*
 * One descriptor that holds every lock of locks[0..n) for as long as it
 * is open: a socket with the locks in flight in it (SCM_RIGHTS), which
 * keep their open files, and so their flock(2) locks, for as long as the
 * socket lives. The keeper (keeper.h) fences a run to one descriptor;
 * given this one, it holds all the batch's jobs at once, and lets them go
 * together, when nothing of the call is left. Returns it, or -1.
 */
static int
fence_of(const int *locks, size_t n)
{
	int sv[2];
	size_t k = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	while (k < n) {
		size_t m = n - k < FENCE_FDS_PER_MESSAGE ? n - k :
		    FENCE_FDS_PER_MESSAGE;
		union {
			char buf[CMSG_SPACE(FENCE_FDS_PER_MESSAGE *
			    sizeof(int))];
			struct cmsghdr align;
		} u;
		char byte = 0;
		struct iovec iov = { &byte, 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = u.buf,
		    .msg_controllen = CMSG_SPACE(m * sizeof(int)) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

		memset(&u, 0, sizeof u);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(m * sizeof(int));
		memcpy(CMSG_DATA(cm), locks + k, m * sizeof(int));
		if (sendmsg(sv[0], &msg, MSG_NOSIGNAL) != 1) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		k += m;
	}
	close(sv[0]);
	return sv[1];
}

/* The index of job id among b's, or -1. */
static long
job_index(const struct batchcall *b, const char *id, size_t len)
{
	size_t k;

	for (k = 0; k < b->n; k++)
		if (strlen(b->jobs[k]->id) == len &&
		    memcmp(b->jobs[k]->id, id, len) == 0)
			return (long)k;
	return -1;
}

/*
 * The answer: "ID HANDLE" a line. A line that names no job of the call,
 * or a job twice, or whose handle is not one (contract_read_handle), is
 * passed over: its job is submitted alone.
 */
static void
read_answer(const struct batchcall *b, struct buf *out, char **handles)
{
	char *line = out->data, *nl, *sp;

	while (line != NULL && *line != '\0') {
		struct buf h = { 0 };
		long k;

		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((sp = strchr(line, ' ')) != NULL &&
		    (k = job_index(b, line, (size_t)(sp - line))) >= 0 &&
		    handles[k] == NULL) {
			const char *valid;

			buf_appendf(&h, "%s", sp + 1);
			if ((valid = contract_read_handle(&h)) != NULL)
				handles[k] = xstrdup(valid);
			buf_free(&h);
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
}

enum contract_outcome
batchcall_submit(const struct batchcall *b, char **handles, char *why,
    size_t whylen)
{
	struct buf manifest = { 0 }, out = { 0 };
	enum contract_outcome o;
	int fence;
	size_t k;

	for (k = 0; k < b->n; k++)
		handles[k] = NULL;
	if ((fence = fence_of(b->locks, b->n)) < 0) {
		snprintf(why, whylen, "cannot hold the batch's locks: %s",
		    strerror(errno));
		return CONTRACT_TRANSIENT;
	}
	batchcall_manifest(b, &manifest);
	o = contract_call(&(struct contract_call){ .wrapper_dir =
	    b->wrapper_dir, .server = b->server, .job = b->jobs[0],
	    .workdir = b->workdirs[0], .lock_fd = fence, .as = b->as,
	    .verb = CONTRACT_SUBMIT_BATCH, .in = manifest.data,
	    .inlen = manifest.len, .out = &out, .meanwhile = b->meanwhile,
	    .meanwhile_arg = b->meanwhile_arg,
	    .meanwhile_ms = b->meanwhile_ms }, why, whylen);
	close(fence);
	if (o == CONTRACT_OK)
		read_answer(b, &out, handles);
	buf_free(&manifest);
	buf_free(&out);
	return o;
}
