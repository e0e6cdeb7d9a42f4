/*
 * job.h: a job's record, the content of its file in the spool.
 *
 * Errors: nothing here prints; job_parse puts what is wrong in its
 * err buffer, for the caller to say with the file's name.
 *
 * The record is text, one field per line, then the input bytes, then an
 * end marker; cputorrent-spool(5) specifies it. A record is only ever
 * written whole (see spool.h), so a reader that finds the end marker where
 * the input length says it must be knows it has the complete job.
 */
#ifndef CT_JOB_H
#define CT_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jobid.h"
#include "util.h"

#define JOB_FORMAT_VERSION 1

/* The paper's status codes; the number is what ct-status -n prints. */
enum job_state {
	JOB_NEW = 0,
	JOB_PROCESSING = 1,
	JOB_COMPLETED = 2,
	JOB_FAILED = 3,
	JOB_NSTATES
};

/* One entry of the history: a state change or a note, with its time. */
struct job_event {
	int64_t usec;
	enum job_state state;	/* the state the job is in after it */
	char *text;		/* the reason, unescaped, one line */
};

struct job {
	char id[JOBID_MAX + 1];
	uid_t owner;
	int64_t submitted_usec;
	char *service;
	char *database;		/* NULL if none was given */
	char *name;		/* NULL if none (jobname_valid) */
	char *batch;		/* the ct-submit call that made it, or NULL */
	int64_t within_sec;	/* the submitter's deadline, in seconds
				   after submission; 0: none asked */
	bool held;		/* not a field: the job is in held/, read
				   there (cputorrent-spool(5)) */
	char *provider;		/* NULL until a provider takes it */
	/* What ct-dispatch keeps between passes (cputorrent-spool(5)). */
	int64_t deadline_usec;	/* 0: none set yet */
	char *handle;		/* the provider's handle of this attempt */
	unsigned attempts;	/* attempts begun; the current one's number */
	bool submitting;	/* its submit was asked for, and has no
				   recorded answer yet */
	int64_t attempt_usec;	/* when this attempt began */
	int64_t next_usec;	/* not to be touched again before this */
	unsigned retries;	/* transient failures in this attempt */
	bool ready;		/* the server said done; fetch is due */
	/*
	 * A second attempt at another server, begun while this one runs
	 * (hedging, ct-dispatch(8)): the same fields as the current
	 * attempt's, kept in hedge-* lines (cputorrent-spool(5)). The two
	 * are alike to the dispatcher, which drives the second by swapping
	 * it in (job_swap_hedge). provider NULL: none runs; attempt stays
	 * the number of the last one begun, so that no later attempt takes
	 * it again.
	 */
	struct job_hedge {
		char *provider;
		char *handle;
		unsigned attempt;
		bool submitting;
		int64_t attempt_usec;
		int64_t next_usec;
		unsigned retries;
		bool ready;
	} hedge;
	char **tried;		/* servers that failed it, for good */
	char **tried_why;	/* why each did, or NULL (an older record) */
	size_t ntried;
	char **options;		/* "key=value", value unescaped */
	size_t noptions;
	struct job_event *events;
	size_t nevents;
	size_t input_len;
	char *input;		/* NULL when only the header was read */
};

/* "New", "Processing", "Completed", "Failed". */
const char *job_state_name(enum job_state s);

/*
 * The exit status that answers for a job in state s (exitcodes.h): the
 * one table ct-status, ct-wait and ct-fetch share.
 */
int job_state_exit(enum job_state s);

/*
 * Why a failed job failed, as its verdict says: the text of its last
 * event, or "no reason recorded". The one reason ct-fetch and ct-status
 * give.
 */
const char *job_failure_reason(const struct job *j);

/*
 * When the job reached Completed or Failed: the time of its first event
 * in one of them; 0 while it has none.
 */
int64_t job_end_usec(const struct job *j);

/* Append an event with a copy of text. */
void job_add_event(struct job *j, int64_t usec, enum job_state s,
    const char *text);

/* Note that server failed this job for good, and why (both copied). */
void job_add_tried(struct job *j, const char *server, const char *why);

/* True if server has failed this job for good. */
bool job_tried(const struct job *j, const char *server);

/*
 * Swap the current attempt (provider, handle, attempts, submitting,
 * attempt_usec, next_usec, retries, ready) with the second one
 * (j->hedge): what drives the one drives the other.
 */
void job_swap_hedge(struct job *j);

/*
 * The second attempt is over: none runs. Its number is kept, as the
 * highest either attempt has had (job_next_attempt).
 */
void job_end_hedge(struct job *j);

/* The number of the next attempt to begin: above both attempts'. */
unsigned job_next_attempt(const struct job *j);

/* Replace a string field (provider, handle) by a copy of s, or NULL. */
void job_set(char **field, const char *s);

/* Append an option "key=value" (copied). */
void job_add_option(struct job *j, const char *keyvalue);

/* The longest deadline a submitter may ask for: ten years, in seconds. */
#define JOB_WITHIN_MAX (10 * 366 * 86400)

/*
 * Replace every control byte in the job's text fields (service, database,
 * provider, handle, servers tried, options, event texts) by '?', and tabs
 * by spaces, for display: a reason written by a provider must not reach a
 * terminal as an escape sequence, nor break a tab-separated line.
 */
void job_make_printable(struct job *j);

/* Free everything a job owns and zero it. */
void job_free(struct job *j);

/*
 * Append the complete record of j, input included, to out. The input is
 * taken from input/input_len, which need not be j->input.
 */
void job_format(const struct job *j, const char *input, size_t input_len,
    struct buf *out);

/*
 * Parse a record from data[0..len). With want_input, data must be the whole
 * file; without it, data may stop anywhere after the "input" line, and
 * *input_off is set to where the input starts so the caller can check the
 * rest (as spool_read_job does, by its size and end marker). Returns 0, or -1 with a message in err.
 */
int job_parse(const char *data, size_t len, bool want_input, struct job *j,
    size_t *input_off, char *err, size_t errlen);

/*
 * The owner of the record that data[0..len) begins, even if the rest of
 * it is damaged, truncated or too large to read: whose a bad job is
 * decides who is told of it (spool.h). Returns 0, or -1 if no well-formed
 * owner field comes before the input.
 */
int job_peek_owner(const char *data, size_t len, uid_t *owner);

/* The bytes that must close every record. */
#define JOB_END_MARKER "end\n"
#define JOB_END_MARKER_LEN 4

/*
 * Escape s for a record line: backslash, and any control byte, become
 * \\, \n, \t or \xHH, so a value always stays on its one line.
 */
void job_escape(struct buf *out, const char *s);

#endif
