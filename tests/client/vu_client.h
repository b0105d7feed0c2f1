/* The VMM side of vhost-user (QEMU docs/interop/vhost-user.rst), for tests:
 * connect to a backend's UNIX socket, negotiate features, hand it one
 * memfd-backed guest memory region and the vrings' addresses and eventfds.
 *
 * Guest memory is one memfd region mapped here too.  Its guest-physical base
 * is VUC_GPA_BASE; the "frontend virtual address" we announce for it
 * (userspace_addr, used by SET_VRING_ADDR) is simply where this process
 * mapped it, as a real VMM would.
 *
 * Every call returns 0 (or a value >= 0) on success and -errno on failure;
 * -ETIMEDOUT when the backend does not answer within the timeout,
 * -EPROTO when its reply is malformed. */
#ifndef VU_CLIENT_H
#define VU_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Request codes (vhost-user.rst, "Front-end message types"). */
enum {
	VUC_GET_FEATURES = 1,
	VUC_SET_FEATURES = 2,
	VUC_SET_OWNER = 3,
	VUC_RESET_OWNER = 4,
	VUC_SET_MEM_TABLE = 5,
	VUC_SET_LOG_BASE = 6,
	VUC_SET_LOG_FD = 7,
	VUC_SET_VRING_NUM = 8,
	VUC_SET_VRING_ADDR = 9,
	VUC_SET_VRING_BASE = 10,
	VUC_GET_VRING_BASE = 11,
	VUC_SET_VRING_KICK = 12,
	VUC_SET_VRING_CALL = 13,
	VUC_SET_VRING_ERR = 14,
	VUC_GET_PROTOCOL_FEATURES = 15,
	VUC_SET_PROTOCOL_FEATURES = 16,
	VUC_GET_QUEUE_NUM = 17,
	VUC_SET_VRING_ENABLE = 18,
	VUC_GET_CONFIG = 24,
	VUC_SET_CONFIG = 25,
	VUC_GET_MAX_MEM_SLOTS = 36,
	VUC_ADD_MEM_REG = 37,
	VUC_REM_MEM_REG = 38,
};

/* Header flags: version 1 in bits 0-1, bit 2 = reply, bit 3 = need_reply. */
#define VUC_FLAG_VERSION 0x1u
#define VUC_FLAG_REPLY (1u << 2)
#define VUC_FLAG_NEED_REPLY (1u << 3)

/* Virtio feature bits (VIRTIO_F_VERSION_1 etc. come from the kernel headers). */
#define VUC_F_PROTOCOL_FEATURES 30

/* Protocol feature bits. */
#define VUC_PROTOCOL_F_MQ 0
#define VUC_PROTOCOL_F_REPLY_ACK 3
#define VUC_PROTOCOL_F_CONFIG 9

/* Bit 8 of the u64 payload of SET_VRING_KICK/CALL/ERR: no fd attached. */
#define VUC_VRING_NOFD (1ull << 8)

#define VUC_GPA_BASE 0x100000000ull
#define VUC_MAX_FDS 8
#define VUC_MAX_PAYLOAD 4096
#define VUC_TIMEOUT_MS 5000

/* A message as it goes on the wire: 12-byte header, then size bytes. */
struct vuc_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vuc_msg {
	struct vuc_hdr hdr;
	uint8_t payload[VUC_MAX_PAYLOAD];
	int fds[VUC_MAX_FDS];   /* fds that came with a reply */
	int nfds;
};

/* Payload layouts (vhost-user.rst, "Message specification"). */
struct vuc_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vuc_vring_addr {
	uint32_t index;
	uint32_t flags;         /* bit 0: log dirty used ring */
	uint64_t desc_uva;
	uint64_t used_uva;
	uint64_t avail_uva;
	uint64_t log_gpa;
};

struct vuc_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct vuc {
	int sock;
	uint64_t features;          /* what we sent in SET_FEATURES */
	uint64_t protocol_features; /* what we sent in SET_PROTOCOL_FEATURES */
	int timeout_ms;             /* for every reply; VUC_TIMEOUT_MS by default */

