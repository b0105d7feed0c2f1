/* A first set of hostile-guest cases, one per connection:
 *   build/client/hostile SOCKET CASE      (CASE "list" prints the names)
 * Brings the device up, FUSE_INIT, places one broken descriptor chain (or
 * FUSE request), then checks that the backend still answers GET_FEATURES on
 * the socket and (except where the ring itself is broken, which may stop the
 * queue: src/transport/virtqueue.h) a well-formed GETATTR of the root on the
 * same queue.  The broken chain may be completed or dropped; a single bad
 * chain must not stop the queue.  Prints PASS/FAIL; exit 0 on PASS.
 * tests/client/hostile.sh runs every case against a daemon. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/virtio_config.h>

#include "fs_session.h"

#define WAIT_MS 2000

struct env {
	struct fs_session s;
	struct fr_slot slot;     /* the well-formed requests */
	struct fr_slot bad;      /* buffers for the broken one */
};

/* Publish a hand-built chain of n descriptors d[] (next fields are indexes
 * into d[] and get translated to the ring ids taken). */
static int publish_raw(struct env *e, const struct vring_desc *d, unsigned n,
		       uint16_t *ids)
{
	struct vring_drv *vr = &e->s.req;
	int r = vr_take_desc(vr, n, ids);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		vr->desc[ids[i]] = d[i];
		if (d[i].next < n)
			vr->desc[ids[i]].next = ids[d[i].next];
	}
	vr_publish(vr, ids[0]);
	return vr_kick(vr, true) < 0 ? -EIO : 0;
}

/* A GETATTR request in e->bad's buffers; returns the in-header pointer. */
static struct fuse_in_header *bad_getattr(struct env *e)
{
	fr_getattr(&e->bad, fs_unique(&e->s), FUSE_ROOT_ID);
	return (struct fuse_in_header *)e->bad.req;
}

static uint64_t gpa(struct env *e, const void *p)
{
	return vuc_gpa(&e->s.c, p);
}

static int case_addr_outside(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ gpa(e, h), h->len, VRING_DESC_F_NEXT, 1 },
		{ 0x1000, 256, VRING_DESC_F_WRITE, 0 },   /* below guest memory */
	};

	*n = 2;
	return publish_raw(e, d, 2, ids);
}

static int case_len_overflow(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ gpa(e, h), h->len, VRING_DESC_F_NEXT, 1 },
		{ gpa(e, e->bad.rep), 0xffffffffu, VRING_DESC_F_WRITE, 0 },
	};

	*n = 2;
	return publish_raw(e, d, 2, ids);
}

static int case_desc_loop(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ gpa(e, h), h->len, VRING_DESC_F_NEXT, 1 },
		{ gpa(e, e->bad.rep), 256, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0 },
	};

	*n = 2;
	return publish_raw(e, d, 2, ids);
}

static int case_next_out_of_range(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[1] = {
		{ gpa(e, h), h->len, VRING_DESC_F_NEXT, 0 },
	};
	int r;

	*n = 1;
	r = vr_take_desc(&e->s.req, 1, ids);
	if (r < 0)
		return r;
	d[0].next = (uint16_t)(e->s.req.num + 7);
	e->s.req.desc[ids[0]] = d[0];
	vr_publish(&e->s.req, ids[0]);
	return vr_kick(&e->s.req, true) < 0 ? -EIO : 0;
}

static int case_head_out_of_range(struct env *e, uint16_t *ids, unsigned *n)
{
	*n = 0;
	vr_publish(&e->s.req, (uint16_t)(e->s.req.num + 3));
	return vr_kick(&e->s.req, true) < 0 ? -EIO : 0;
}

static int case_nested_indirect(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc *t = vuc_alloc(&e->s.c, 2 * sizeof(*t), 16);
	struct vring_desc d[1];

	if (!t)
		return -ENOMEM;
	t[0] = (struct vring_desc){ gpa(e, h), h->len, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ gpa(e, t), 2 * sizeof(*t), VRING_DESC_F_INDIRECT, 0 };
	d[0] = (struct vring_desc){ gpa(e, t), 2 * sizeof(*t), VRING_DESC_F_INDIRECT, 0 };
	*n = 1;
	return publish_raw(e, d, 1, ids);
}

