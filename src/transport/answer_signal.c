/* When answers are told within a batch: see answer_signal.h. */
#include "answer_signal.h"

void answer_signal_init(struct answer_signal *s)
{
	s->first_only_until = 0;
	s->backoffs = 0;
}

bool answer_signal_each(struct answer_signal *s, uint64_t now)
{
	if (!s->first_only_until)
		return true;
	if (now < s->first_only_until)
		return false;
	s->first_only_until = 0;
	return true;
}

bool answer_signal_notice_defer(uint64_t *deadline, unsigned untold, unsigned num, uint64_t now)
{
	if (untold == 0 || untold >= num / 2 || (*deadline && now >= *deadline)) {
		*deadline = 0;
		return false;
	}
	if (!*deadline)
		*deadline = now + NOTICE_TELL_NS;
	return true;
}

void answer_signal_after_batch(struct answer_signal *s, unsigned told, unsigned preempted,
			       uint64_t now)
{
	if (told && 2 * preempted > told) {
		s->first_only_until = now + ANSWER_SIGNAL_BACKOFF_NS;
		s->backoffs++;
	}
}
