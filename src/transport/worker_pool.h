/* A fixed set of worker threads that run jobs handed to them by the queue
 * threads (--thread-pool-size).  A job is handed only to a worker that is
 * idle at that moment: when none is, the caller runs the job itself, so a
 * job never waits behind another one in the pool. */
#ifndef WORKER_POOL_H
#define WORKER_POOL_H

#include <stdbool.h>

struct pool_job {
	struct pool_job *next;            /* the pool's list; the caller's while it owns the job */
	void (*run)(struct pool_job *job); /* on a worker thread */
};

struct worker_pool;

/* Start n (>= 1) workers.  Call it on a thread whose credentials and
 * seccomp filter the workers are to inherit.  NULL with errno set on
 * failure. */
struct worker_pool *worker_pool_new(unsigned n);
/* Hand job to an idle worker: true when one takes it, false when every
 * worker is busy (the job stays the caller's). */
bool worker_pool_try_hand(struct worker_pool *p, struct pool_job *job);
/* Let the workers finish the jobs handed to them, then join them. */
void worker_pool_free(struct worker_pool *p);

#endif
