/* vhost-user backend (docs/interop/vhost-user.rst in QEMU): the UNIX socket
 * to the VMM, feature negotiation, the memory table, and one thread per
 * virtqueue that pops requests and hands them to the device. */
#ifndef VHOST_USER_H
#define VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "virtqueue.h"

/* Queue 0 is virtio-fs's hiprio queue; 1..N are request queues. */
#define VU_MAX_REQUEST_QUEUES 16
#define VU_MAX_QUEUES (1 + VU_MAX_REQUEST_QUEUES)

/* What the device (the FUSE server) provides to the transport. */
struct vu_device {
	/* Serve one request popped from queue qidx; return the number of bytes
	 * written into req->wr (0 when nothing, e.g. FORGET).  Called on the
	 * queue's own thread or on a pool worker: several requests, of one
	 * queue or of several, may be served at once. */
	uint32_t (*serve)(void *opaque, unsigned qidx, struct vq_req *req);
	/* The frontend reset the device or disconnected: drop session state. */
	void (*reset)(void *opaque);
	/* Live migration (VHOST_USER_PROTOCOL_F_DEVICE_STATE, offered only
	 * when both are set): write the device's whole state to fd, or read a
	 * state from fd and take it over; 0 or -errno.  Called on the socket
	 * thread while every queue is stopped; fd stays the caller's. */
	int (*save_state)(void *opaque, int fd);
	int (*load_state)(void *opaque, int fd);
	void *opaque;
	/* Config space (virtio-fs: 36-byte tag + u32 num_request_queues),
	 * offered through VHOST_USER_PROTOCOL_F_CONFIG only when tag is set. */
	const char *tag;
	unsigned num_request_queues; /* advertised in config space, >= 1 */
	/* The first notice_queues queues carry notices the guest does not
	 * wait on (virtio-fs's hiprio queue: FORGET, INTERRUPT), so their
	 * requests are not paced by the answers: neither the kick holdoff
	 * nor polling can gain there, and those queue threads just sleep.
	 * Their answers are told lazily (answer_signal.h). */
	unsigned notice_queues;
};

struct vu_options {
	int listen_fd;          /* listening UNIX socket (socket_file.h, or --fd) */
	bool keep_listening;    /* after a disconnect, accept the next frontend */
	/* After serving a batch, watch the avail ring this long (µs) for the
	 * next request before sleeping on the kick eventfd: saves a wake-up
	 * per request at low queue depth; an idle queue never spins. 0: off. */
	unsigned poll_us;
	/* After serving a batch, leave kicks off and look again this long
	 * (µs) later, while the guest keeps several requests in flight
	 * (kick_holdoff.h).  0: off. */
	unsigned holdoff_us;
	/* Worker threads shared by the queues (0: none, every request is
	 * served on its queue's thread).  A queue thread hands a request to an
	 * idle worker only when more are waiting behind it. */
	unsigned pool_threads;
};

/* Accept frontends and serve them until one disconnects (or forever with
 * keep_listening).  Returns 0 on a clean disconnect, -errno on failure. */
int vu_serve(const struct vu_options *opt, const struct vu_device *dev);

#endif
