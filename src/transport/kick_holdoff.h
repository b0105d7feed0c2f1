/* --kick-holdoff=USEC: after serving a batch, a queue thread may leave the
 * guest's kicks off and look at the avail ring again up to USEC later,
 * instead of turning kicks on and sleeping until the next one.  A guest that
 * keeps several requests in flight then adds them without a kick (a trap to
 * the VMM each), and they are served, and their completions signalled, in
 * batches: interrupt moderation, seen from the device.  The thread sleeps
 * through it; it never spins.
 *
 * Adaptive: it opens when a batch held two requests or more (the guest had
 * several outstanding at once) and closes when holdoffs keep finding one
 * request or none.  A guest at depth 1, whose next request waits for the
 * answer to the last, never has two outstanding, so it is never held up. */
#ifndef VIRTIOFSD_KICK_HOLDOFF_H
#define VIRTIOFSD_KICK_HOLDOFF_H

#include <stdbool.h>
#include <stdint.h>

/* Holdoffs in a row that found at most one request before it closes. */
#define KICK_HOLDOFF_MISSES 2u
/* A holdoff is slept in this many naps; one that ends with requests
 * waiting and none added since the last nap ends it early: the guest has
 * stopped adding and is likely waiting for their answers. */
#define KICK_HOLDOFF_NAPS 4u

struct kick_holdoff {
	uint64_t ns;            /* the holdoff; 0: never */
	bool open;
	unsigned misses;        /* holdoffs in a row that found at most one */
	uint64_t held, found;   /* holdoffs taken, and those that found some */
};

void kick_holdoff_init(struct kick_holdoff *h, uint64_t ns);

/* A batch of n requests was served (n > 0); after_holdoff: the thread went
 * looking for it after a holdoff rather than after a kick. */
void kick_holdoff_after_batch(struct kick_holdoff *h, unsigned n, bool after_holdoff);

/* A holdoff ended and the ring held nothing: the guest's next request is
 * further away than the holdoff. */
void kick_holdoff_found_none(struct kick_holdoff *h);

static inline bool kick_holdoff_open(const struct kick_holdoff *h)
{
	return h->open;
}

#endif
