/* One thread per started virtqueue: wait for a kick, pop every available
 * chain, let the device serve it (here, or on a pool worker when a burst
 * arrives and --thread-pool-size made one), push it back, notify the guest
 * once per batch; then sleep until the next kick or, while the guest keeps
 * several requests in flight, through a short holdoff without kicks. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "mem_guard.h"
#include "vhost_user_dev.h"

static bool stop_requested(const struct vu_queue *q)
{
	return __atomic_load_n(&q->stop, __ATOMIC_ACQUIRE);
}

bool vu_queue_enabled(const struct vu_dev *dev, const struct vu_queue *q)
{
	/* Without VHOST_USER_F_PROTOCOL_FEATURES rings start enabled; with
	 * it they wait for SET_VRING_ENABLE 1. */
	if (q->enable_seen)
		return q->enabled;
	bool protocol = (dev->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)) ||
			dev->protocol_acked;
	return !protocol;
}

int vu_queue_map_rings(const struct guest_mem *mem, const struct vu_queue *q, unsigned num,
		       struct vring_desc **desc, struct vring_avail **avail,
		       struct vring_used **used)
{
	const struct vhost_user_addr *a = &q->addr;
	/* Full split-ring sizes including used_event / avail_event. */
	uint64_t desc_len = 16ull * num;
	uint64_t avail_len = 6ull + 2ull * num;
	uint64_t used_len = 6ull + 8ull * num;

	if (num == 0 || !q->addr_set)
		return -EINVAL;
	if (a->desc_user_addr % 16 || a->avail_user_addr % 2 || a->used_user_addr % 4)
		return -EINVAL;
	*desc = guest_mem_uva(mem, a->desc_user_addr, desc_len);
	*avail = guest_mem_uva(mem, a->avail_user_addr, avail_len);
	*used = guest_mem_uva(mem, a->used_user_addr, used_len);
	if (!*desc || !*avail || !*used)
		return -EFAULT;
	/* Aligned frontend addresses are not enough: a region's mmap_offset
	 * (or userspace_addr) may still shift them in our mapping, and the
	 * rings are read and written as naturally aligned fields. */
	if ((uintptr_t)*desc % 16 || (uintptr_t)*avail % 2 || (uintptr_t)*used % 4)
		return -EINVAL;
	return 0;
}

