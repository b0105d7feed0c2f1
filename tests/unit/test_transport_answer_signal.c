/* When the queue thread tells answers within a batch: each one, until a
 * batch's tellings preempt the thread; then the first only, for the
 * backoff, and each one again after it.  A notice queue's: lazily. */
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

	/* A notice queue of 8: nothing untold, nothing to wait for. */
	uint64_t dl = 0;
	EQ(answer_signal_notice_defer(&dl, 0, 8, t), false);
	EQ(dl, 0);
	/* One untold: deferred, told by the deadline, not moved by more. */
	EQ(answer_signal_notice_defer(&dl, 1, 8, t), true);
	EQ(dl, t + NOTICE_TELL_NS);
	EQ(answer_signal_notice_defer(&dl, 3, 8, t + 5), true);
	EQ(dl, t + NOTICE_TELL_NS);
	/* At the deadline: told. */
	EQ(answer_signal_notice_defer(&dl, 3, 8, t + NOTICE_TELL_NS), false);
	EQ(dl, 0);
	/* Half the ring untold: told at once. */
	EQ(answer_signal_notice_defer(&dl, 1, 8, t), true);
	EQ(answer_signal_notice_defer(&dl, 4, 8, t + 1), false);
	EQ(dl, 0);
	/* Before the first telling the queue counts as all untold. */
	EQ(answer_signal_notice_defer(&dl, 8, 8, t), false);
	return 0;
}
