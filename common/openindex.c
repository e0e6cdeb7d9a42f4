/*
 * openindex.c: the index of a store's open tasks, oldest first
 * (openindex.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openindex.h"
#include "util.h"

enum { OPEN_FREE, OPEN_BUSY, OPEN_TAKEN };

/* How often the index is built anyway: an mtime may miss a change. */
#define FORCE_EVERY_USEC (10 * 1000000LL)

void
openindex_init(struct open_index *x)
{
	memset(x, 0, sizeof *x);
	pthread_mutex_init(&x->mu, NULL);
	x->mtime_ns = -1;
}

/* The arrays of an index, without its mutex. */
static void
free_arrays(struct open_index *x)
{
	free(x->e);
	free(x->arena);
	free(x->table);
	x->e = NULL;
	x->arena = NULL;
	x->table = NULL;
	x->n = x->cap = x->alen = x->acap = x->tcap = 0;
}

void
openindex_free(struct open_index *x)
{
	free_arrays(x);
	pthread_mutex_destroy(&x->mu);
}

/* Append id and created to x's arrays (no table). */
static void
append(struct open_index *x, const char *id, int64_t created)
{
	size_t len = strlen(id) + 1;

	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->e = xrealloc(x->e, x->cap * sizeof *x->e);
	}
	while (x->alen + len > x->acap) {
		x->acap = x->acap ? x->acap * 2 : 4096;
		x->arena = xrealloc(x->arena, x->acap);
	}
	memcpy(x->arena + x->alen, id, len);
	x->e[x->n].created = created;
	x->e[x->n].id = (uint32_t)x->alen;
	x->e[x->n].state = OPEN_FREE;
	x->alen += len;
	x->n++;
}

/* The time of id in x's table, or -1. */
static int64_t
lookup(const struct open_index *x, const char *id)
{
	size_t i, mask = x->tcap - 1;

	if (x->tcap == 0)
		return -1;
	for (i = fnv1a32(id, strlen(id)) & mask; x->table[i] != 0;
	    i = (i + 1) & mask)
		if (strcmp(x->arena + x->e[x->table[i] - 1].id, id) == 0)
			return x->e[x->table[i] - 1].created;
	return -1;
}

static void
make_table(struct open_index *x)
{
	size_t i, j, mask;

	x->tcap = 16;
	while (x->tcap < x->n * 2)
		x->tcap *= 2;
	x->table = xcalloc(x->tcap, sizeof *x->table);
	mask = x->tcap - 1;
	for (i = 0; i < x->n; i++) {
		const char *id = x->arena + x->e[i].id;

		for (j = fnv1a32(id, strlen(id)) & mask; x->table[j] != 0;
		    j = (j + 1) & mask)
			;
		x->table[j] = (uint32_t)(i + 1);
	}
}

/* qsort_r's order: oldest first, then by ID, so the order is stable. */
static int
by_age(const void *a, const void *b, void *arena)
{
	const struct open_entry *p = a, *q = b;

	if (p->created != q->created)
		return p->created < q->created ? -1 : 1;
	return strcmp((const char *)arena + p->id, (const char *)arena + q->id);
}

int
openindex_rebuild(struct open_index *x, int open, int tasks, bool force)
{
	struct open_index fresh;
	struct dirent *e;
	struct stat st;
	int64_t mtime, created, now = monotonic_usec();
	DIR *d;
	int fd;

	if (fstat(open, &st) != 0)
		return -1;
	mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (!force && mtime == x->mtime_ns &&
	    now - x->built_usec < FORCE_EVERY_USEC)
		return 0;
	/* A listing of its own: the descriptor's offset is shared. */
	if ((fd = openat(open, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	memset(&fresh, 0, sizeof fresh);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		/* The old index's time, read under its mutex: adds race. */
		pthread_mutex_lock(&x->mu);
		created = lookup(x, e->d_name);
		pthread_mutex_unlock(&x->mu);
		if (created < 0) {
			if (fstatat(tasks, e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) != 0)
				continue;	/* gone meanwhile, or no record */
			created = (int64_t)st.st_mtim.tv_sec * 1000000 +
			    st.st_mtim.tv_nsec / 1000;
		}
		append(&fresh, e->d_name, created);
	}
	closedir(d);
	if (fresh.n > 1)
		qsort_r(fresh.e, fresh.n, sizeof fresh.e[0], by_age,
		    fresh.arena);
	make_table(&fresh);
	pthread_mutex_lock(&x->mu);
	free_arrays(x);
	x->e = fresh.e;
	x->n = fresh.n;
	x->cap = fresh.cap;
	x->arena = fresh.arena;
	x->alen = fresh.alen;
	x->acap = fresh.acap;
	x->table = fresh.table;
	x->tcap = fresh.tcap;
	x->first = 0;
	x->gen++;
	x->mtime_ns = mtime;
	x->built_usec = now;
	pthread_mutex_unlock(&x->mu);
	return 0;
}

int
openindex_next(struct open_index *x, size_t *pos, uint64_t *gen, char *id,
    size_t size)
{
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&x->mu);
	if (*gen != x->gen || *pos < x->first) {
		*gen = x->gen;
		*pos = x->first;
	}
	for (i = *pos; i < x->n; i++) {
		const char *name = x->arena + x->e[i].id;

		if (x->e[i].state != OPEN_FREE || strlen(name) >= size)
			continue;
		x->e[i].state = OPEN_BUSY;
		memcpy(id, name, strlen(name) + 1);
		*pos = i;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&x->mu);
	return rc;
}

void
openindex_done(struct open_index *x, size_t pos, uint64_t gen, bool taken)
{
	pthread_mutex_lock(&x->mu);
	if (gen == x->gen && pos < x->n) {
		x->e[pos].state = taken ? OPEN_TAKEN : OPEN_FREE;
		while (x->first < x->n && x->e[x->first].state == OPEN_TAKEN)
			x->first++;
	}
	pthread_mutex_unlock(&x->mu);
}

void
openindex_add(struct open_index *x, const char *id, int64_t created)
{
	pthread_mutex_lock(&x->mu);
	/*
	 * Newest, so last; the table is left as it is (it only saves a
	 * stat at the next build).
	 */
	if (x->alen + strlen(id) + 1 < UINT32_MAX)
		append(x, id, created);
	pthread_mutex_unlock(&x->mu);
}
