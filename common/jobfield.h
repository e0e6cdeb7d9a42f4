/*
 * jobfield.h: the fields of a job as ct-status shows them, in one table:
 * a name (for --format), a heading, a width, and how to get the value.
 * A field added to the table is at once in --format, --json, the bash
 * completion of --format and the list of --help.
 *
 * Errors: nothing here prints or fails.
 *
 * A value is typed, so that each output writes it its own way: for people
 * (local times, ages like "3h05m"), for scripts (UTC times in ISO 8601,
 * durations in whole seconds, "-" for none) and for JSON (strings,
 * numbers, booleans, null).
 */
#ifndef CT_JOBFIELD_H
#define CT_JOBFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "job.h"
#include "spool.h"

enum jobfield_type {
	JF_NONE,		/* no value: "-", or null */
	JF_STR,
	JF_INT,
	JF_TIME,		/* microseconds since the Epoch */
	JF_DURATION,		/* microseconds */
	JF_BOOL,
};

struct jobfield_value {
	enum jobfield_type type;
	const char *str;	/* JF_STR; valid until the next get */
	int64_t num;		/* the others */
};

/* The job a value is taken from, and what it is taken with. */
struct jobfield_row {
	const struct job *j;	/* made printable */
	enum job_state s;
	int64_t now;
	struct spool *sp;	/* for a pending cancel */
	bool numeric;		/* state as the paper's number (-n) */
};

struct jobfield {
	const char *name;	/* for --format, and the key in JSON */
	const char *heading;	/* over its column on a terminal */
	int width;		/* of its column on a terminal */
	void (*get)(const struct jobfield_row *r, struct jobfield_value *v);
	const char *doc;	/* a few words for --help */
};

/* Every field, ending with one whose name is NULL. */
extern const struct jobfield jobfields[];

/* The field called name, or NULL. */
const struct jobfield *jobfield_find(const char *name);

/* Every field's name, separated by blanks, for the completion. */
const char *jobfield_names(void);

/*
 * The value v as text, for people (human) or for scripts: a string
 * pointing into v or into tmp[n].
 */
const char *jobfield_text(const struct jobfield_value *v, bool human,
    char *tmp, size_t n);

/* The value v as JSON, on f. */
void jobfield_json(FILE *f, const struct jobfield_value *v);

#endif
