/* The adaptive --queue-poll window: opens while requests keep coming within
 * the most, closes when they do not, never passes the most. */
#include "check.h"
#include "transport/poll_window.h"

#define US 1000u

int main(void)
{
	struct poll_window w;

	/* Off: nothing ever opens it. */
	poll_window_init(&w, 0);
	poll_window_after_idle(&w, 1);
	EQ(w.ns, 0);

	/* A guest at depth 1: each next request a whole round trip away
	 * (150 us against a most of 50): the window never opens. */
	poll_window_init(&w, 50 * US);
	EQ(w.ns, 0);
	for (int i = 0; i < 100; i++)
		poll_window_after_idle(&w, 150 * US);
	EQ(w.ns, 0);

	/* Requests 30 us apart: it opens and widens, to the most and no more. */
	poll_window_after_idle(&w, 30 * US);
	EQ(w.ns, POLL_WINDOW_START_NS);
	poll_window_after_idle(&w, 30 * US);
	EQ(w.ns, 2 * POLL_WINDOW_START_NS);
	for (int i = 0; i < 10; i++)
		poll_window_after_idle(&w, 30 * US);
	EQ(w.ns, 50 * US);
	/* A gap just at the most still counts as soon. */
	poll_window_after_idle(&w, 50 * US);
	EQ(w.ns, 50 * US);

	/* The guest goes quiet: halved at each long gap, then closed. */
	poll_window_after_idle(&w, 50 * US + 1);
	EQ(w.ns, 25 * US);
	poll_window_after_idle(&w, 1000 * US);
	EQ(w.ns, 12500);
	poll_window_after_idle(&w, 1000 * US);
	EQ(w.ns, 0);

	/* A most below the start value: the window is the most or nothing. */
	poll_window_init(&w, 4 * US);
	poll_window_after_idle(&w, 1 * US);
	EQ(w.ns, 4 * US);
	poll_window_after_idle(&w, 5 * US);
	EQ(w.ns, 0);
	return 0;
}
