/* The hostile-input suite (build/client/hostile): shared state, the case
 * table type and the helpers every case file uses.
 *
 * A case gets a device that is up (queues 0 and 1) and FUSE-initialised,
 * does one hostile thing and checks the immediate answer: an errno, or the
 * chain dropped (used with 0 bytes), or a NACK, or (for what breaks the
 * stream or the ring) a closed connection / stopped ring that recovers.
 * hostile_main.c then checks, after every case, that a GETATTR of the root
 * and GET_FEATURES still work and that nothing outside the share changed.
 *
 * Case files: hostile_vring.c (descriptor chains), hostile_fuse.c and
 * hostile_names.c (FUSE requests), hostile_vhost.c (vhost-user messages),
 * hostile_migration.c (dirty logging and device state transfer),
 * hostile_syscalls.c (requests whose host system calls are rare),
 * hostile_shrink.c (shared memory files shrunk under the daemon).
 * A case may print "EXPECT-LOG TEXT": hostile.sh then fails it unless the
 * daemon's log holds TEXT. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/fuse.h>

#include "fs_session.h"

#define H_WAIT_MS 10000   /* only ever waited out when a case fails */

struct env {
	struct fs_session s;
	struct fs_options o;
	const char *sock;        /* the daemon's socket */
	const char *base;        /* BASE: BASE/share is shared, BASE/outside is not */
	struct fr_slot slot;     /* well-formed requests */
	struct fr_slot bad;      /* buffers for broken ones */
	uint16_t ids[512];       /* descriptors taken by h_publish */
	unsigned nids;
	char why[512];           /* why the case failed */
	char share_listing[1024]; /* h_share_listing before the case */
};

/* A case returns 0 (pass) or -1 with e->why set (h_fail). */
typedef int (*hostile_fn)(struct env *e);

enum {
	/* The case makes the daemon drop the connection: the daemon runs with
	 * --keep-listening and the case reconnects (h_reconnect). */
	HC_RECONNECT = 1,
	/* The daemon runs with --migration-mode=file-handles. */
	HC_FILE_HANDLES = 2,
};

struct hostile_case {
	const char *name;
	hostile_fn run;
	unsigned flags;
};

extern const struct hostile_case hostile_vring_cases[];
extern const unsigned hostile_vring_count;
extern const struct hostile_case hostile_fuse_cases[];
extern const unsigned hostile_fuse_count;
extern const struct hostile_case hostile_names_cases[];
extern const unsigned hostile_names_count;
extern const struct hostile_case hostile_vhost_cases[];
extern const unsigned hostile_vhost_count;
extern const struct hostile_case hostile_migration_cases[];
extern const unsigned hostile_migration_count;
extern const struct hostile_case hostile_syscalls_cases[];
extern const unsigned hostile_syscalls_count;
extern const struct hostile_case hostile_shrink_cases[];
extern const unsigned hostile_shrink_count;

/* Contents of BASE/outside and BASE/share/file (hostile prepare). */
#define H_SECRET "secret outside the share\n"
#define H_FILE "hello hostile\n"

/* Record why the case failed; returns -1. */
int h_fail(struct env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Guest-physical address of a pointer into guest memory. */
uint64_t h_gpa(struct env *e, const void *p);

/* Place a hand-built chain of n descriptors d[] on the request queue (next
 * fields are indexes into d[], translated to the ring ids taken; a next
 * >= n is written unchanged) and kick. */
int h_publish(struct env *e, const struct vring_desc *d, unsigned n);
/* Wait for the used element of the chain h_publish placed and give its
 * descriptors back.  rep: the chain's reply buffer (NULL: there is none).
 * Passes when the chain was dropped (used len 0) or answered with an
 * errno in a well-formed out header; fails (h_fail) otherwise, also when
 * nothing came back. */
int h_expect_dropped_or_error(struct env *e, const void *rep, const char *what);
/* For chains that break the ring: nothing may come back (or a 0-byte drop);
 * then the ring is reset (h_requeue). */
int h_expect_broken_then_reset(struct env *e, const char *what);
/* Stop request queue 1 (GET_VRING_BASE) and set it up again on fresh ring
 * memory, as a VMM does after a device reset. */
int h_requeue(struct env *e);

/* FUSE requests with any argument bytes: arg (arg_len bytes) follow the in
 * header, room bytes of reply space are offered.  *used gets the used len
 * and *err the out header's error (1 when there was no reply).  -1 with
 * e->why set on a transport failure or a malformed reply. */
int h_fuse(struct env *e, uint32_t opcode, uint64_t nodeid, const void *arg,
	   uint32_t arg_len, uint32_t room, uint32_t *used, int *err);
/* The same but the request must fail with an errno (or, no_reply, be
 * answered with nothing).  what names the request in the failure. */
int h_fuse_refused(struct env *e, const char *what, uint32_t opcode, uint64_t nodeid,
		   const void *arg, uint32_t arg_len, bool no_reply);
/* Well-formed requests built in e->slot by a fr_* builder, called on the
 * request queue; returns 0 with *r filled or -1 (h_fail). */
int h_call(struct env *e, struct fr_reply *r);
/* LOOKUP name under parent: 0 with *nodeid / *ino, or -errno from the
 * daemon (-EPROTO and h_fail on a broken reply). */
int h_lookup(struct env *e, uint64_t parent, const char *name, uint64_t *nodeid,
	     uint64_t *ino);
/* GETATTR nodeid: 0 with *ino, or -errno. */
int h_getattr(struct env *e, uint64_t nodeid, uint64_t *ino);
/* OPEN nodeid with flags: 0 with *fh, or -errno. */
int h_open(struct env *e, uint64_t nodeid, uint32_t flags, uint64_t *fh);

/* The share's root inode number and the file beside the share (the one
 * nothing may reach), as seen on the host. */
uint64_t h_share_ino(struct env *e);
uint64_t h_outside_ino(struct env *e);

/* The names in BASE/share, sorted, space-separated. */
void h_share_listing(struct env *e, char *out, size_t size);

/* Is the daemon still serving: GETATTR of the root answers the share's
 * inode, GET_FEATURES answers. */
int h_serving(struct env *e);
/* Bring the device up on a new connection (after the daemon dropped the
 * last one) and FUSE_INIT it. */
int h_reconnect(struct env *e);

#endif
