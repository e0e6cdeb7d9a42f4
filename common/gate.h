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
 */
#ifndef CT_GATE_H
#define CT_GATE_H

#include <stdint.h>

#include "spool.h"

/*
 * May a request go to server now (in microseconds since the Epoch), given
 * its interval in seconds? If so, note now as its last request and return
 * 1. If not, return 0 with *open_usec the time it may. Returns -1 if the
 * state cannot be read or written (a message is printed): the caller
 * should not send, since it cannot know what others sent.
 */
int gate_pass(struct spool *sp, const char *server, unsigned interval,
    int64_t now, int64_t *open_usec);

#endif
