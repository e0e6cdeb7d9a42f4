/*
 * slots.h: a server's places for jobs in flight (its max-jobs), shared by
 * every dispatcher of the spool.
 *
 * Errors: what fails is printed here.
 *
 * Each dispatcher counts the jobs it sees at a server, but two of them
 * passing at once each saw the other's places free, and together put
 * twice max-jobs in flight (60 at EBI against its 30). So a job takes its
 * place in the spool before its first submit: the name
 * state/slots.SERVER/ID, a hard link to the directory's one empty file
 * (a name costs no inode), made under the lock of that directory, beside a
 * count of the entries (.count) so that taking a place reads one number,
 * not every entry. The place goes when the job leaves the server. A
 * dispatcher that dies in between leaves an entry whose job no longer
 * holds a place (it left, moved on, or never got there), and the count
 * too high: the taker that finds the count at the cap asks the caller
 * about each entry, removes those whose job does not hold one, and
 * counts again.
 */
#ifndef CT_SLOTS_H
#define CT_SLOTS_H

#include <stdbool.h>

#include "spool.h"

/*
 * Whether job id holds a place at server: asked of each entry when the
 * places look full. A job that cannot be told (its lock busy) holds one.
 */
typedef bool (*slots_held_fn)(void *arg, const char *server, const char *id);

/*
 * Take a place at server for job id, if fewer than max are taken (or id
 * has one already). Returns 1 if it has one now, 0 if the places are
 * full, -1 after printing why the state could not be read or written (the
 * caller must not send then, since it cannot know what others sent).
 */
int slots_take(struct spool *sp, const char *server, const char *id,
    unsigned max, slots_held_fn held, void *arg);

/*
 * Job id holds a place at server, known from its record: make its entry
 * if a crash lost it (a dispatcher that died after it gave a place up
 * but before the record said so). Prints what fails.
 */
void slots_keep(struct spool *sp, const char *server, const char *id);

/* Job id leaves server: its place goes. Prints what fails. */
void slots_release(struct spool *sp, const char *server, const char *id);

#endif
