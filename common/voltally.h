/*
 * voltally.h: what ct-serve's store knows of each volunteer's work
 * (ct-serve(8), BAD HOSTS and CREDIT): its tally of results validated by
 * a quorum, results refuted by one, and leases that expired, with the
 * credit of the validated work; and whether it is blocked, and why.
 *
 * tally/VID is one line, "VALID INVALID EXPIRED CELLS INVALID_RUN
 * EXPIRED_RUN VALID_RUN", replaced whole (atomicfile) under the
 * volunteer's own lock, locks/.VID (no task's ID starts with a dot).
 * blocked/VID holds the reason, one line; a blocked volunteer's every
 * request is refused, and the reaper gives its leased tasks to others.
 * Only the store's own verdicts change a tally: nothing a volunteer
 * sends names another volunteer.
 */
#ifndef CT_VOLTALLY_H
#define CT_VOLTALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taskstore.h"

struct tally {
	int64_t valid, invalid, expired;
	int64_t cells;		/* the credit: blastcmp_cells of each valid */
	int64_t invalid_run, expired_run, valid_run;	/* in a row, now */
};

enum verdict { VERDICT_VALID, VERDICT_INVALID, VERDICT_EXPIRED };

/* When a volunteer is blocked: so many in a row (0: never). */
struct badhost_rule {
	int invalid_max, expired_max;
};

/*
 * Add a verdict on volunteer vid's work (cells: the credit of a valid
 * result) to its tally, and block it if rule says so. 0, or -1 (errno).
 */
int tally_add(struct taskstore *ts, const char *vid, enum verdict v,
    int64_t cells, const struct badhost_rule *rule);

/* Volunteer vid's tally into *t (all 0 if it has none). 0, or -1. */
int tally_read(struct taskstore *ts, const char *vid, struct tally *t);

/* Block volunteer vid, for reason (one line). 0, or -1 (errno). */
int volunteer_block(struct taskstore *ts, const char *vid,
    const char *reason);

/* Unblock it: 0, or -1 (errno; ENOENT: it was not blocked). */
int volunteer_unblock(struct taskstore *ts, const char *vid);

/*
 * Whether vid is blocked: 1 with the reason in reason (size bytes, may
 * be NULL), 0 if not.
 */
int volunteer_blocked(struct taskstore *ts, const char *vid, char *reason,
    size_t size);

/* One volunteer, as volunteers_each sees it. */
struct volunteer_info {
	char vid[VOLUNTEER_ID_LEN + 1];
	char name[65], team[65];	/* as registered; "" if none */
	struct tally t;
	bool blocked;
	char reason[300];	/* why it is blocked */
};

typedef void (*volunteer_fn)(const struct volunteer_info *v, void *ctx);

/*
 * Call fn for each registered volunteer, in no order. 0, or -1 (errno).
 * A scan of volunteers/: for the admin's listing and the credit page.
 */
int volunteers_each(struct taskstore *ts, volunteer_fn fn, void *ctx);

#endif
