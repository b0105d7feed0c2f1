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
	VUC_SET_DEVICE_STATE_FD = 42,
	VUC_CHECK_DEVICE_STATE = 43,
};

/* Header flags: version 1 in bits 0-1, bit 2 = reply, bit 3 = need_reply. */
#define VUC_FLAG_VERSION 0x1u
#define VUC_FLAG_REPLY (1u << 2)
#define VUC_FLAG_NEED_REPLY (1u << 3)

/* Virtio feature bits (VIRTIO_F_VERSION_1 etc. come from the kernel headers). */
#define VUC_F_PROTOCOL_FEATURES 30
#define VUC_F_LOG_ALL 26            /* VHOST_F_LOG_ALL: dirty logging */

/* Protocol feature bits. */
#define VUC_PROTOCOL_F_MQ 0
#define VUC_PROTOCOL_F_REPLY_ACK 3
#define VUC_PROTOCOL_F_CONFIG 9
#define VUC_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VUC_PROTOCOL_F_LOG_SHMFD 1
#define VUC_PROTOCOL_F_DEVICE_STATE 19

/* SET_VRING_ADDR flags: log the used ring at log_gpa. */
#define VUC_VRING_F_LOG 0x1u

/* SET_DEVICE_STATE_FD: direction and phase. */
#define VUC_STATE_SAVE 0u           /* the backend writes its state */
#define VUC_STATE_LOAD 1u           /* the backend reads a state */
#define VUC_PHASE_STOPPED 0u
/* Its u64 reply: bits 0-7 nonzero = error, bit 8 = no fd returned. */
#define VUC_STATE_NOFD (1ull << 8)

/* The dirty log: one bit per 4 KiB guest-physical page. */
#define VUC_LOG_PAGE 4096ull

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
	int mem_borrowed;           /* mem belongs to another vuc (vuc_mem_share) */
};

/* A dirty log as a VMM gives it (a memfd; vhost-user LOG_SHMFD). */
struct vuc_log {
	int fd;
	uint8_t *bits;              /* our mapping of the whole memfd */
	uint64_t size;              /* bytes of log */
};

/* Connect to the backend at path.  No message is sent yet. */
int vuc_connect(struct vuc *c, const char *path);
/* Close the socket and unmap guest memory. */
void vuc_close(struct vuc *c);

/* Create the guest memory (memfd of size bytes at guest-physical gpa) and map
 * it here.  Does not tell the backend: see vuc_set_mem_table. */
int vuc_mem_create(struct vuc *c, uint64_t gpa, uint64_t size);
/* Use the guest memory of from (same memfd, same mapping, same addresses:
 * a second VMM connection, e.g. to a migration's destination backend, on
 * the same guest).  from must stay open while c uses it; closing c leaves
 * the mapping alone.  The allocator continues where from's stands. */
int vuc_mem_share(struct vuc *c, const struct vuc *from);
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
/* SET_VRING_ADDR with flags (VUC_VRING_F_LOG) and the used ring's log
 * address (guest-physical, as QEMU gives it). */
int vuc_set_vring_addr_log(struct vuc *c, unsigned idx, const void *desc,
			   const void *avail, const void *used, uint32_t flags,
			   uint64_t log_gpa);

/* Live migration.
 * A log of size bytes (a memfd of exactly that size, zeroed), big enough
 * for pages up to guest-physical end when size is 0. */
int vuc_log_create(struct vuc_log *l, uint64_t size, uint64_t end);
void vuc_log_destroy(struct vuc_log *l);
/* Is the page of gpa marked? */
int vuc_log_test(const struct vuc_log *l, uint64_t gpa);
/* SET_LOG_BASE with LOG_SHMFD: fd (any fd, -1 for none) holds the log at
 * [offset, offset+size).  The backend always replies: 0 when it accepted
 * (its reply echoes the payload, or is empty or a zero u64), -EIO when it
 * refused (a nonzero u64). */
int vuc_set_log_base(struct vuc *c, int fd, uint64_t size, uint64_t offset);
/* SET_LOG_FD: the eventfd the backend may signal after logging. */
int vuc_set_log_fd(struct vuc *c, int fd);
/* SET_DEVICE_STATE_FD over a new pipe: the backend gets the write end
 * (save) or the read end (load), *ours the other (or the fd the backend
 * returned instead).  Returns 0 when accepted, -EIO when refused (nothing
 * left open), -errno on a transport error. */
int vuc_set_device_state_fd(struct vuc *c, uint32_t direction, uint32_t phase, int *ours);
/* CHECK_DEVICE_STATE: 0 when the backend reports success, -EIO when not;
 * *result (may be NULL) gets the reply. */
int vuc_check_device_state(struct vuc *c, uint64_t *result);
/* Read fd to EOF into a malloc'd buffer (*buf, *len).  0 or -errno. */
int vuc_read_all(int fd, uint8_t **buf, size_t *len);
/* Write all of buf to fd.  0 or -errno (-EPIPE when the reader left). */
int vuc_write_all(int fd, const void *buf, size_t len);

#endif
