/*
 * gate.h: a server's request spacing, shared by every dispatcher.
 *
 * Errors: gate_pass prints why it fails, once.
 *
 * A registry may ask that no two requests reach a server closer together
 * than its request-interval (the NCBI asks for ten seconds). Each wrapper
 * call is one request, and calls come from several passes and several
 * dispatchers at once, so the time of the last one lives in the spool,
 * SPOOL/state/requests.SERVER, read and written under a lock.
 *
 * A wrapper makes its request some time into its call, and not always as
 * soon: spacing counted from the calls' starts lets two requests come
 * closer than the interval. So the time is the call's end, which comes
 * after its request: while a call is under way the state holds its bound
 * (the latest it can end), and gate_done puts its end there.
 */
#ifndef CT_GATE_H
#define CT_GATE_H

#include <stdint.h>

#include "spool.h"

/*
 * May a request go to server now (in microseconds since the Epoch), given
 * its interval in seconds, from a call that ends within busy_usec? If so,
 * note now + busy_usec as its last request, for gate_done, and return 1.
 * If not, return 0 with *open_usec the time it may. Returns -1 if the
 * state cannot be read or written (a message is printed): the caller
 * should not send, since it cannot know what others sent.
 */
int gate_pass(struct spool *sp, const char *server, unsigned interval,
    int64_t busy_usec, int64_t now, int64_t *open_usec);

/*
 * The call that passed the gate with bound (now + busy_usec) ended at
 * end: the interval counts from then. Prints what fails, and leaves the
 * bound, which only delays the next request.
 */
void gate_done(struct spool *sp, const char *server, int64_t bound,
    int64_t end);

#endif
