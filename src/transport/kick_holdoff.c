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
	}
}

void kick_holdoff_after_batch(struct kick_holdoff *h, unsigned n, bool after_holdoff)
{
	if (!h->ns)
		return;
	if (after_holdoff) {
		h->held++;
		h->found++;
	}
	if (n >= 2) {
		h->open = true;
		h->misses = 0;
	} else if (after_holdoff) {
		miss(h);
	}
}

void kick_holdoff_found_none(struct kick_holdoff *h)
{
	if (!h->ns)
		return;
	h->held++;
	miss(h);
}
