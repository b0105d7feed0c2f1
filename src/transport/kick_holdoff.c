/* The adaptive kick holdoff: see kick_holdoff.h. */
#include "kick_holdoff.h"

void kick_holdoff_init(struct kick_holdoff *h, uint64_t ns)
{
	*h = (struct kick_holdoff){ .ns = ns };
	h->trial.keep_ns = KICK_HOLDOFF_KEEP_NS;
	h->trial.on_first = true;
	h->trial.allowed = true;
}

static void enter(struct kick_holdoff_trial *t, enum kick_holdoff_phase phase, bool allowed,
		  uint64_t now, uint64_t served)
{
	t->phase = phase;
	t->allowed = allowed;
	t->since = now;
	t->served_since = served;
}

/* Requests per second served since the phase began; 0 when too few to
 * tell or the phase was stretched by an idle gap. */
static uint64_t probe_rate(const struct kick_holdoff_trial *t, uint64_t now, uint64_t served)
{
	uint64_t dt = now - t->since, n = served - t->served_since;
	if (n < KICK_HOLDOFF_PROBE_MIN || dt > KICK_HOLDOFF_STALE_NS || dt == 0)
		return 0;
	return n * 1000000000ull / dt;
}

bool kick_holdoff_clock(struct kick_holdoff *h, uint64_t now, uint64_t served)
{
	struct kick_holdoff_trial *t = &h->trial;
	if (!h->ns)
		return false;
	if (t->since == 0) {    /* the first batch starts the first trial */
		enter(t, TRIAL_FIRST, t->on_first, now, served);
		return false;
	}
	switch (t->phase) {
	case TRIAL_FIRST:
		if (now - t->since < KICK_HOLDOFF_PROBE_NS)
			return false;
		t->rate_first = probe_rate(t, now, served);
		enter(t, TRIAL_SECOND, !t->on_first, now, served);
		return false;
	case TRIAL_SECOND: {
		if (now - t->since < KICK_HOLDOFF_PROBE_NS)
			return false;
		uint64_t second = probe_rate(t, now, served);
		uint64_t on = t->on_first ? t->rate_first : second;
		uint64_t off = t->on_first ? second : t->rate_first;
		bool won = on && off && on > off + off / KICK_HOLDOFF_MARGIN;
		t->rate_on = on;
		t->rate_off = off;
		t->trials++;
		t->wins += won;
		/* The same verdict again: trust it longer. */
		if (won == t->won && t->trials > 1)
			t->keep_ns = t->keep_ns * 2 > KICK_HOLDOFF_KEEP_MAX_NS ?
				     KICK_HOLDOFF_KEEP_MAX_NS : t->keep_ns * 2;
		else
			t->keep_ns = KICK_HOLDOFF_KEEP_NS;
		t->won = won;
		t->on_first = !t->on_first; /* a trend favours neither */
		enter(t, TRIAL_KEEP, won, now, served);
		return true;
	}
	case TRIAL_KEEP:
		if (now - t->since >= t->keep_ns)
			enter(t, TRIAL_FIRST, t->on_first, now, served);
		return false;
	}
	return false;
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