	/* Guest memory: [gpa, gpa+size) is at mem (our mapping) and memfd. */
	int memfd;
	uint8_t *mem;
	uint64_t mem_gpa;
	uint64_t mem_size;
	uint64_t mem_brk;           /* bump allocator: next free offset */
};

/* Connect to the backend at path.  No message is sent yet. */
int vuc_connect(struct vuc *c, const char *path);
/* Close the socket and unmap guest memory. */
void vuc_close(struct vuc *c);

/* Create the guest memory (memfd of size bytes at guest-physical gpa) and map
 * it here.  Does not tell the backend: see vuc_set_mem_table. */
int vuc_mem_create(struct vuc *c, uint64_t gpa, uint64_t size);
/* Carve len bytes (aligned to align, a power of two) out of guest memory,
 * zeroed.  Returns our pointer, or NULL when memory is exhausted. */
void *vuc_alloc(struct vuc *c, uint64_t len, uint64_t align);
/* Guest-physical address of a pointer into guest memory. */
uint64_t vuc_gpa(const struct vuc *c, const void *p);
/* Frontend-virtual address of a pointer into guest memory (our mapping). */
uint64_t vuc_uva(const struct vuc *c, const void *p);
/* Pointer for [gpa, gpa+len), or NULL when outside guest memory. */
void *vuc_ptr(const struct vuc *c, uint64_t gpa, uint64_t len);

/* Raw access for hostile tests: send any request with any flags, payload
 * and fds (the header's size field is len).  No reply is awaited. */
int vuc_send_raw(struct vuc *c, uint32_t request, uint32_t flags,
		 const void *payload, uint32_t len, const int *fds, int nfds);
/* Same, but with a header whose size field says hdr_size while len bytes
 * of payload follow (to lie about the length). */
int vuc_send_lying(struct vuc *c, uint32_t request, uint32_t flags,
		   uint32_t hdr_size, const void *payload, uint32_t len,
		   const int *fds, int nfds);
/* Receive one message (within c->timeout_ms).  Fds received are stored in
 * m->fds; the caller closes them.  Returns 0, -ETIMEDOUT, -ECONNRESET on EOF,
 * -EPROTO when the header says more than VUC_MAX_PAYLOAD. */
int vuc_recv(struct vuc *c, struct vuc_msg *m);

/* Send a request that has a reply (GET_*), check it is a reply to the same
 * request, and copy its payload (exactly len bytes expected) into out. */
int vuc_request(struct vuc *c, uint32_t request, const void *payload,
		uint32_t len, const int *fds, int nfds, void *out, uint32_t out_len);
/* Send a request without a reply (SET_*).  When REPLY_ACK was negotiated, ask
 * for the ack and return its status (0, or -EIO when non-zero). */
int vuc_command(struct vuc *c, uint32_t request, const void *payload,
		uint32_t len, const int *fds, int nfds);

int vuc_get_features(struct vuc *c, uint64_t *features);
int vuc_set_features(struct vuc *c, uint64_t features);
int vuc_get_protocol_features(struct vuc *c, uint64_t *features);
int vuc_set_protocol_features(struct vuc *c, uint64_t features);
int vuc_set_owner(struct vuc *c);
/* Announce the region created by vuc_mem_create (one region, with its fd). */
int vuc_set_mem_table(struct vuc *c);
int vuc_set_vring_num(struct vuc *c, unsigned idx, unsigned num);
int vuc_set_vring_base(struct vuc *c, unsigned idx, unsigned base);
/* Addresses are our pointers into guest memory (sent as frontend-virtual). */
int vuc_set_vring_addr(struct vuc *c, unsigned idx, const void *desc,
		       const void *avail, const void *used);
/* fd < 0 sends the "no fd" flag instead. */
int vuc_set_vring_kick(struct vuc *c, unsigned idx, int fd);
int vuc_set_vring_call(struct vuc *c, unsigned idx, int fd);
int vuc_set_vring_enable(struct vuc *c, unsigned idx, int enable);
/* Stops the ring; *base is the backend's next avail index. */
int vuc_get_vring_base(struct vuc *c, unsigned idx, unsigned *base);

#endif
