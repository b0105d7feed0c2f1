/* How often the queue thread interrupts the guest within a batch of
 * requests it serves itself.  Telling each answer at once keeps a guest
 * that runs on another CPU busy: it takes the answer and queues the next
 * request while we serve the rest, instead of both sides taking turns to
 * sleep (client across CPUs, 16 in flight: 1.17x GETATTR, 1.36x READ,
 * 1.52x WRITE over telling only the first).  A guest that shares our CPU
 * is the opposite: each interrupt wakes it into our time slice, and it
 * preempts us once per answer (0.28-0.38x).  Preemption is what gives it
 * away, so a batch whose interrupts preempted us turns the mode to "the
 * first answer only" for a while, then it is tried again.  EVENT_IDX keeps
 * both modes quiet while the guest is busy with answers it has. */
#ifndef VIRTIOFSD_ANSWER_SIGNAL_H
#define VIRTIOFSD_ANSWER_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

/* How long "the first answer only" lasts once a batch was preempted. */
#define ANSWER_SIGNAL_BACKOFF_NS 100000000u

struct answer_signal {
	uint64_t first_only_until;  /* ns; 0: each answer is told */
	uint64_t backoffs;          /* batches found sharing our CPU */
};

void answer_signal_init(struct answer_signal *s);

/* Whether the batch starting at now tells each answer at once (else the
 * first only).  now is only read while backing off. */
bool answer_signal_each(struct answer_signal *s, uint64_t now);

/* A batch told the guest `told` times before its end, and this thread was
 * preempted `preempted` times meanwhile: more than once every two
 * tellings means the guest runs where we do. */
void answer_signal_after_batch(struct answer_signal *s, unsigned told, unsigned preempted,
			       uint64_t now);

/* A notice queue's answers (virtio-fs hiprio: FORGETs done) only let the
 * guest free those requests; nothing waits on them.  Never within a batch,
 * and at its end only once half the ring (num) holds untold ones, or
 * NOTICE_TELL_NS after the first untold one (the queue thread wakes for
 * it), or when the queue stops: not one interrupt per FORGET (TCG guest,
 * unlink of 5,000 files 1.11x; hiprio interrupts 20,003 -> 1,391).  True:
 * leave the untold ones for now; *deadline (0: none) is when they must be
 * told. */
#define NOTICE_TELL_NS 10000000u
bool answer_signal_notice_defer(uint64_t *deadline, unsigned untold, unsigned num, uint64_t now);

#endif
