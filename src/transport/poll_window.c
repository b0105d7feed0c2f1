/* The adaptive polling window: see poll_window.h. */
#include "poll_window.h"

void poll_window_init(struct poll_window *w, uint64_t max_ns)
{
	w->max_ns = max_ns;
	w->ns = 0;
}

void poll_window_after_idle(struct poll_window *w, uint64_t idle_ns)
{
	if (!w->max_ns)
		return;
	if (idle_ns <= w->max_ns) {
		uint64_t grown = w->ns ? w->ns * 2 : POLL_WINDOW_START_NS;
		w->ns = grown < w->max_ns ? grown : w->max_ns;
		return;
	}
	w->ns /= 2;
	if (w->ns < POLL_WINDOW_START_NS)
		w->ns = 0;
}
