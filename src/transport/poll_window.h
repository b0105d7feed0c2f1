/* How long a queue thread watches the avail ring before it sleeps
 * (--queue-poll=USEC is the most).  Adaptive, like KVM's halt polling: the
 * window opens only while the guest's next request keeps coming within the
 * most it may be, and closes when it does not, so an idle queue, or a guest
 * whose next request is further away than USEC, costs no spin, while a
 * guest that keeps requests coming is served without kicks or wake-ups. */
#ifndef VIRTIOFSD_POLL_WINDOW_H
#define VIRTIOFSD_POLL_WINDOW_H

#include <stdint.h>

/* The first window opened (or the most, if smaller). */
#define POLL_WINDOW_START_NS 10000u

struct poll_window {
	uint64_t max_ns;  /* 0: never poll */
	uint64_t ns;      /* the current window, 0 <= ns <= max_ns */
};

void poll_window_init(struct poll_window *w, uint64_t max_ns);

/* The queue was idle for idle_ns (from the end of a batch, its polling
 * included, to the kick that ended the sleep): a request that came within
 * max_ns would have been caught by a wider window, so widen it; a longer
 * gap halves it (closed below the start value). */
void poll_window_after_idle(struct poll_window *w, uint64_t idle_ns);

#endif
