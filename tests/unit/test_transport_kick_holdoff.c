/* The adaptive --kick-holdoff: opens when the guest has several requests
 * outstanding at once, closes when holdoffs keep finding one or none, and
 * never opens at depth 1. */
#include "check.h"
#include "transport/kick_holdoff.h"

int main(void)
{
	struct kick_holdoff h;

	/* Off: nothing opens it. */
	kick_holdoff_init(&h, 0);
	kick_holdoff_after_batch(&h, 16, false);
	EQ(kick_holdoff_open(&h), false);

	/* A guest at depth 1: every batch after a kick holds one request. */
	kick_holdoff_init(&h, 200000);
	EQ(kick_holdoff_open(&h), false);
	for (int i = 0; i < 1000; i++)
		kick_holdoff_after_batch(&h, 1, false);
	EQ(kick_holdoff_open(&h), false);
	EQ(h.held, 0);

	/* Two found waiting at once: it opens, and stays open while the
	 * holdoffs find several. */
	kick_holdoff_after_batch(&h, 2, false);
	EQ(kick_holdoff_open(&h), true);
	for (int i = 0; i < 100; i++)
		kick_holdoff_after_batch(&h, 5, true);
	EQ(kick_holdoff_open(&h), true);
	EQ(h.held, 100);
	EQ(h.found, 100);

	/* One miss is forgiven, the next batch of several resets the count. */
	kick_holdoff_after_batch(&h, 1, true);
	EQ(kick_holdoff_open(&h), true);
	kick_holdoff_after_batch(&h, 3, true);
	kick_holdoff_found_none(&h);
	EQ(kick_holdoff_open(&h), true);

	/* Two misses in a row close it: one request, then none. */
	kick_holdoff_after_batch(&h, 1, true);
	EQ(kick_holdoff_open(&h), false);
	EQ(h.held, 104);
	EQ(h.found, 103);

	/* Misses counted afresh after it reopens; a found-nothing pair
	 * closes it too. */
	kick_holdoff_after_batch(&h, 4, false);
	EQ(kick_holdoff_open(&h), true);
	kick_holdoff_found_none(&h);
	EQ(kick_holdoff_open(&h), true);
	kick_holdoff_found_none(&h);
	EQ(kick_holdoff_open(&h), false);

	/* A batch of one after a kick is neither a reason to open nor a
	 * miss: only holdoffs count against it. */
	kick_holdoff_after_batch(&h, 2, false);
	kick_holdoff_after_batch(&h, 1, true);
	kick_holdoff_after_batch(&h, 1, false);
	EQ(kick_holdoff_open(&h), true);
	return 0;
}
