/* The backend's state for one frontend connection, shared by the socket
 * thread (vhost_user.c) and the queue threads (vhost_user_queue.c).
 *
 * Locking:
 *  - Everything here is owned by the socket thread, except what a running
 *    queue thread uses: its struct virtqueue, q->job and q->spare, the
 *    pool's share under q->jobs_lock, and the guest memory.
 *  - Guest memory (dev->mem and every queue's ring pointers) is guarded by
 *    dev->mem_lock: a queue thread holds the read side while it processes a
 *    batch, and on behalf of the pool workers serving its chains until the
 *    last of them is pushed (a chain's iovecs point into the mapping it was
 *    popped from; workers never take the lock).  SET_MEM_TABLE, ADD_MEM_REG
 *    and REM_MEM_REG take the write side (vu_mem_write_lock) to swap the
 *    table and re-translate the rings of running queues: writer-preferring,
 *    and mem_writer tells queue threads to stop popping and let go, so a
 *    busy queue cannot starve it.
 *  - The dirty log (dev->log), whether logging is on (every queue's
 *    vq.log_write) and q->addr of a running queue (its log address and
 *    VHOST_VRING_F_LOG) change only under the write side of mem_lock too:
 *    a queue thread marks the log from inside its batch.
 *  - vq.call_fd and q->err_fd change while the queue runs (QEMU re-sends
 *    SET_VRING_CALL when the guest masks interrupts): both under vq.push_lock.
 *  - Anything else about a queue changes only while its thread is stopped. */
#ifndef VHOST_USER_DEV_H
#define VHOST_USER_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "answer_signal.h"
#include "dirty_log.h"
#include "guest_mem.h"
#include "kick_holdoff.h"
#include "poll_window.h"
#include "vhost_user.h"
#include "vhost_user_proto.h"
#include "virtqueue.h"
#include "worker_pool.h"

struct vu_dev;

/* A handler returns 0 (success), -errno (failure: a nonzero REPLY_ACK) or
 * VU_REPLIED when it has sent the request's own reply. */
#define VU_REPLIED 1

struct vu_queue {
	struct vu_dev *dev;
	unsigned idx;
	struct virtqueue vq;        /* vq.last_avail is the base while stopped */
	unsigned num;               /* SET_VRING_NUM, 0 until set */
	bool addr_set;
	struct vhost_user_addr addr;
	int kick_fd, call_fd, err_fd;
	bool enable_seen, enabled;  /* SET_VRING_ENABLE received / its value */
	bool started;               /* thread running */
	bool rings_unmapped;        /* stopped by a memory change that left its rings out */
	bool stop;                  /* asks the thread to stop (atomic) */
	int stop_fd;                /* eventfd that wakes the thread to stop */
	pthread_t thread;
	struct vu_job *job;         /* the buffer the next pop fills (16 KiB) */
	struct vu_job *spare;       /* replaces job when job goes to the pool */
	/* With a pool: buffers the workers gave back, and how many chains
	 * are with the workers (both under jobs_lock).  wake_fd wakes the
	 * queue thread when the last one is pushed. */
	pthread_mutex_t jobs_lock;
	struct vu_job *free_jobs;
	unsigned inflight;
	int wake_fd;
	uint64_t served, handed;    /* chains since start, and of them the pool's */
	uint64_t kicks;             /* wake-ups by a kick (several kicks may make one) */
	struct poll_window poll;    /* --queue-poll, adapted on this thread */
	uint64_t poll_hits;         /* polls that found the next request */
	uint64_t idle_since;        /* end of the last batch (ns), with poll on */
	struct kick_holdoff holdoff; /* --kick-holdoff, adapted on this thread */
	enum kick_holdoff_way held_off; /* how the next batch is looked for */
	struct answer_signal signal; /* answers told within a batch, adapted here */
	uint64_t notice_deadline;   /* ns: untold notice answers are told by then (0: none) */
	uint64_t guard_faults;      /* mem_guard_faults() when the thread last looked */
};

/* A popped chain, served inline or by a pool worker. */
struct vu_job {
	struct pool_job pj;         /* first: a pool job is its vu_job */
	struct vu_job *next_free;
	struct vu_queue *q;
	struct vq_req req;
};

struct vu_dev {
	const struct vu_device *ops;
	int sock;
	uint64_t features;          /* acked by SET_FEATURES */
	uint64_t protocol_features; /* acked by SET_PROTOCOL_FEATURES */
	bool protocol_acked;        /* SET_PROTOCOL_FEATURES seen */
	struct guest_mem mem;
	pthread_rwlock_t mem_lock;
	struct vu_queue q[VU_MAX_QUEUES];
	uint64_t unknown_logged;    /* bit per request number already logged */
	uint64_t poll_ns;           /* vu_options.poll_us, in ns */
	uint64_t holdoff_ns;        /* vu_options.holdoff_us, in ns */
	struct worker_pool *pool;   /* NULL: every chain is served inline */
	bool mem_writer;            /* someone waits for mem_lock's write side */
	/* Fuzzing only (fuzz/fuzz_vhost_msg.c), never set by vu_serve: a
	 * queue that starts runs no thread, so the socket thread is alone and
	 * every message's effect is deterministic.  All else is unchanged. */
	bool no_queue_threads;