static void signal_error(struct vu_queue *q)
{
	pthread_mutex_lock(&q->vq.push_lock);
	if (q->err_fd >= 0) {
		uint64_t one = 1;
		if (write(q->err_fd, &one, sizeof(one)) < 0)
			log_debug("queue %u: error eventfd: %s", q->idx, strerror(errno));
	}
	pthread_mutex_unlock(&q->vq.push_lock);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Times this thread was preempted (involuntary context switches). */
static unsigned long thread_preemptions(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	return (unsigned long)ru.ru_nivcsw;
}

static bool writer_waiting(const struct vu_dev *dev)
{
	return __atomic_load_n(&dev->mem_writer, __ATOMIC_ACQUIRE);
}

void vu_mem_write_lock(struct vu_dev *dev)
{
	/* Queue threads see this between two chains and let go of the read
	 * side once their pool work is pushed. */
	__atomic_store_n(&dev->mem_writer, true, __ATOMIC_RELEASE);
	pthread_rwlock_wrlock(&dev->mem_lock);
}

void vu_mem_write_unlock(struct vu_dev *dev)
{
	__atomic_store_n(&dev->mem_writer, false, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&dev->mem_lock);
}

/* Watch the avail ring for up to ns: true as soon as a request is there.
 * Bounded, and only entered right after serving something, so a queue the
 * guest does not use never spins.  The spin takes only what no other thread
 * wants: it yields every few microseconds, else a thread woken on this CPU
 * (QEMU's main loop, a vCPU, our own hiprio queue) waits until the window
 * ends, as Linux 6.6+'s EEVDF lets the running thread finish its slice.
 * Measured in the TCG guest with --queue-poll=400: unlink 1.22x, create
 * 1.06x faster with the yield, daemon CPU 9 % less. */
static bool poll_avail(struct vu_queue *q, uint64_t ns)
{
	uint64_t end = now_ns() + ns;
	for (unsigned spin = 1;; spin++) {
		if (vq_avail_pending(&q->vq))
			return true;
		if (stop_requested(q) || writer_waiting(q->dev))
			return false;
		__builtin_ia32_pause();
		if (!(spin & 31)) {
			if (now_ns() >= end)
				return false;
			sched_yield();
		}
	}
}

void vu_report_shrink(void)
{
	if (mem_guard_report_due())
		log_error("frontend shrank a shared memory file we had mapped: its pages past "
			  "the end read as zeros here (in guest memory the queues stop until a new "
			  "memory table and a ring reset; in the dirty log the migration fails)");
}

/* A fault since the thread last looked (mem_guard.h).  In guest memory,
 * what this queue reads there may be zeros where the guest wrote
 * something: it stops as a broken ring does, until the frontend resets
 * it.  In the dirty log only the migration is lost (the state save says
 * so): the guest is served on. */
static bool memory_shrank(struct vu_queue *q)
{
	uint64_t n = mem_guard_faults();

	if (n == q->guard_faults)
		return false;
	q->guard_faults = n;
	vu_report_shrink();
	if (!guest_mem_damaged(q->vq.mem))
		return false;
	q->vq.broken = true;
	return true;
}

/* Whether q carries notices (vhost_user.h: notice_queues). */
static bool is_notice_queue(const struct vu_queue *q)
{
	return q->idx < q->dev->ops->notice_queues;
}

/* A notice queue's answers are told lazily (answer_signal.h). */
static bool defer_notice(struct vu_queue *q)
{
	if (!is_notice_queue(q))
		return false;
	return answer_signal_notice_defer(&q->notice_deadline, vq_untold(&q->vq), q->vq.num,
					  now_ns());
}

/* epoll_wait's timeout: until notice_deadline, if one is set. */
static int notice_timeout_ms(const struct vu_queue *q)
{
	if (!q->notice_deadline)
		return -1;
	uint64_t t = now_ns();
	if (t >= q->notice_deadline)
		return 0;
	return (int)((q->notice_deadline - t + 999999) / 1000000);
}

static void run_job(struct pool_job *pj);

static struct vu_job *new_job(struct vu_queue *q)
{
	struct vu_job *j = malloc(sizeof(*j));
	if (j) {
		j->pj.run = run_job;
		j->next_free = NULL;
		j->q = q;
	}
	return j;
}

static unsigned inflight(struct vu_queue *q)
{
	pthread_mutex_lock(&q->jobs_lock);
	unsigned n = q->inflight;
	pthread_mutex_unlock(&q->jobs_lock);
	return n;
}

/* On a worker: serve, push, tell the guest, give the buffer back.  The
 * queue thread holds mem_lock's read side for us while inflight > 0. */
static void run_job(struct pool_job *pj)
{
	struct vu_job *j = (struct vu_job *)pj;
	struct vu_queue *q = j->q;
	const struct vu_device *ops = q->dev->ops;

	uint32_t written = ops->serve(ops->opaque, q->idx, &j->req);
	vq_push(&q->vq, &j->req, written);
	vq_notify(&q->vq);
	pthread_mutex_lock(&q->jobs_lock);
	j->next_free = q->free_jobs;
	q->free_jobs = j;
	/* Under the lock: once the queue thread sees 0, the queue may be
	 * stopped and freed, so nothing of it may be touched after this. */
	if (--q->inflight == 0) {
		uint64_t one = 1;
		if (write(q->wake_fd, &one, sizeof(one)) < 0)
			log_debug("queue %u: wake eventfd: %s", q->idx, strerror(errno));
	}
	pthread_mutex_unlock(&q->jobs_lock);
}

/* The adaptive part of --thread-pool-size: the chain just popped goes to
 * the pool only when more are waiting behind it and a worker is idle.  The
 * last chain of a burst (so every chain at queue depth 1) is served on this
 * thread, without a thread switch, and nothing ever waits in the pool behind
 * a busy worker. */
static bool hand_to_pool(struct vu_queue *q)
{
	struct vu_dev *dev = q->dev;

	if (!dev->pool || !vq_avail_pending(&q->vq))
		return false;
	/* Counted before the hand: the worker may finish at once. */
	pthread_mutex_lock(&q->jobs_lock);
	if (!q->spare && q->free_jobs) {
		q->spare = q->free_jobs;
		q->free_jobs = q->spare->next_free;
	}
	q->inflight++;
	pthread_mutex_unlock(&q->jobs_lock);
	if (!q->spare)
		q->spare = new_job(q);
	if (!q->spare || !worker_pool_try_hand(dev->pool, &q->job->pj)) {
		pthread_mutex_lock(&q->jobs_lock);
		q->inflight--;
		pthread_mutex_unlock(&q->jobs_lock);
		return false;
	}
	q->job = q->spare;
	q->spare = NULL;
	return true;
}

static void log_trial(const struct vu_queue *q)
{
	const struct kick_holdoff_trial *t = &q->holdoff.trial;
	log_debug("queue %u: holdoff trial: %llu requests/s with, %llu without: %s for %llu ms",
		  q->idx, (unsigned long long)t->rate_on, (unsigned long long)t->rate_off,
		  t->won ? "with" : "without", (unsigned long long)(t->keep_ns / 1000000));
}

enum drain_end {
	DRAIN_IDLE,     /* the ring is empty and kicks are on */
	DRAIN_YIELD,    /* stopped early: the queue stops or memory changes */
	DRAIN_BROKEN,   /* the guest broke the ring */
	DRAIN_HOLDOFF,  /* served some; kicks stay off, look again shortly */
};

/* Serve (or hand out) everything available; mem_lock's read side held. */
static enum drain_end drain(struct vu_queue *q)
{
	struct vu_dev *dev = q->dev;
	struct virtqueue *vq = &q->vq;
	const struct vu_device *ops = dev->ops;

	for (;;) {
		if (vq->broken || memory_shrank(q))
			return DRAIN_BROKEN;
		vq_disable_kicks(vq);
		unsigned n = 0, told = 0;
		bool counting = false;  /* preemptions: counted from here */
		unsigned long preempted = 0;
		/* Without EVENT_IDX nothing would spare a busy guest those
		 * interrupts: the first answer only.  A notice queue's are
		 * told at the batch's end, if then (defer_notice). */
		bool notices = is_notice_queue(q);
		bool each = !notices && vq->event_idx && answer_signal_each(&q->signal, now_ns());
		int r = 0;
		while (n < vq->num && !stop_requested(q) && !writer_waiting(dev) &&
		       !memory_shrank(q) && (r = vq_pop(vq, &q->job->req)) == 1) {
			n++;
			q->served++;
			if (hand_to_pool(q)) {
				q->handed++;
				continue;
			}
			uint32_t written = ops->serve(ops->opaque, q->idx, &q->job->req);
			vq_push(vq, &q->job->req, written);
			/* Answers are told while more wait, not only at the end:
			 * the guest wakes (dear where a CPU sleeps) while we serve
			 * the rest, and refills its queue meanwhile.  The first
			 * always (TCG guest, 16 in flight: random write 1.56x);
			 * each, unless that preempts us (answer_signal.h). */
			if (!notices && (each || n == 1) && vq_avail_pending(vq)) {
				if (each && !counting) {
					preempted = thread_preemptions();
					counting = true;
				}
				if (vq_notify(vq) && each)
					told++;
			}
		}
		if (told)
			answer_signal_after_batch(&q->signal, told,
						  (unsigned)(thread_preemptions() - preempted), now_ns());
		if (!defer_notice(q))
			vq_notify(vq);
		if (r < 0 || vq->broken)
			return DRAIN_BROKEN;
		if (stop_requested(q) || writer_waiting(dev))
			return DRAIN_YIELD;
		if (n > 0) {
			kick_holdoff_after_batch(&q->holdoff, n, q->held_off);
			if (q->holdoff.ns && kick_holdoff_clock(&q->holdoff, now_ns(), q->served))
				log_trial(q);
		} else if (q->held_off != HOLDOFF_NOT_TAKEN)
			kick_holdoff_found_none(&q->holdoff);
		q->held_off = HOLDOFF_NOT_TAKEN;
		if (n == vq->num)
			continue;       /* a full batch: the guest has been told, go on */
		/* A guest that keeps several in flight is batched by the
		 * holdoff, not polled: a spin would serve them one by one, an
		 * interrupt each, on the CPU the guest's vCPU needs (in the TCG
		 * guest at 16 in flight: 0.76x with polling first). */
		if (n > 0 && kick_holdoff_open(&q->holdoff)) {
			/* Without EVENT_IDX the kicks stay off (vq_disable_kicks). */
			if (vq->event_idx &&
			    vq_enable_kicks_after(vq, (uint16_t)kick_holdoff_target(&q->holdoff)))
				continue;       /* the guest added that many already */
			return DRAIN_HOLDOFF;
		}
		/* While the guest keeps requests coming, its next one is often
		 * a few microseconds away: cheaper to watch for it than to
		 * sleep and be woken by its kick (the window adapts). */
		if (n > 0 && q->poll.max_ns) {
			q->idle_since = now_ns();
			if (q->poll.ns && poll_avail(q, q->poll.ns)) {
				q->poll_hits++;
				continue;
			}
		}
		if (!vq_enable_kicks(vq))
			return DRAIN_IDLE;
	}
}

/* Requests waiting in the ring; the ring is guest memory, so mem_lock's
 * read side is taken unless held (locked).  UINT16_MAX (more than a queue
 * holds) while a memory change waits: the holdoff ends. */
static unsigned peek_waiting(struct vu_queue *q, bool locked)
{
	if (locked)
		return vq_avail_waiting(&q->vq);
	if (writer_waiting(q->dev))
		return UINT16_MAX;
	pthread_rwlock_rdlock(&q->dev->mem_lock);
	unsigned n = vq_avail_waiting(&q->vq);
	pthread_rwlock_unlock(&q->dev->mem_lock);
	return n;
}

/* Sleep through a holdoff, kicks off, in naps: 0 when it ran out or a nap
 * found the guest no longer adding requests, else what epoll_pwait2 gave
 * (events, or -1 and errno).  The naps are cut to the holdoff's deadline,
 * so that a late wake-up is not paid once per nap.  Where epoll_pwait2 is
 * missing (Linux < 5.11) the holdoff is turned off. */
static int hold_off(struct vu_queue *q, bool locked, int ep, struct epoll_event *ev, int max)
{
	uint64_t nap = q->holdoff.ns / KICK_HOLDOFF_NAPS;
	uint64_t end = now_ns() + q->holdoff.ns;
	unsigned seen = 0;      /* right after a drain */
	unsigned adding = 0;    /* naps in which the guest added some */
	q->held_off = HOLDOFF_ENDED_BY_NAPS;
	for (uint64_t now = now_ns(); now < end; now = now_ns()) {
		uint64_t ns = end - now < nap ? end - now : nap;
		struct timespec t = { .tv_sec = (time_t)(ns / 1000000000u),
				      .tv_nsec = (long)(ns % 1000000000u) };
		int n = epoll_pwait2(ep, ev, max, &t, NULL);
		if (n < 0 && errno == ENOSYS) {
			log_warn("queue %u: no epoll_pwait2: --kick-holdoff off", q->idx);
			kick_holdoff_init(&q->holdoff, 0);
			return 0;
		}
		if (n != 0) {
			q->held_off = HOLDOFF_ENDED_BY_KICK;
			return n;
		}
		unsigned waiting = peek_waiting(q, locked);
		if (waiting == UINT16_MAX)
			return 0;
		if (waiting > 0 && waiting == seen) {
			if (adding == 1)
				q->held_off = HOLDOFF_ENDED_QUICK;
			return 0;
		}
		adding += waiting != seen;
		seen = waiting;
	}
	return 0;
}

/* A timed sleep ends up to the thread's timer slack late, 50 us by
 * default: as long as a nap of a 200 us holdoff.  Measured here, 50 us naps
 * took 126 us on average with it and 77 us with 3 us of slack. */
static void sharpen_timer(const struct vu_queue *q)
{
	unsigned long slack = (unsigned long)(q->holdoff.ns / KICK_HOLDOFF_NAPS / 16);
	if (q->holdoff.ns && prctl(PR_SET_TIMERSLACK, slack ? slack : 1ul, 0, 0, 0) < 0)
		log_debug("queue %u: timer slack: %s", q->idx, strerror(errno));
}

/* The thread sleeps in epoll_wait.  The kick fd is edge-triggered and
 * never read: each guest kick is a new edge, so a wake-up costs one system
 * call instead of poll() plus read().  (The counter it leaves growing
 * cannot reach 2^64 - 1.)  stop_fd and wake_fd are level-triggered and
 * read when they fire. */
enum { WAKE_STOP, WAKE_POOL, WAKE_KICK };

static int open_waits(struct vu_queue *q, bool *kick_usable)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = WAKE_STOP };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, q->stop_fd, &ev) < 0)
		goto fail;
	ev.data.u32 = WAKE_POOL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, q->wake_fd, &ev) < 0)
		goto fail;
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u32 = WAKE_KICK };
	/* A kick fd that cannot be watched (a regular file from a hostile
	 * frontend) leaves the queue idle until it is restarted. */
	*kick_usable = epoll_ctl(ep, EPOLL_CTL_ADD, q->kick_fd, &ev) == 0;
	return ep;
