/* The backend's state for one frontend connection, shared by the socket
 * thread (vhost_user.c) and the queue threads (vhost_user_queue.c).
 *
 * Locking:
 *  - Everything here is owned by the socket thread, except what a running
 *    queue thread uses: its struct virtqueue, q->req, and the guest memory.
 *  - Guest memory (dev->mem and every queue's ring pointers) is guarded by
 *    dev->mem_lock: a queue thread holds the read side while it processes a
 *    batch; SET_MEM_TABLE takes the write side to swap the table and
 *    re-translate the rings of running queues (writer-preferring, so a busy
 *    queue cannot starve it; a batch is at most one queue-size of requests).
 *  - vq.call_fd and q->err_fd change while the queue runs (QEMU re-sends
 *    SET_VRING_CALL when the guest masks interrupts): both under vq.push_lock.
 *  - Anything else about a queue changes only while its thread is stopped. */
#ifndef VHOST_USER_DEV_H
#define VHOST_USER_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "vhost_user.h"
#include "vhost_user_proto.h"
#include "virtqueue.h"

struct vu_dev;

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
	bool stop;                  /* asks the thread to stop (atomic) */
	int stop_fd;                /* eventfd that wakes the thread to stop */
	pthread_t thread;
	struct vq_req *req;         /* the thread's request buffer (16 KiB) */
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
};

/* vhost_user_queue.c */
int vu_dev_init(struct vu_dev *dev, const struct vu_device *ops);
void vu_dev_destroy(struct vu_dev *dev);
/* Start the queue's thread if it has everything it needs (kick fd, ring
 * addresses, size, memory, enabled).  0 when started or not yet ready,
 * -errno when it was ready but could not start. */
int vu_queue_try_start(struct vu_dev *dev, struct vu_queue *q);
void vu_queue_stop(struct vu_queue *q);
/* Stop the queue and forget its whole configuration (reset / disconnect). */
void vu_queue_reset(struct vu_queue *q);
/* Translate the ring addresses of q for size num; 0 or -EINVAL/-EFAULT. */
int vu_queue_map_rings(const struct vu_dev *dev, const struct vu_queue *q, unsigned num,
		       struct vring_desc **desc, struct vring_avail **avail,
		       struct vring_used **used);
/* Replace vq.call_fd / err_fd safely while the queue may run; the old fd is
 * closed. */
void vu_queue_set_call_fd(struct vu_queue *q, int fd);
void vu_queue_set_err_fd(struct vu_queue *q, int fd);
/* Is the ring enabled (explicitly, or by default without protocol features)? */
bool vu_queue_enabled(const struct vu_dev *dev, const struct vu_queue *q);

/* vhost_user_mem.c: SET_MEM_TABLE; takes ownership of fds (closes them). */
int vu_set_mem_table(struct vu_dev *dev, const struct vhost_user_memory *mt,
		     int *fds, unsigned nfds);

#endif
