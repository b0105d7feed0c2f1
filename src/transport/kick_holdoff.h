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
 * stops to think in the middle of its refill, keeps it.
 *
 * Whether it pays is measured, not guessed: it helps a guest whose kicks
 * and interrupts are dear (an emulated one: 2x the requests at 16 in flight
 * under TCG) and costs a fast one whose processes each send a request now
 * and then (down to a sixth of their rate, measured with the host-side
 * client: they wait for naps instead of kicking).  The daemon cannot tell
 * the two apart by looking, so each queue runs a trial:
 * KICK_HOLDOFF_PROBE_NS with holdoffs allowed and as long without (in turn
 * first), compares the rates at which requests were served, and keeps the
 * holdoff for the next while only when it served more by
 * KICK_HOLDOFF_MARGIN; that while grows from KICK_HOLDOFF_KEEP_NS to
 * KICK_HOLDOFF_KEEP_MAX_NS as trials agree.  A queue too idle to measure
 * stays without. */
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

/* The trial: each probe this long, then the winner kept for at least
 * KEEP and at most KEEP_MAX; the holdoff must serve MARGIN more to win
 * (the fraction 1 / KICK_HOLDOFF_MARGIN), both probes at least PROBE_MIN
 * requests; a probe stretched past STALE (an idle gap) counts for nothing. */
#define KICK_HOLDOFF_PROBE_NS 20000000ull
#define KICK_HOLDOFF_KEEP_NS 200000000ull
#define KICK_HOLDOFF_KEEP_MAX_NS 1600000000ull
#define KICK_HOLDOFF_MARGIN 16u
#define KICK_HOLDOFF_PROBE_MIN 32u
#define KICK_HOLDOFF_STALE_NS (4 * KICK_HOLDOFF_PROBE_NS)

enum kick_holdoff_phase {
	TRIAL_FIRST,            /* the first probe */
	TRIAL_SECOND,           /* the other */
	TRIAL_KEEP,             /* the winner, until the next trial */
};

struct kick_holdoff_trial {
	enum kick_holdoff_phase phase;
	bool allowed;           /* holdoffs may be taken now */
	bool on_first;          /* this trial probes with holdoffs first */
	bool won;               /* the last trial's verdict */
	uint64_t since, served_since; /* the phase's start: time, requests */
	uint64_t rate_first;    /* the first probe's requests per second */
	uint64_t rate_on, rate_off; /* the last verdict's */
	uint64_t keep_ns;       /* how long the verdict is kept */
	uint64_t trials, wins;
};

struct kick_holdoff {
	uint64_t ns;            /* the holdoff; 0: never */
	struct kick_holdoff_trial trial;
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

/* The clock of the trial, at the end of a batch: now, and the requests the
 * queue has served in all.  True when it just reached a verdict (the
 * probes' rates are in trial.rate_on and trial.rate_off). */
bool kick_holdoff_clock(struct kick_holdoff *h, uint64_t now_ns, uint64_t served);

static inline bool kick_holdoff_open(const struct kick_holdoff *h)
{
	return h->open && h->trial.allowed;
}

/* How many requests the guest is asked to add before it kicks. */
static inline unsigned kick_holdoff_target(const struct kick_holdoff *h)
{
	return h->target;
}

#endif
