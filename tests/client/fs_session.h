/* One virtio-fs device as a VMM plus guest driver would bring it up, for the
 * client programs: connect, negotiate, hand over memory and two queues
 * (0 = hiprio, 1 = requests), then FUSE_INIT. */
#ifndef FS_SESSION_H
#define FS_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/fuse.h>

#include "fuse_req.h"
#include "vring.h"
#include "vu_client.h"

struct fs_options {
	uint64_t mem_size;       /* guest memory; 64 MiB when 0 */
	unsigned queue_size;     /* 128 when 0 */
	bool event_idx;          /* negotiate VIRTIO_RING_F_EVENT_IDX if offered */
	bool indirect;           /* negotiate VIRTIO_RING_F_INDIRECT_DESC if offered */
	bool verbose;            /* print each negotiation step on stderr */
	uint64_t protocol_extra; /* protocol features wanted besides REPLY_ACK
				  * and MQ (e.g. LOG_SHMFD, DEVICE_STATE),
				  * if offered */
};

struct fs_session {
	struct vuc c;
	struct vring_drv hiprio;
	struct vring_drv req;
	uint64_t offered_features, offered_protocol;
	uint64_t features_want;  /* what fs_start sends in SET_FEATURES */
	unsigned backend_queues; /* GET_QUEUE_NUM with MQ, else 0 */
	struct fuse_init_out init;
	uint64_t next_unique;
};

/* Connect to the socket at path and bring the device up (no FUSE yet):
 * fs_connect, fs_start, fs_rings.  Returns 0 or -errno; *step names the
 * step that failed. */
int fs_open(struct fs_session *s, const char *path, const struct fs_options *o,
	    const char **step);
/* The steps, as QEMU spreads them (a migration's destination loads the
 * device state between fs_connect and fs_start):
 * connect, SET_OWNER, GET_FEATURES, protocol features, GET_QUEUE_NUM; */
int fs_connect(struct fs_session *s, const char *path, const struct fs_options *o,
	       const char **step);
/* SET_FEATURES, guest memory (a new memfd, or mem_from's: vuc_mem_share),
 * SET_MEM_TABLE; */
int fs_start(struct fs_session *s, const struct fs_options *o, const struct vuc *mem_from,
	     const char **step);
/* both rings, created and set up. */
int fs_rings(struct fs_session *s, const struct fs_options *o, const char **step);
/* FUSE_INIT on the request queue with slot (flags: FUSE_* wanted). */
int fs_fuse_init(struct fs_session *s, struct fr_slot *slot, uint32_t flags,
		 uint32_t flags2, const char **why);
/* Next request id (even, like the kernel's: odd ids are for interrupts). */
uint64_t fs_unique(struct fs_session *s);
/* Stop both rings (GET_VRING_BASE) and disconnect. */
void fs_close(struct fs_session *s);

#endif
