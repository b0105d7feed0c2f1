/* FUSE requests as the guest's virtio-fs driver sends them, for tests.
 *
 * A slot owns three buffers in guest memory and describes one request as a
 * descriptor chain shaped like the Linux driver's:
 *   readable: fuse_in_header + fixed argument (+ name)   (req)
 *   readable: write payload                               (data, WRITE only)
 *   writable: fuse_out_header + fixed reply argument      (rep, sized exactly)
 *   writable: read / readdir payload                      (data, READ/READDIR)
 * The writable part is sized exactly like the kernel's out arguments, so a
 * backend that fills it in order puts a READ's bytes in data, not in rep.
 *
 * Builders return 0, or -EINVAL when the request does not fit the slot. */
#ifndef FUSE_REQ_H
#define FUSE_REQ_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/fuse.h>

#include "vring.h"
#include "vu_client.h"

#define FR_REQ_CAP 4096
#define FR_REP_CAP 4096
/* Payload pages a slot split by fr_slot_pages may describe (1 MiB). */
#define FR_MAX_PAGES 256
#define FR_MAX_SEGS (3 + FR_MAX_PAGES)

enum fr_data_dir { FR_DATA_NONE, FR_DATA_IN, FR_DATA_OUT };

struct fr_slot {
	struct vuc *c;
	uint8_t *req;            /* in header + args, FR_REQ_CAP bytes */
	uint8_t *rep;            /* out header + reply args, FR_REP_CAP bytes */
	uint8_t *data;           /* payload, data_cap bytes */
	uint32_t data_cap;

	/* the request currently built */
	uint64_t unique;
	uint32_t opcode;
	uint32_t rep_len;        /* writable bytes offered in rep (16 + reply) */
	uint32_t data_len;       /* payload bytes offered (in or out) */
	enum fr_data_dir data_dir;
	struct vr_seg seg[FR_MAX_SEGS];
	unsigned nseg;
	struct vring_desc *table; /* fr_slot_pages: the slot's indirect table */
	int head;                /* chain head once submitted, -1 before */
};

/* A reply as parsed by fr_parse. */
struct fr_reply {
	int error;               /* 0 or -errno from the out header */
	uint32_t len;            /* out header's len */
	const uint8_t *arg;      /* reply argument in rep (after the header) */
	uint32_t arg_len;
	uint32_t data_len;       /* payload bytes that landed in data */
};

/* Allocate a slot's buffers in c's guest memory. */
int fr_slot_init(struct fr_slot *s, struct vuc *c, uint32_t data_cap);
/* From now on describe the payload one page per segment, as the Linux
 * driver does for direct I/O (a 1 MiB READ is a chain of 258), through an
 * indirect table of the slot's own (fr_submit's indirect is then implied). */
int fr_slot_pages(struct fr_slot *s);

/* Generic builder for any opcode: arg (arg_len bytes) then name (with its
 * NUL; NULL for none) follow the in header; reply_arg_len bytes of reply
 * argument are offered after the out header (reply_arg_len == UINT32_MAX:
 * no writable part at all, as for FORGET); data_len payload bytes go in the
 * direction dir. */
int fr_build(struct fr_slot *s, uint64_t unique, uint32_t opcode, uint64_t nodeid,
	     const void *arg, uint32_t arg_len, const char *name,
	     uint32_t reply_arg_len, enum fr_data_dir dir, uint32_t data_len);

/* flags: FUSE_* init flags (FUSE_INIT_EXT is added); flags2: the high word. */
int fr_init(struct fr_slot *s, uint64_t unique, uint32_t flags, uint32_t flags2);
int fr_lookup(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name);
int fr_forget(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t nlookup);
int fr_getattr(struct fr_slot *s, uint64_t unique, uint64_t nodeid);
int fr_open(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint32_t flags);
int fr_opendir(struct fr_slot *s, uint64_t unique, uint64_t nodeid);
int fr_read(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	    uint64_t off, uint32_t size);
/* The payload is whatever the caller put in s->data[0..size). */
int fr_write(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	     uint64_t off, uint32_t size);
int fr_release(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	       uint32_t flags);
int fr_releasedir(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh);
int fr_mkdir(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name,
	     uint32_t mode);
int fr_create(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name,
	      uint32_t flags, uint32_t mode);
int fr_unlink(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name);
int fr_rmdir(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name);
/* RENAME (flags 0, as Linux sends a plain rename(2)): both names follow
 * the fixed argument, each at most 255 bytes. */
int fr_rename(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name,
	      uint64_t newparent, const char *newname);
int fr_readdir(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	       uint64_t off, uint32_t size);

/* Place the built request on vr (not kicked).  Returns the head or -errno. */
int fr_submit(struct fr_slot *s, struct vring_drv *vr, bool indirect);
/* Check the reply to the slot's request, given the used element's len:
 * out header present, len == used_len, unique matches, error in
 * (-4096, 0], an error reply carries nothing else.  Returns 0 with *r filled,
 * or -EPROTO with *why set to the broken rule. */
int fr_parse(const struct fr_slot *s, uint32_t used_len, struct fr_reply *r,
	     const char **why);

/* Submit, kick, wait (timeout_ms) for this request's completion, parse.
 * For one request at a time on an otherwise idle queue. */
int fr_call(struct fr_slot *s, struct vring_drv *vr, int timeout_ms,
	    struct fr_reply *r, const char **why);

#endif