static int case_short_in_header(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ gpa(e, h), 10, VRING_DESC_F_NEXT, 1 },   /* 10 of 40 header bytes */
		{ gpa(e, e->bad.rep), 256, VRING_DESC_F_WRITE, 0 },
	};

	*n = 2;
	return publish_raw(e, d, 2, ids);
}

static int case_in_len_lies(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ gpa(e, h), h->len, VRING_DESC_F_NEXT, 1 },
		{ gpa(e, e->bad.rep), 256, VRING_DESC_F_WRITE, 0 },
	};

	h->len = 1u << 30;   /* says 1 GiB, the chain holds 56 bytes */
	*n = 2;
	return publish_raw(e, d, 2, ids);
}

static int case_no_reply_buffer(struct env *e, uint16_t *ids, unsigned *n)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[1] = { { gpa(e, h), h->len, 0, 0 } };

	*n = 1;
	return publish_raw(e, d, 1, ids);
}

static const struct {
	const char *name;
	int (*run)(struct env *e, uint16_t *ids, unsigned *n);
	bool must_serve;        /* the queue must go on serving afterwards */
} cases[] = {
	{ "addr-outside-memory", case_addr_outside, true },
	{ "len-overflow", case_len_overflow, true },
	{ "desc-loop", case_desc_loop, true },
	{ "next-out-of-range", case_next_out_of_range, true },
	{ "head-out-of-range", case_head_out_of_range, false },
	{ "nested-indirect", case_nested_indirect, true },
	{ "short-in-header", case_short_in_header, true },
	{ "in-len-lies", case_in_len_lies, true },
	{ "no-reply-buffer", case_no_reply_buffer, true },
};

int main(int argc, char **argv)
{
	static struct env e;
	struct fs_options o = { .indirect = true };
	const char *step = NULL, *why = NULL;
	struct fr_reply rep;
	struct vr_used u;
	uint16_t ids[4];
	unsigned n = 0, which;
	int r;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET CASE | %s list\n", argv[0], argv[0]);
		return 2;
	}
	for (which = 0; which < sizeof(cases) / sizeof(cases[0]); which++)
		if (!strcmp(cases[which].name, argv[2]))
			break;
	if (which == sizeof(cases) / sizeof(cases[0])) {
		fprintf(stderr, "unknown case %s\n", argv[2]);
		return 2;
	}
	if ((r = fs_open(&e.s, argv[1], &o, &step)) < 0 ||
	    (r = fr_slot_init(&e.slot, &e.s.c, 4096)) < 0 ||
	    (r = fr_slot_init(&e.bad, &e.s.c, 4096)) < 0 ||
	    (r = fs_fuse_init(&e.s, &e.slot, 0, 0, &why)) < 0) {
		printf("FAIL %s: setup: %s %s\n", argv[2], step ? step : "", why ? why : strerror(-r));
		return 1;
	}
	if ((r = cases[which].run(&e, ids, &n)) < 0) {
		printf("FAIL %s: could not place the chain: %s\n", argv[2], strerror(-r));
		return 1;
	}
	/* What became of the broken chain: completed, or dropped. */
	if (vr_wait_used(&e.s.req, WAIT_MS, &u) == 1)
		printf("INFO %s: completed id %u len %u\n", argv[2], u.id, u.len);
	else
		printf("INFO %s: not completed within %d ms\n", argv[2], WAIT_MS);
	if (n)
		vr_put_desc(&e.s.req, ids, n);

	fr_getattr(&e.slot, fs_unique(&e.s), FUSE_ROOT_ID);
	r = fr_call(&e.slot, &e.s.req, WAIT_MS, &rep, &why);
	if (r < 0 || rep.error) {
		printf("%s %s: GETATTR afterwards: %s\n",
		       cases[which].must_serve ? "FAIL" : "INFO", argv[2],
		       why ? why : r < 0 ? strerror(-r) : strerror(-rep.error));
		if (cases[which].must_serve)
			return 1;
	}
	uint64_t features;
	r = vuc_get_features(&e.s.c, &features);
	if (r < 0) {
		printf("FAIL %s: GET_FEATURES afterwards: %s\n", argv[2], strerror(-r));
		return 1;
	}
	printf("PASS %s\n", argv[2]);
	fs_close(&e.s);
	return 0;
}
