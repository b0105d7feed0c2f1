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
 * answer to the last, never has two outstanding, so it is never held up.
 *
 * With EVENT_IDX the kicks are not all off: the guest is asked to kick when
 * it has added as many requests as its largest recent batch (the target:
 * the depth it keeps), so a guest that refills its depth at once wakes the
 * thread at once, with one kick for the lot, as it would without the
 * holdoff; only a guest that stops short waits for the naps.  The target
 * comes down to what a holdoff found when the guest added it all within
 * one nap and stopped (a quick guest now keeping fewer); a slow guest, which
 * stops to think in the middle of its refill, keeps it. */
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
	unsigned target;        /* the depth the guest keeps, 0 while closed */
	unsigned misses;        /* holdoffs in a row that found at most one */
	uint64_t held, found;   /* holdoffs taken, and those that found some */
};

void kick_holdoff_init(struct kick_holdoff *h, uint64_t ns);

/* How the thread came to look for a batch. */
enum kick_holdoff_way {
	HOLDOFF_NOT_TAKEN,      /* a kick, no holdoff taken */
	HOLDOFF_ENDED_BY_KICK,  /* a holdoff ended by the kick at its target */
	HOLDOFF_ENDED_BY_NAPS,  /* ended by its naps: the guest stopped
				 * short of the target, adding over several */
	HOLDOFF_ENDED_QUICK,    /* ended by its naps, all found added within
				 * one: a quick guest, whose depth this is */
};

/* A batch of n requests was served (n > 0). */
void kick_holdoff_after_batch(struct kick_holdoff *h, unsigned n, enum kick_holdoff_way way);

/* A holdoff ended and the ring held nothing: the guest's next request is
 * further away than the holdoff. */
void kick_holdoff_found_none(struct kick_holdoff *h);

static inline bool kick_holdoff_open(const struct kick_holdoff *h)
{
	return h->open;
}

/* How many requests the guest is asked to add before it kicks. */
static inline unsigned kick_holdoff_target(const struct kick_holdoff *h)
{
	return h->target;
}

#endif
