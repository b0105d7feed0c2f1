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
	kick_holdoff_after_batch(&h, 16, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), false);

	/* A guest at depth 1: every batch after a kick holds one request. */
	kick_holdoff_init(&h, 200000);
	EQ(kick_holdoff_open(&h), false);
	for (int i = 0; i < 1000; i++)
		kick_holdoff_after_batch(&h, 1, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), false);
	EQ(h.held, 0);

	/* Two found waiting at once: it opens, and stays open while the
	 * holdoffs find several. */
	kick_holdoff_after_batch(&h, 2, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), true);
	EQ(kick_holdoff_target(&h), 2);
	for (int i = 0; i < 100; i++)
		kick_holdoff_after_batch(&h, 5, HOLDOFF_ENDED_BY_NAPS);
	EQ(kick_holdoff_open(&h), true);
	EQ(kick_holdoff_target(&h), 5);
	EQ(h.held, 100);
	EQ(h.found, 100);

	/* One miss is forgiven (the target stays), the next batch of several
	 * resets the count and sets the target. */
	kick_holdoff_after_batch(&h, 1, HOLDOFF_ENDED_BY_NAPS);
	EQ(kick_holdoff_open(&h), true);
	EQ(kick_holdoff_target(&h), 5);
	kick_holdoff_after_batch(&h, 3, HOLDOFF_ENDED_BY_NAPS);
	EQ(kick_holdoff_target(&h), 5);         /* a slow guest's: kept */
	kick_holdoff_found_none(&h);
	EQ(kick_holdoff_open(&h), true);

	/* Two misses in a row close it: one request, then none. */
	kick_holdoff_after_batch(&h, 1, HOLDOFF_ENDED_BY_NAPS);
	EQ(kick_holdoff_open(&h), false);
	EQ(h.held, 104);
	EQ(h.found, 103);

	/* Misses counted afresh after it reopens; a found-nothing pair
	 * closes it too. */
	kick_holdoff_after_batch(&h, 4, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), true);
	kick_holdoff_found_none(&h);
	EQ(kick_holdoff_open(&h), true);
	kick_holdoff_found_none(&h);
	EQ(kick_holdoff_open(&h), false);

	/* The target: the largest batch while it stays open, whatever the
	 * way the batch came, unless a quick guest's holdoff found fewer (it
	 * added them within one nap and stopped): then that; it starts
	 * afresh when it reopens. */
	kick_holdoff_after_batch(&h, 8, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), true);
	EQ(kick_holdoff_target(&h), 8);
	kick_holdoff_after_batch(&h, 16, HOLDOFF_ENDED_BY_KICK);
	kick_holdoff_after_batch(&h, 12, HOLDOFF_ENDED_BY_KICK);
	EQ(kick_holdoff_target(&h), 16);
	for (int i = 0; i < 20; i++)
		kick_holdoff_after_batch(&h, 4, HOLDOFF_ENDED_BY_NAPS);
	EQ(kick_holdoff_target(&h), 16);        /* slow: kept */
	kick_holdoff_after_batch(&h, 4, HOLDOFF_ENDED_QUICK);
	EQ(kick_holdoff_target(&h), 4);         /* quick: its depth now */
	kick_holdoff_after_batch(&h, 6, HOLDOFF_ENDED_BY_NAPS);
	EQ(kick_holdoff_target(&h), 6);         /* more than asked: up */
	kick_holdoff_found_none(&h);
	kick_holdoff_after_batch(&h, 1, HOLDOFF_ENDED_BY_KICK);
	EQ(kick_holdoff_open(&h), false);
	EQ(kick_holdoff_target(&h), 0);
	kick_holdoff_after_batch(&h, 3, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_target(&h), 3);

	/* A batch of one after a kick is neither a reason to open nor a
	 * miss: only holdoffs count against it. */
	kick_holdoff_after_batch(&h, 2, HOLDOFF_NOT_TAKEN);
	kick_holdoff_after_batch(&h, 1, HOLDOFF_ENDED_BY_NAPS);
	kick_holdoff_after_batch(&h, 1, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), true);
	return 0;
}