fail:
	close(ep);
	return -1;
}

/* A kick fd we cannot wait on (refused by epoll, or in error): the queue
 * stays idle, its thread waits only for the stop. */
static void kick_unusable(const struct vu_queue *q, bool *dead)
{
	if (!*dead)
		log_error("queue %u: kick fd unusable, queue idle until restarted", q->idx);
	*dead = true;
}

static void *queue_thread(void *arg)
{
	struct vu_queue *q = arg;
	struct vu_dev *dev = q->dev;
	bool locked = false;
	bool kick_usable = false;
	bool dead = false;      /* broken ring or unusable kick fd: wait to be stopped */
	int ep = open_waits(q, &kick_usable);

	if (ep < 0) {
		log_error("queue %u: epoll: %s; queue not served", q->idx, strerror(errno));
		return NULL;
	}
	if (!kick_usable)
		kick_unusable(q, &dead);
	bool notices = is_notice_queue(q);
	poll_window_init(&q->poll, notices ? 0 : dev->poll_ns);
	kick_holdoff_init(&q->holdoff, notices ? 0 : dev->holdoff_ns);
	sharpen_timer(q);
	q->held_off = HOLDOFF_NOT_TAKEN;
	q->idle_since = 0;
	q->poll_hits = 0;
	answer_signal_init(&q->signal);
	q->notice_deadline = 0;
	log_debug("queue %u: started (size %u, base %u)", q->idx, q->vq.num, q->vq.last_avail);
	/* Requests may already be waiting: the guest kicked before we ran. */
	for (;;) {
		if (!locked) {
			pthread_rwlock_rdlock(&dev->mem_lock);
			locked = true;
		}
		enum drain_end end = DRAIN_IDLE;
		if (stop_requested(q))
			end = DRAIN_YIELD;
		else if (!dead)
			end = drain(q);
		if (end == DRAIN_YIELD && q->notice_deadline) {
			/* Stopping (or the memory changes): tell them now. */
			vq_notify(&q->vq);
			q->notice_deadline = 0;
		}
		if (end == DRAIN_BROKEN) {
			log_error("queue %u: ring broken, stopped until the frontend resets it", q->idx);
			signal_error(q);
			dead = true;
			end = DRAIN_IDLE;
		}
		/* Chains with the pool keep the read side held for them. */
		bool busy = dev->pool && inflight(q) > 0;
		if (!busy) {
			pthread_rwlock_unlock(&dev->mem_lock);
			locked = false;
			if (stop_requested(q))
				break;
			if (end == DRAIN_YIELD)
				continue;       /* waits for the writer, then drains */
		}
		/* Sleep until a kick, a stop or (busy) the pool's last push, or
		 * to the end of a holdoff; a kick that comes while yielding
		 * costs one more turn of the loop. */
		struct epoll_event ev[3];
		int n = end == DRAIN_HOLDOFF ? hold_off(q, locked, ep, ev, 3)
					     : epoll_wait(ep, ev, 3, dead ? -1 : notice_timeout_ms(q));
		if (n == 0)
			continue;       /* a holdoff or notice_deadline ran out: drain tells */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("queue %u: epoll_wait: %s", q->idx, strerror(errno));
			/* Without epoll, wait for the pool by hand. */
			while (inflight(q) > 0)
				usleep(1000);
			if (locked)
				pthread_rwlock_unlock(&dev->mem_lock);
			break;
		}
		for (int i = 0; i < n; i++) {
			/* Level-triggered: reset it, or the next wait returns at once
			 * (stop is the flag; its eventfd only wakes us). */
			int fd = ev[i].data.u32 == WAKE_POOL ? q->wake_fd :
				 ev[i].data.u32 == WAKE_STOP ? q->stop_fd : -1;
			uint64_t v;
			if (fd >= 0 && read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_debug("queue %u: eventfd: %s", q->idx, strerror(errno));
			if (ev[i].data.u32 == WAKE_KICK)
				q->kicks++;
			if (ev[i].data.u32 == WAKE_KICK && (ev[i].events & (EPOLLERR | EPOLLHUP)))
				kick_unusable(q, &dead);
			else if (ev[i].data.u32 == WAKE_KICK && q->poll.max_ns)
				poll_window_after_idle(&q->poll, now_ns() - q->idle_since);
		}
	}
	close(ep);
	log_debug("queue %u: stopped at avail %u", q->idx, q->vq.last_avail);
	if (dev->pool)
		log_info("queue %u: %llu requests, %llu of them served by the worker pool", q->idx,
			 (unsigned long long)q->served, (unsigned long long)q->handed);
	/* (Always: how many requests came without a kick tells what a
	 * holdoff, or polling, would spare the guest.) */
	log_info("queue %u: %llu requests, %llu kick wake-ups, %llu holdoffs, %llu of them found some",
		 q->idx, (unsigned long long)q->served, (unsigned long long)q->kicks,
		 (unsigned long long)q->holdoff.held, (unsigned long long)q->holdoff.found);
	if (q->signal.backoffs)
		log_info("queue %u: %llu batches found the guest on our CPU (then 100 ms of telling only the first answer)",
			 q->idx, (unsigned long long)q->signal.backoffs);
	if (q->holdoff.ns)
		log_info("queue %u: the holdoff served more in %llu of %llu trials", q->idx,
			 (unsigned long long)q->holdoff.trial.wins,
			 (unsigned long long)q->holdoff.trial.trials);
	if (q->poll.max_ns)
		log_info("queue %u: %llu requests, %llu polls found the next one (window %llu us at the end)",
			 q->idx, (unsigned long long)q->served, (unsigned long long)q->poll_hits,
			 (unsigned long long)(q->poll.ns / 1000));
	return NULL;
}

