/* The adaptive --kick-holdoff: opens when the guest has several requests
 * outstanding at once, closes when holdoffs keep finding one or none, and
 * never opens at depth 1; and the trial that keeps it only while it serves
 * more requests than going without. */
#include "check.h"
#include "transport/kick_holdoff.h"

#define MS 1000000ull

/* Serve at the rate of the mode the trial allows, for ns: the clock
 * ticks every millisecond. */
static void serve(struct kick_holdoff *h, uint64_t *now, uint64_t *served, uint64_t ns,
		  uint64_t on_per_ms, uint64_t off_per_ms)
{
	for (uint64_t t = 0; t < ns / MS; t++) {
		*now += MS;
		*served += h->trial.allowed ? on_per_ms : off_per_ms;
		kick_holdoff_clock(h, *now, *served);
	}
}

/* One probe's length at per_ms requests a millisecond, whatever the mode. */
static void probe(struct kick_holdoff *h, uint64_t *now, uint64_t *served, uint64_t per_ms)
{
	serve(h, now, served, KICK_HOLDOFF_PROBE_NS, per_ms, per_ms);
}

static void test_trial(void)
{
	struct kick_holdoff h;
	uint64_t now = 5 * MS, served = 0;

	/* Off: no trial either. */
	kick_holdoff_init(&h, 0);
	serve(&h, &now, &served, 1000 * MS, 10, 10);
	EQ(h.trial.trials, 0);

	/* The holdoff doubles the rate (a TCG guest): kept, and for longer
	 * as trials agree; the probes go in turn, with it first, then
	 * without. */
	kick_holdoff_init(&h, 200000);
	EQ(h.trial.allowed, true);
	kick_holdoff_clock(&h, now, served);    /* the first batch */
	probe(&h, &now, &served, 20);
	EQ(h.trial.allowed, false);             /* the second probe: without */
	probe(&h, &now, &served, 10);
	EQ(h.trial.trials, 1);
	EQ(h.trial.wins, 1);
	EQ(h.trial.allowed, true);
	EQ(h.trial.keep_ns, KICK_HOLDOFF_KEEP_NS);
	EQ(h.trial.on_first, false);
	serve(&h, &now, &served, KICK_HOLDOFF_KEEP_NS, 20, 10);
	EQ(h.trial.phase, TRIAL_FIRST);
	EQ(h.trial.allowed, false);             /* this time without first */
	serve(&h, &now, &served, 2 * KICK_HOLDOFF_PROBE_NS, 20, 10);
	EQ(h.trial.wins, 2);
	EQ(h.trial.keep_ns, 2 * KICK_HOLDOFF_KEEP_NS);
	for (int i = 0; i < 6; i++)
		serve(&h, &now, &served, h.trial.keep_ns + 2 * KICK_HOLDOFF_PROBE_NS, 20, 10);
	EQ(h.trial.keep_ns, KICK_HOLDOFF_KEEP_MAX_NS);
	EQ(h.trial.wins, h.trial.trials);

	/* The guest changes (a fast one whose streams wait for naps): the
	 * next trial drops the holdoff and trusts that for the base while. */
	serve(&h, &now, &served, h.trial.keep_ns + 2 * KICK_HOLDOFF_PROBE_NS, 5, 10);
	EQ(h.trial.phase, TRIAL_KEEP);
	EQ(h.trial.allowed, false);
	EQ(h.trial.keep_ns, KICK_HOLDOFF_KEEP_NS);
	/* Open by its own rules, it is still not taken while the trial says no. */
	kick_holdoff_after_batch(&h, 4, HOLDOFF_NOT_TAKEN);
	EQ(kick_holdoff_open(&h), false);

	/* Within the margin: without, the safe side. */
	kick_holdoff_init(&h, 200000);
	kick_holdoff_clock(&h, now, served);
	probe(&h, &now, &served, 16 + 16 / KICK_HOLDOFF_MARGIN);
	probe(&h, &now, &served, 16);
	EQ(h.trial.trials, 1);
	EQ(h.trial.wins, 0);
	EQ(h.trial.allowed, false);

	/* Too few requests to tell: without. */
	kick_holdoff_init(&h, 200000);
	kick_holdoff_clock(&h, now, served);
	probe(&h, &now, &served, 1);
	probe(&h, &now, &served, 0);
	EQ(h.trial.wins, 0);
	EQ(h.trial.allowed, false);

	/* A probe stretched by an idle gap counts for nothing. */
	kick_holdoff_init(&h, 200000);
	kick_holdoff_clock(&h, now, served);
	now += KICK_HOLDOFF_STALE_NS + MS;
	served += 1000;
	kick_holdoff_clock(&h, now, served);
	EQ(h.trial.phase, TRIAL_SECOND);
	EQ(h.trial.rate_first, 0);
	probe(&h, &now, &served, 10);
	EQ(h.trial.allowed, false);
}

int main(void)
{
	test_trial();

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
