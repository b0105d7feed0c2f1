/* Worker pool: see worker_pool.h.
 *
 * idle counts the workers that will take the next job without finishing
 * another first: every worker counts from its creation (one that has not
 * reached its first wait yet takes the job when it does), a worker adds
 * itself again when it finishes a job, a hand takes one away as it queues a
 * job.  So a handed job always has a worker of its own, jobs never queue up
 * behind busy ones, and a pool is usable from the moment it is made. */
#include "worker_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct pool_job *head, **tail;
	unsigned idle;
	bool closing;
	unsigned n;
	pthread_t threads[];
};

static void *worker_main(void *arg)
{
	struct worker_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->closing)
			pthread_cond_wait(&p->wake, &p->lock);
		struct pool_job *job = p->head;
		if (!job)
			break;  /* closing, and nothing left */
		p->head = job->next;
		if (!p->head)
			p->tail = &p->head;
		pthread_mutex_unlock(&p->lock);
		job->next = NULL;
		job->run(job);
		pthread_mutex_lock(&p->lock);
		p->idle++;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

bool worker_pool_try_hand(struct worker_pool *p, struct pool_job *job)
{
	pthread_mutex_lock(&p->lock);
	if (p->idle == 0 || p->closing) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	p->idle--;
	job->next = NULL;
	*p->tail = job;
	p->tail = &job->next;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return true;
}

static void stop_workers(struct worker_pool *p, unsigned started)
{
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct worker_pool *worker_pool_new(unsigned n)
{
	if (n == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct worker_pool *p = calloc(1, sizeof(*p) + n * sizeof(pthread_t));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->tail = &p->head;
	p->n = n;
	p->idle = n;
	for (unsigned i = 0; i < n; i++) {
		int rc = pthread_create(&p->threads[i], NULL, worker_main, p);
		if (rc != 0) {
			log_error("worker pool: cannot create thread %u of %u: %s", i + 1, n,
				  strerror(rc));
			stop_workers(p, i);
			errno = rc;
			return NULL;
		}
	}
	return p;
}

void worker_pool_free(struct worker_pool *p)
{
	if (p)
		stop_workers(p, p->n);
}
