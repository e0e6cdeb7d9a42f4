/*
 * offered.h: the services the dispatcher's registry offers, published in
 * the spool as state/services (cputorrent-spool(5)), so that ct-submit(1)
 * can warn of a job no server will take without reading the registry
 * itself (nor linking libxml2 to do so).
 *
 * Errors: offered_publish prints why it failed; offered_check prints
 * nothing (what it cannot read, it does not know).
 */
#ifndef CT_OFFERED_H
#define CT_OFFERED_H

#include "registry.h"
#include "spool.h"

/* The largest state/services read. */
#define OFFERED_MAX_SIZE 65536

/*
 * Write state/services from r: one line for each service that an enabled
 * server offers with a weight above 0, sorted, each once; left as it is
 * if it already says so. Returns 0, or -1 after a message.
 */
int offered_publish(struct spool *sp, const struct registry *r);

/*
 * Is service offered, as the dispatcher last published it? 1 yes, 0 no,
 * -1 not known (no dispatcher has published, or the file is unreadable).
 */
int offered_check(struct spool *sp, const char *service);

#endif
