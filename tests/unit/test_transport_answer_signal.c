/* When the queue thread tells answers within a batch: each one, until a
 * batch's tellings preempt the thread; then the first only, for the
 * backoff, and each one again after it. */
#include "check.h"
#include "transport/answer_signal.h"

#define MS 1000000u

int main(void)
{
	struct answer_signal s;
	uint64_t t = 5000 * MS;

	answer_signal_init(&s);
	EQ(answer_signal_each(&s, t), true);

	/* A guest on another CPU: told often, preempted now and then (the
	 * tick, another task): it stays. */
	answer_signal_after_batch(&s, 15, 0, t);
	answer_signal_after_batch(&s, 15, 7, t);
	answer_signal_after_batch(&s, 2, 1, t);
	answer_signal_after_batch(&s, 0, 3, t);   /* nothing told: nothing learnt */
	EQ(answer_signal_each(&s, t), true);
	EQ(s.backoffs, 0);

	/* A guest on our CPU: about one preemption a telling. */
	answer_signal_after_batch(&s, 15, 8, t);
	EQ(s.backoffs, 1);
	EQ(answer_signal_each(&s, t), false);
	EQ(answer_signal_each(&s, t + ANSWER_SIGNAL_BACKOFF_NS - 1), false);
	/* Tried again after the backoff. */
	EQ(answer_signal_each(&s, t + ANSWER_SIGNAL_BACKOFF_NS), true);
	EQ(answer_signal_each(&s, t), true);

	/* One telling, one preemption: that is the guest on our CPU too. */
	answer_signal_after_batch(&s, 1, 1, t);
	EQ(s.backoffs, 2);
	EQ(answer_signal_each(&s, t + 1), false);
	return 0;
}