	/* Live migration (vhost_user_migrate.c). */
	struct dirty_log log;       /* SET_LOG_BASE's log; bits NULL when none */
	void *log_map;              /* what mmap returned for it */
	size_t log_map_len;
	int log_guard;              /* its mem_guard.h slot */
	int log_fd;                 /* SET_LOG_FD's eventfd, -1 when none */
	bool log_error_reported;    /* a write outside the log was reported */
	/* Since logging last started, a write into guest memory went unlogged
	 * (no log, a failed SET_LOG_BASE, a page past the log): the VMM would
	 * copy stale pages, so the state save is refused and the migration
	 * fails with the source still running. */
	bool log_lost;
	bool log_base_failed;       /* the last SET_LOG_BASE failed */
	int state_result;           /* of the last state transfer: 0, -errno,
				     * or -ENODATA when none happened */
};

/* vhost_user.c: handle one message vu_msg_recv read on dev->sock, its
 * replies included (sent on dev->sock); its fds are closed unless a handler
 * took them.  0: go on with the next message; -errno: the connection must
 * end (a reply could not be sent). */
struct vu_msg;
int vu_handle_msg(struct vu_dev *dev, struct vu_msg *m);
/* The frontend is gone: stop and forget the rings, the memory table, the
 * dirty log and the negotiated features (the device's reset callback runs). */
void vu_end_session(struct vu_dev *dev);

/* vhost_user_queue.c */
int vu_dev_init(struct vu_dev *dev, const struct vu_device *ops);
void vu_dev_destroy(struct vu_dev *dev);
/* Start the queue's thread if it has everything it needs (kick fd, ring
 * addresses, size, memory, enabled).  0 when started or not yet ready,
 * -errno when it was ready but could not start. */
int vu_queue_try_start(struct vu_dev *dev, struct vu_queue *q);
void vu_queue_stop(struct vu_queue *q);
/* Take / release mem_lock's write side (any change to guest memory, the
 * dirty log or a running queue's addresses). */
void vu_mem_write_lock(struct vu_dev *dev);
void vu_mem_write_unlock(struct vu_dev *dev);
/* Stop the queue and forget its whole configuration (reset / disconnect). */
void vu_queue_reset(struct vu_queue *q);
/* Translate the ring addresses of q for size num in mem; 0 or -EINVAL/-EFAULT. */
int vu_queue_map_rings(const struct guest_mem *mem, const struct vu_queue *q, unsigned num,
		       struct vring_desc **desc, struct vring_avail **avail,
		       struct vring_used **used);
/* Replace vq.call_fd / err_fd safely while the queue may run; the old fd is
 * closed. */
void vu_queue_set_call_fd(struct vu_queue *q, int fd);
void vu_queue_set_err_fd(struct vu_queue *q, int fd);
/* Is the ring enabled (explicitly, or by default without protocol features)? */
bool vu_queue_enabled(const struct vu_dev *dev, const struct vu_queue *q);

/* The frontend shrank a file we map (mem_guard.h): log it once per run of
 * faults.  Any thread. */
void vu_report_shrink(void);

/* vhost_user_migrate.c: dirty logging and device state transfer. */
/* Is dirty logging on (VHOST_F_LOG_ALL acked and a log mapped)? */
bool vu_logging(const struct vu_dev *dev);
/* Point q's virtqueue at the log hook, or at none when logging is off
 * (with LOG_ALL on but no log yet, at one that records any write as lost).
 * Call it when q is stopped, or with mem_lock's write side held. */
void vu_log_apply(struct vu_dev *dev, struct vu_queue *q);
/* The same for every queue; takes mem_lock's write side. */
void vu_log_apply_all(struct vu_dev *dev);
/* The virtqueue hook (vq.log_write): mark the pages of [hva, hva+len),
 * which q's thread just wrote.  opaque is the struct vu_queue.  Addresses
 * in q's used ring are logged at the ring's log address when it has
 * VHOST_VRING_F_LOG, everything else at its guest-physical address. */
void vu_log_write(void *opaque, const void *hva, uint64_t len);
/* Map [offset, offset+size) of fd as the log (takes fd) and swap it in. */
int vu_set_log_base(struct vu_dev *dev, uint64_t size, uint64_t offset, int fd);
/* Request handlers (struct vu_msg is in vhost_user_msg.h). */
int vu_h_set_log_base(struct vu_dev *dev, struct vu_msg *m);
int vu_h_set_log_fd(struct vu_dev *dev, struct vu_msg *m);
int vu_h_set_device_state_fd(struct vu_dev *dev, struct vu_msg *m);
int vu_h_check_device_state(struct vu_dev *dev, struct vu_msg *m);
/* Does the device offer VHOST_USER_PROTOCOL_F_DEVICE_STATE? */
bool vu_device_state_offered(const struct vu_dev *dev);
/* Disconnect: unmap the log, close the log fd, forget the last transfer. */
void vu_migration_reset(struct vu_dev *dev);
/* Unmap the dirty log: logging stopped, or the connection ended. */
void vu_log_drop(struct vu_dev *dev);

/* vhost_user_mem.c: SET_MEM_TABLE; takes ownership of fds (closes them). */
int vu_set_mem_table(struct vu_dev *dev, const struct vhost_user_memory *mt,
		     int *fds, unsigned nfds);
/* ADD_MEM_REG (takes fd) and REM_MEM_REG: one region more or less. */
int vu_add_mem_region(struct vu_dev *dev, const struct vhost_user_mem_region *r, int fd);
int vu_rem_mem_region(struct vu_dev *dev, const struct vhost_user_mem_region *r);

#endif
