/* The adaptive kick holdoff: see kick_holdoff.h. */
#include "kick_holdoff.h"

void kick_holdoff_init(struct kick_holdoff *h, uint64_t ns)
{
	*h = (struct kick_holdoff){ .ns = ns };
}

static void miss(struct kick_holdoff *h)
{
	if (++h->misses >= KICK_HOLDOFF_MISSES) {
		h->open = false;
		h->misses = 0;
		h->target = 0;
	}
}

void kick_holdoff_after_batch(struct kick_holdoff *h, unsigned n, enum kick_holdoff_way way)
{
	if (!h->ns)
		return;
	if (way != HOLDOFF_NOT_TAKEN) {
		h->held++;
		h->found++;
	}
	if (n < 2) {
		if (way != HOLDOFF_NOT_TAKEN)
			miss(h);
		return;
	}
	h->open = true;
	h->misses = 0;
	if (way == HOLDOFF_ENDED_QUICK || n > h->target)
		h->target = n;
}

void kick_holdoff_found_none(struct kick_holdoff *h)
{
	if (!h->ns)
		return;
	h->held++;
	miss(h);
}