int vu_queue_try_start(struct vu_dev *dev, struct vu_queue *q)
{
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	if (q->started || q->kick_fd < 0 || !q->addr_set || q->num == 0 ||
	    dev->mem.nregions == 0 || !vu_queue_enabled(dev, q))
		return 0;
	/* From here: a fault vq_init takes reading the used ring is the
	 * thread's to see at its first look. */
	q->guard_faults = mem_guard_faults();
	if (guest_mem_damaged(&dev->mem)) {
		log_error("queue %u: not started: the frontend shrank a memory region's file "
			  "(a new memory table is needed)", q->idx);
		return -EFAULT;
	}
	int rc = vu_queue_map_rings(&dev->mem, q, q->num, &desc, &avail, &used);
	if (rc < 0) {
		log_error("queue %u: rings are not in guest memory", q->idx);
		return rc;
	}
	q->rings_unmapped = false;
	if (!q->job && !(q->job = new_job(q)))
		return -ENOMEM;
	bool event_idx = dev->features & (1ull << VU_F_EVENT_IDX);
	pthread_mutex_destroy(&q->vq.push_lock);
	vq_init(&q->vq, q->num, desc, avail, used, &dev->mem, q->vq.last_avail, event_idx);
	q->vq.call_fd = q->call_fd;
	vu_log_apply(dev, q);
	uint64_t v;
	while (read(q->stop_fd, &v, sizeof(v)) > 0)
		;
	__atomic_store_n(&q->stop, false, __ATOMIC_RELEASE);
	q->served = q->handed = q->kicks = 0;
	if (dev->no_queue_threads) {
		q->started = true;
		return 0;
	}
	rc = pthread_create(&q->thread, NULL, queue_thread, q);
	if (rc != 0) {
		log_error("queue %u: cannot create thread: %s", q->idx, strerror(rc));
		return -rc;
	}
	q->started = true;
	return 0;
}

