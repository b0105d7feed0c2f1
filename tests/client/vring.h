/* The driver side of a virtio 1.x split virtqueue (virtio spec 2.7), as the
 * guest kernel would run it, for tests: rings live in the client's guest
 * memory, chains are placed, published on the avail ring, the backend is
 * kicked through an eventfd, and completions are read from the used ring after
 * waiting on the call eventfd.
 *
 * Well-formed chains go through vr_add; hostile tests write descriptors of
 * any shape straight into vr->desc[] (or an indirect table from vuc_alloc)
 * and publish any head with vr_publish. */
#ifndef VRING_H
#define VRING_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#include "vu_client.h"

/* Longest chain vr_add accepts, and the size of each per-head indirect table. */
#define VR_MAX_SEGS 16

/* One buffer of a chain: guest-physical address, length, device-writable? */
struct vr_seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* One used-ring element. */
struct vr_used {
	uint32_t id;
	uint32_t len;
	bool known;             /* id is the head of a chain vr_add placed */
};

struct vring_drv {
	struct vuc *c;
	unsigned idx;           /* queue index (0 = hiprio, 1.. = requests) */
	uint16_t num;           /* queue size, a power of two */
	bool event_idx;         /* VIRTIO_RING_F_EVENT_IDX negotiated */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kick_fd;            /* we write it: "new buffers" */
	int call_fd;            /* the backend writes it: "buffers used" */

	uint16_t avail_idx;     /* our shadow of avail->idx */
	uint16_t kicked_idx;    /* avail_idx at the last kick decision */
	uint16_t last_used;     /* next used-ring entry to read */
	uint16_t free_head;     /* free descriptors, linked through next[] */
	unsigned nfree;
	uint16_t *next;         /* our own copy of chain links (the backend may scribble on desc[]) */
	uint16_t *chain_len;    /* descriptors held by the chain at each head, 0 = none */
	struct vring_desc *indirect; /* VR_MAX_SEGS entries per head */

	uint64_t kicks;         /* eventfd writes */
	uint64_t wakeups;       /* call eventfd reads */
};

/* Allocate the rings (and indirect tables) in c's guest memory and the two
 * eventfds.  num must be a power of two <= 32768. */
int vr_create(struct vring_drv *vr, struct vuc *c, unsigned idx, unsigned num,
	      bool event_idx);
/* Tell the backend about the ring: SET_VRING_NUM, _BASE (0), _ADDR, _CALL,
 * _KICK and, when PROTOCOL_FEATURES was negotiated, _ENABLE 1. */
int vr_setup(struct vring_drv *vr);
/* The same with SET_VRING_BASE base: a ring that resumes where another
 * backend stopped (live migration: base from its GET_VRING_BASE). */
int vr_setup_at(struct vring_drv *vr, unsigned base);
/* Hand a ring, with its driver state and its memory, to another
 * connection c (same guest memory: vuc_mem_share): dst gets new eventfds,
 * src is left empty (vr_destroy on it is harmless).  0 or -errno. */
int vr_move(struct vring_drv *dst, struct vring_drv *src, struct vuc *c);
/* Free the eventfds (ring memory stays with the client). */
void vr_destroy(struct vring_drv *vr);

/* Place a well-formed chain (readable segments should come first) and
 * publish it.  indirect: one ring descriptor pointing at a table.  Returns
 * the head id, -ENOSPC when the ring is full, -EINVAL for a bad shape. */
int vr_add(struct vring_drv *vr, const struct vr_seg *segs, unsigned n,
	   bool indirect);
/* The same as one indirect descriptor pointing at the caller's table (in
 * guest memory, room for n entries): chains longer than VR_MAX_SEGS, like
 * the Linux driver's page-by-page READ of 1 MiB (258 entries). */
int vr_add_table(struct vring_drv *vr, struct vring_desc *table,
		 const struct vr_seg *segs, unsigned n);
/* For hand-built chains: take n descriptors off the free list (their ids
 * go to ids[], in no particular order; nothing is written to them), and give
 * them back once the backend is done.  vr_get_used reports such a head with
 * known = false. */
int vr_take_desc(struct vring_drv *vr, unsigned n, uint16_t *ids);
void vr_put_desc(struct vring_drv *vr, const uint16_t *ids, unsigned n);
/* Put any head id on the avail ring (no checks: hostile tests use it). */
void vr_publish(struct vring_drv *vr, uint16_t head);
/* Kick the backend if it asked to be kicked (EVENT_IDX / NO_NOTIFY);
 * force: kick regardless.  Returns 1 when kicked, 0 when suppressed. */
int vr_kick(struct vring_drv *vr, bool force);

/* Take the next used element.  Returns 1 with *u filled, 0 when none, and
 * -EPROTO when the backend returned more elements than were outstanding. */
int vr_get_used(struct vring_drv *vr, struct vr_used *u);
/* Number of elements on the used ring not yet taken. */
uint16_t vr_pending_used(const struct vring_drv *vr);
/* Ask for an interrupt on the next completion, then sleep on the call
 * eventfd unless completions are already there.  Returns 0 when there may be
 * used elements, -ETIMEDOUT after timeout_ms.  A negative timeout on a
 * blocking call eventfd (vr_call_blocking) sleeps in read() alone, one
 * system call per wake-up like a bare eventfd ping-pong (the benchmark). */
int vr_wait(struct vring_drv *vr, int timeout_ms);
/* Make the call eventfd blocking (the benchmark client; it has no timeout). */
int vr_call_blocking(struct vring_drv *vr);
/* Wait until a used element arrives (a wake-up can be stale: the call
 * eventfd may still count an interrupt for an element already taken).
 * Returns 1 with *u filled, -ETIMEDOUT after timeout_ms, or -errno. */
int vr_wait_used(struct vring_drv *vr, int timeout_ms, struct vr_used *u);
/* Chains placed by vr_add and not yet returned. */
unsigned vr_outstanding(const struct vring_drv *vr);

#endif
