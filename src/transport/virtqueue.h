/* Split virtqueues (virtio 1.x, section 2.7): pop descriptor chains from the
 * avail ring, give them back on the used ring, tell the guest.
 *
 * A chain is returned as iovecs into guest memory: first the device-readable
 * part (the FUSE request), then the device-writable part (room for the reply).
 * Everything in the ring is hostile: out-of-range indexes, loops, chains
 * longer than the queue, writable-before-readable descriptors, nested
 * indirect tables and lengths that overflow are refused. */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>

#include "guest_mem.h"

/* QEMU caps queue-size at 1024; a chain never needs more iovecs than that
 * (a descriptor crossing a memory-region boundary takes two). */
#define VQ_MAX_SIZE 1024
#define VQ_MAX_IOV 1024

struct vq_req {
	uint16_t head;              /* chain head: given back to vq_push */
	int rd_cnt, wr_cnt;         /* device-readable then device-writable */
	struct iovec *rd, *wr;      /* both point into iov[] */
	size_t rd_len, wr_len;      /* total bytes of each part */
	struct iovec iov[VQ_MAX_IOV];
};

struct virtqueue {
	/* set by vhost-user before the queue starts */
	unsigned num;               /* queue size, power of two <= VQ_MAX_SIZE */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	const struct guest_mem *mem;
	bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated */
	int call_fd;                /* eventfd to interrupt the guest, -1 if none;
				     * change it only under push_lock */

	/* ring state */
	uint16_t last_avail;        /* next avail entry to pop */
	uint16_t used_idx;          /* our shadow of used->idx */
	uint16_t signalled_used;    /* used_idx when we last notified */
	bool signalled_used_valid;
	bool kick_ahead;            /* avail_event was set past last_avail */
	bool broken;                /* the guest violated the ring protocol */
	pthread_mutex_t push_lock;  /* vq_push may be called from pool threads */

	/* Called with the range of guest memory the device just wrote (for
	 * dirty logging during live migration); may be NULL. */
	void (*log_write)(void *opaque, const void *hva, uint64_t len);
	void *log_opaque;
};

/* Set up ring pointers (already translated) and the starting index.  Also
 * initializes push_lock (destroy it before calling vq_init again on the same
 * queue), sets call_fd to -1 and log_write to NULL, and takes used_idx from
 * used->idx (used may be NULL for a queue not yet configured). */
void vq_init(struct virtqueue *vq, unsigned num, struct vring_desc *desc,
	     struct vring_avail *avail, struct vring_used *used,
	     const struct guest_mem *mem, uint16_t last_avail, bool event_idx);
/* Pop the next chain.  Returns 1 with *req filled, 0 when the avail ring is
 * empty (or after dropping a queue's worth of bad chains in this call: the
 * ring may not be empty then), -1 when the ring is broken (vq->broken set;
 * the queue then stays stopped until the frontend resets it).  A single bad
 * chain (bad address, loop, too long) is completed with 0 bytes and
 * skipped, not fatal. */
int vq_pop(struct virtqueue *vq, struct vq_req *req);
/* Not thread-safe: one thread pops (and calls vq_enable/disable_kicks) per
 * queue.  vq_push and vq_notify may run on other threads (push_lock). */
/* Put a completed chain on the used ring; written = bytes put in req->wr. */
void vq_push(struct virtqueue *vq, const struct vq_req *req, uint32_t written);
/* Interrupt the guest if it wants to be told (EVENT_IDX / NO_INTERRUPT);
 * true when it was interrupted. */
bool vq_notify(struct virtqueue *vq);
/* Answers pushed since the last vq_notify (the queue's size before the
 * first). */
unsigned vq_untold(struct virtqueue *vq);
/* Ask the guest to kick us (or not) for new requests; with EVENT_IDX this
 * writes avail_event.  vq_enable_kicks returns true when more requests
 * arrived meanwhile (the caller must pop again before sleeping). */
bool vq_enable_kicks(struct virtqueue *vq);
/* With EVENT_IDX: ask for a kick only when the guest has published k
 * requests we have not popped (k >= 1); returns true when that many are
 * waiting already.  Without EVENT_IDX the guest cannot be asked that: any
 * new request kicks, as after vq_enable_kicks, and the return is true when
 * any is waiting. */
bool vq_enable_kicks_after(struct virtqueue *vq, uint16_t k);
/* Has the guest published requests we have not popped?  (No side effect:
 * for polling.) */
bool vq_avail_pending(const struct virtqueue *vq);
/* How many requests the guest has published that we have not popped. */
uint16_t vq_avail_waiting(const struct virtqueue *vq);
void vq_disable_kicks(struct virtqueue *vq);

#endif