void vu_queue_stop(struct vu_queue *q)
{
	if (!q->started)
		return;
	if (!q->dev->no_queue_threads) {
		__atomic_store_n(&q->stop, true, __ATOMIC_RELEASE);
		uint64_t one = 1;
		if (write(q->stop_fd, &one, sizeof(one)) < 0)
			log_error("queue %u: stop eventfd: %s", q->idx, strerror(errno));
		pthread_join(q->thread, NULL);
	}
	q->started = false;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vu_queue_set_call_fd(struct vu_queue *q, int fd)
{
	pthread_mutex_lock(&q->vq.push_lock);
	int old = q->call_fd;
	q->call_fd = fd;
	q->vq.call_fd = fd;
	pthread_mutex_unlock(&q->vq.push_lock);
	close_fd(&old);
}

void vu_queue_set_err_fd(struct vu_queue *q, int fd)
{
	pthread_mutex_lock(&q->vq.push_lock);
	int old = q->err_fd;
	q->err_fd = fd;
	pthread_mutex_unlock(&q->vq.push_lock);
	close_fd(&old);
}

void vu_queue_reset(struct vu_queue *q)
{
	vu_queue_stop(q);
	close_fd(&q->kick_fd);
	vu_queue_set_call_fd(q, -1);
	vu_queue_set_err_fd(q, -1);
	q->num = 0;
	q->addr_set = false;
	memset(&q->addr, 0, sizeof(q->addr));
	q->enable_seen = false;
	q->enabled = false;
	q->rings_unmapped = false;
	q->vq.last_avail = 0;
	q->vq.broken = false;
}

int vu_dev_init(struct vu_dev *dev, const struct vu_device *ops)
{
	pthread_rwlockattr_t attr;

	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->sock = -1;
	dev->log_fd = -1;
	dev->log_guard = -1;
	dev->state_result = -ENODATA;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	int rc = pthread_rwlock_init(&dev->mem_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc != 0)
		return -rc;
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		q->dev = dev;
		q->idx = i;
		q->kick_fd = q->call_fd = q->err_fd = -1;
		q->stop_fd = q->wake_fd = -1;
		vq_init(&q->vq, 0, NULL, NULL, NULL, &dev->mem, 0, false);
		pthread_mutex_init(&q->jobs_lock, NULL);
		q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->stop_fd < 0 || q->wake_fd < 0) {
			rc = -errno;
			for (unsigned j = 0; j <= i; j++) {
				close_fd(&dev->q[j].stop_fd);
				close_fd(&dev->q[j].wake_fd);
				pthread_mutex_destroy(&dev->q[j].jobs_lock);
			}
			pthread_rwlock_destroy(&dev->mem_lock);
			return rc;
		}
	}
	return 0;
}

void vu_dev_destroy(struct vu_dev *dev)
{
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		vu_queue_reset(q);
		close_fd(&q->stop_fd);
		close_fd(&q->wake_fd);
		free(q->job);
		free(q->spare);
		q->job = q->spare = NULL;
		while (q->free_jobs) {
			struct vu_job *j = q->free_jobs;
			q->free_jobs = j->next_free;
			free(j);
		}
		pthread_mutex_destroy(&q->jobs_lock);
		pthread_mutex_destroy(&q->vq.push_lock);
	}
	vu_migration_reset(dev);
	guest_mem_clear(&dev->mem);
	pthread_rwlock_destroy(&dev->mem_lock);
}
