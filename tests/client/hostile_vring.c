/* Hostile descriptor chains on the request queue: bad addresses and
 * lengths, loops, bad shapes, bad indirect tables, FUSE headers that
 * disagree with the chain.  Each is dropped (used len 0) or answered with an
 * errno; what breaks the ring itself stops the queue until it is reset. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "hostile.h"

#define D_NEXT VRING_DESC_F_NEXT
#define D_WRITE VRING_DESC_F_WRITE
#define D_IND VRING_DESC_F_INDIRECT

/* A GETATTR of the root in e->bad: the header (56 readable bytes). */
static struct fuse_in_header *bad_getattr(struct env *e)
{
	fr_getattr(&e->bad, fs_unique(&e->s), FUSE_ROOT_ID);
	return (struct fuse_in_header *)e->bad.req;
}

/* The usual two-descriptor chain with the second descriptor replaced. */
static int two(struct env *e, struct vring_desc second, const char *what)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = { { h_gpa(e, h), h->len, D_NEXT, 1 }, second };

	if (h_publish(e, d, 2) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, what);
}

static int addr_outside(struct env *e)
{
	return two(e, (struct vring_desc){ 0x1000, 256, D_WRITE, 0 }, "below guest memory") ||
	       two(e, (struct vring_desc){ VUC_GPA_BASE + e->s.c.mem_size, 256, D_WRITE, 0 },
		   "just past guest memory");
}

static int addr_wraps(struct env *e)
{
	return two(e, (struct vring_desc){ ~0ull - 15, 256, D_WRITE, 0 }, "wrapping 2^64");
}

static int addr_straddles_end(struct env *e)
{
	uint64_t end = VUC_GPA_BASE + e->s.c.mem_size;

	return two(e, (struct vring_desc){ end - 64, 256, D_WRITE, 0 }, "crossing the end");
}

static int len_overflow(struct env *e)
{
	return two(e, (struct vring_desc){ h_gpa(e, e->bad.rep), 0xffffffffu, D_WRITE, 0 },
		   "4 GiB writable");
}

/* Readable descriptors, each inside guest memory, whose lengths add up
 * past 4 GiB. */
static int len_sum_overflow(struct env *e)
{
	static struct vring_desc d[80];
	struct fuse_in_header *h = bad_getattr(e);
	uint32_t big = (uint32_t)(e->s.c.mem_size - 4096);

	d[0] = (struct vring_desc){ h_gpa(e, h), h->len, D_NEXT, 1 };
	for (unsigned i = 1; i < 79; i++)
		d[i] = (struct vring_desc){ VUC_GPA_BASE, big, D_NEXT, (uint16_t)(i + 1) };
	d[79] = (struct vring_desc){ h_gpa(e, e->bad.rep), 256, D_WRITE, 0 };
	if (h_publish(e, d, 80) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, "79 x 64 MiB readable");
}

static int desc_loop(struct env *e)
{
	return two(e, (struct vring_desc){ h_gpa(e, e->bad.rep), 256, D_WRITE | D_NEXT, 0 },
		   "two-descriptor loop");
}

static int desc_self_loop(struct env *e)
{
	return two(e, (struct vring_desc){ h_gpa(e, e->bad.rep), 256, D_WRITE | D_NEXT, 1 },
		   "descriptor pointing at itself");
}

/* Every descriptor of the queue in one chain, the last pointing back at the
 * first: longer than the queue. */
static int chain_longer_than_queue(struct env *e)
{
	static struct vring_desc d[1024];
	unsigned n = e->s.req.num;
	struct fuse_in_header *h = bad_getattr(e);

	d[0] = (struct vring_desc){ h_gpa(e, h), h->len, D_NEXT, 1 };
	for (unsigned i = 1; i < n; i++)
		d[i] = (struct vring_desc){ h_gpa(e, e->bad.rep), 16, D_WRITE | D_NEXT,
					    (uint16_t)((i + 1) % n) };
	if (h_publish(e, d, n) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, "chain over the whole queue, looping");
}

static int next_out_of_range(struct env *e)
{
	return two(e, (struct vring_desc){ h_gpa(e, e->bad.rep), 256, D_WRITE | D_NEXT,
					   (uint16_t)(e->s.req.num + 7) }, "next >= queue size");
}

static int head_out_of_range(struct env *e)
{
	vr_publish(&e->s.req, (uint16_t)(e->s.req.num + 3));
	vr_kick(&e->s.req, true);
	return h_expect_broken_then_reset(e, "avail head >= queue size");
}

static int avail_idx_jump(struct env *e)
{
	/* avail idx says 1000 new chains on a 128-entry ring. */
	e->s.req.avail_idx = (uint16_t)(e->s.req.avail_idx + 1000);
	__atomic_store_n(&e->s.req.avail->idx, e->s.req.avail_idx, __ATOMIC_RELEASE);
	vr_kick(&e->s.req, true);
	return h_expect_broken_then_reset(e, "avail idx moved by 1000");
}

static int write_before_read(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, e->bad.rep), 256, D_WRITE | D_NEXT, 1 },
		{ h_gpa(e, h), h->len, 0, 0 },
	};

	if (h_publish(e, d, 2) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, "writable before readable");
}

static int only_writable(struct env *e)
{
	struct vring_desc d[1] = { { h_gpa(e, e->bad.rep), 256, D_WRITE, 0 } };

	memset(e->bad.rep, 0, 256);
	if (h_publish(e, d, 1) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, "no readable part");
}

static int zero_lengths(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[3] = {
		{ h_gpa(e, h), 0, D_NEXT, 1 },
		{ 0, 0, D_NEXT, 2 },
		{ h_gpa(e, e->bad.rep), 0, D_WRITE, 0 },
	};

	if (h_publish(e, d, 3) < 0)
		return -1;
	return h_expect_dropped_or_error(e, NULL, "zero-length descriptors");
}

/* An indirect descriptor as the whole ring chain, pointing at table t. */
static int indirect(struct env *e, uint64_t addr, uint32_t len, uint16_t flags,
		    const char *what)
{
	struct vring_desc d[1] = { { addr, len, (uint16_t)(D_IND | flags), 0 } };

	if (h_publish(e, d, 1) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, what);
}

/* A well-formed two-entry table for the GETATTR in e->bad. */
static struct vring_desc *good_table(struct env *e, unsigned entries)
{
	struct vring_desc *t = vuc_alloc(&e->s.c, 16ull * entries, 16);
	struct fuse_in_header *h = bad_getattr(e);

	if (!t)
		return NULL;
	t[0] = (struct vring_desc){ h_gpa(e, h), h->len, D_NEXT, 1 };
	t[1] = (struct vring_desc){ h_gpa(e, e->bad.rep), 256, D_WRITE, 0 };
	return t;
}

static int nested_indirect(struct env *e)
{
	struct vring_desc *t = good_table(e, 2), *t2 = good_table(e, 2);

	if (!t || !t2)
		return h_fail(e, "out of guest memory");
	t[1] = (struct vring_desc){ h_gpa(e, t2), 32, D_IND, 0 };
	return indirect(e, h_gpa(e, t), 32, 0, "indirect table inside an indirect table");
}

static int indirect_bad_len(struct env *e)
{
	struct vring_desc *t = good_table(e, 4);

	if (!t)
		return h_fail(e, "out of guest memory");
	return indirect(e, h_gpa(e, t), 40, 0, "indirect length 40 (not a multiple of 16)") ||
	       indirect(e, h_gpa(e, t), 0, 0, "indirect length 0") ||
	       indirect(e, h_gpa(e, t), 15, 0, "indirect length 15");
}

static int indirect_outside(struct env *e)
{
	return indirect(e, 0x2000, 32, 0, "indirect table below guest memory") ||
	       indirect(e, VUC_GPA_BASE + e->s.c.mem_size - 16, 32, 0,
			"indirect table crossing the end of guest memory");
}

static int indirect_with_next(struct env *e)
{
	struct vring_desc *t = good_table(e, 2);
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, t), 32, D_IND | D_NEXT, 1 },
		{ h_gpa(e, h), 8, 0, 0 },
	};

	if (!t)
		return h_fail(e, "out of guest memory");
	if (h_publish(e, d, 2) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, "indirect descriptor with NEXT");
}

static int indirect_in_chain(struct env *e)
{
	struct vring_desc *t = good_table(e, 2);

	if (!t)
		return h_fail(e, "out of guest memory");
	return two(e, (struct vring_desc){ h_gpa(e, t), 32, D_IND, 0 },
		   "indirect descriptor as the second of a chain");
}

static int indirect_loop(struct env *e)
{
	struct vring_desc *t = good_table(e, 3);

	if (!t)
		return h_fail(e, "out of guest memory");
	t[1].flags |= D_NEXT;
	t[1].next = 2;
	t[2] = (struct vring_desc){ h_gpa(e, e->bad.rep), 16, D_WRITE | D_NEXT, 1 };
	return indirect(e, h_gpa(e, t), 48, 0, "loop inside an indirect table");
}

static int indirect_next_out_of_range(struct env *e)
{
	struct vring_desc *t = good_table(e, 2);

	if (!t)
		return h_fail(e, "out of guest memory");
	t[1].flags |= D_NEXT;
	t[1].next = 2;     /* the table has 2 entries */
	return indirect(e, h_gpa(e, t), 32, 0, "indirect next past the table");
}

/* An indirect table longer than any queue: 4096 linear entries. */
static int indirect_too_long(struct env *e)
{
	unsigned n = 4096;
	struct vring_desc *t = good_table(e, n);

	if (!t)
		return h_fail(e, "out of guest memory");
	t[1].flags |= D_NEXT;
	for (unsigned i = 1; i < n; i++)
		t[i] = (struct vring_desc){ h_gpa(e, e->bad.rep), 1, (uint16_t)(D_WRITE | (i + 1 < n ? D_NEXT : 0)),
					    (uint16_t)(i + 1) };
	return indirect(e, h_gpa(e, t), 16 * n, 0, "4096-entry indirect table");
}

static int short_in_header(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, h), 10, D_NEXT, 1 },      /* 10 of the 40 header bytes */
		{ h_gpa(e, e->bad.rep), 256, D_WRITE, 0 },
	};

	if (h_publish(e, d, 2) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, "10 of 40 header bytes");
}

static int in_len_lies(struct env *e, uint32_t len, const char *what)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, h), h->len, D_NEXT, 1 },
		{ h_gpa(e, e->bad.rep), 256, D_WRITE, 0 },
	};

	h->len = len;
	if (h_publish(e, d, 2) < 0)
		return -1;
	return h_expect_dropped_or_error(e, e->bad.rep, what);
}

static int in_len_larger(struct env *e)
{
	return in_len_lies(e, 1u << 30, "header len 1 GiB, chain 56 bytes") ||
	       in_len_lies(e, 57, "header len 57, chain 56 bytes");
}

static int in_len_smaller(struct env *e)
{
	return in_len_lies(e, 40, "header len 40, chain 56 bytes") ||
	       in_len_lies(e, 0, "header len 0");
}

static int no_reply_buffer(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[1] = { { h_gpa(e, h), h->len, 0, 0 } };

	if (h_publish(e, d, 1) < 0)
		return -1;
	return h_expect_dropped_or_error(e, NULL, "GETATTR without reply room");
}

/* 8 writable bytes, less than an out header: nothing may land past them. */
static int reply_room_too_small(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	uint8_t *rep = e->bad.rep;
	struct vring_desc d[2] = {
		{ h_gpa(e, h), h->len, D_NEXT, 1 },
		{ h_gpa(e, rep), 8, D_WRITE, 0 },
	};

	memset(rep, 0xee, 64);
	if (h_publish(e, d, 2) < 0 || h_expect_dropped_or_error(e, NULL, "8-byte reply room") < 0)
		return -1;
	for (unsigned i = 0; i < 64; i++)
		if (rep[i] != 0xee)
			return h_fail(e, "byte %u of an 8-byte reply room that cannot hold a reply "
				      "was written", i);
	return 0;
}

/* Legal but unusual: every byte of the request in its own descriptor.
 * Must be answered correctly. */
static int one_byte_descriptors(struct env *e)
{
	static struct vring_desc d[64];
	struct fuse_in_header *h = bad_getattr(e);
	unsigned n = h->len;     /* 56 */
	struct vr_used u;

	for (unsigned i = 0; i < n; i++)
		d[i] = (struct vring_desc){ h_gpa(e, (uint8_t *)h + i), 1, D_NEXT, (uint16_t)(i + 1) };
	d[n] = (struct vring_desc){ h_gpa(e, e->bad.rep), e->bad.rep_len, D_WRITE, 0 };
	memset(e->bad.rep, 0, e->bad.rep_len);
	if (h_publish(e, d, n + 1) < 0)
		return -1;
	int r = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	vr_put_desc(&e->s.req, e->ids, e->nids);
	e->nids = 0;
	if (r != 1)
		return h_fail(e, "1-byte descriptors: no answer");
	struct fr_reply rep;
	const char *why;
	if (fr_parse(&e->bad, u.len, &rep, &why) < 0)
		return h_fail(e, "1-byte descriptors: %s", why);
	if (rep.error)
		return h_fail(e, "1-byte descriptors: GETATTR failed with %d", rep.error);
	return 0;
}

/* Every ring entry at once holds a bad chain (header len lies); all must
 * come back. */
static int flood(struct env *e)
{
	struct vring_drv *vr = &e->s.req;
	unsigned chains = vr->num / 2;
	struct fuse_in_header *h = bad_getattr(e);
	uint16_t ids[2];
	struct vr_used u;

	h->len = 99;
	for (unsigned i = 0; i < chains; i++) {
		if (vr_take_desc(vr, 2, ids) < 0)
			return h_fail(e, "ring full after %u chains", i);
		vr->desc[ids[0]] = (struct vring_desc){ h_gpa(e, h), 56, D_NEXT, ids[1] };
		vr->desc[ids[1]] = (struct vring_desc){ h_gpa(e, e->bad.rep), 16, D_WRITE, 0 };
		vr->chain_len[ids[0]] = 2;   /* vr_get_used gives them back */
		vr->next[ids[0]] = ids[1];
		vr_publish(vr, ids[0]);
	}
	vr_kick(vr, true);
	for (unsigned i = 0; i < chains; i++) {
		if (vr_wait_used(vr, H_WAIT_MS, &u) != 1)
			return h_fail(e, "only %u of %u bad chains came back", i, chains);
		if (u.len != 0 && u.len != 16)
			return h_fail(e, "bad chain answered with %u bytes", u.len);
	}
	return 0;
}

/* The same head twice on the avail ring: served (or dropped) twice, no
 * crash; the ring is reset afterwards since the used ring now names a
 * chain twice. */
static int duplicate_head(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, h), h->len, D_NEXT, 1 },
		{ h_gpa(e, e->bad.rep), e->bad.rep_len, D_WRITE, 0 },
	};
	struct vr_used u;

	if (h_publish(e, d, 2) < 0)
		return -1;
	vr_publish(&e->s.req, e->ids[0]);
	vr_kick(&e->s.req, true);
	for (int i = 0; i < 2; i++)
		if (vr_wait_used(&e->s.req, H_WAIT_MS, &u) != 1)
			return h_fail(e, "duplicate head: completion %d missing", i + 1);
	e->nids = 0;     /* given back by h_requeue's fresh ring */
	return h_requeue(e);
}

/* Reply room that is the descriptor table itself: the daemon scribbles on
 * the ring the guest gave it.  Hostile but harmless to the host; the ring is
 * reset afterwards. */
static int reply_into_ring(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, h), h->len, D_NEXT, 1 },
		{ h_gpa(e, e->s.req.desc), 16u * e->s.req.num, D_WRITE, 0 },
	};
	struct vr_used u;

	if (h_publish(e, d, 2) < 0)
		return -1;
	/* The scribbled ring may or may not carry the completion back. */
	if (vr_wait_used(&e->s.req, 1000, &u) == 1)
		printf("INFO reply-into-ring: completed, %u bytes\n", u.len);
	e->nids = 0;
	return h_requeue(e);
}

/* The request is also the reply room (same bytes readable and writable). */
static int rw_alias(struct env *e)
{
	struct fuse_in_header *h = bad_getattr(e);
	struct vring_desc d[2] = {
		{ h_gpa(e, h), h->len, D_NEXT, 1 },
		{ h_gpa(e, h), 256, D_WRITE, 0 },
	};
	struct vr_used u;

	if (h_publish(e, d, 2) < 0)
		return -1;
	int r = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	vr_put_desc(&e->s.req, e->ids, e->nids);
	e->nids = 0;
	if (r != 1)
		return h_fail(e, "aliased request/reply: no completion");
	if (u.len > 256)
		return h_fail(e, "used len %u beyond the 256-byte room", u.len);
	return 0;
}

/* A FUSE request on the hiprio queue (the Linux driver sends only FORGET
 * and INTERRUPT there): answered or dropped, no crash. */
static int request_on_hiprio(struct env *e)
{
	struct fr_reply r;
	const char *why = NULL;
	int ret;

	fr_getattr(&e->bad, fs_unique(&e->s), FUSE_ROOT_ID);
	ret = fr_call(&e->bad, &e->s.hiprio, H_WAIT_MS, &r, &why);
	if (ret == -ETIMEDOUT)
		return h_fail(e, "GETATTR on the hiprio queue: no completion");
	if (ret < 0 && why)
		return h_fail(e, "GETATTR on the hiprio queue: %s", why);
	return 0;
}

/* Legal but extreme: a READ / READDIR whose reply room is the out header
 * then 1000 one-byte descriptors (an indirect table).  Must be answered
 * with the right bytes in the right places. */
static int scattered_reply(struct env *e, uint32_t opcode, uint64_t nodeid, uint64_t fh,
			   const char *what, const char *want)
{
	unsigned n = 1002;
	struct vring_desc *t = vuc_alloc(&e->s.c, 16ull * n, 16);
	uint8_t *data = vuc_alloc(&e->s.c, 1000, 64);
	struct fuse_read_in in = { .fh = fh, .size = 1000 };
	struct vr_used u;

	if (!t || !data)
		return h_fail(e, "out of guest memory");
	fr_build(&e->bad, fs_unique(&e->s), opcode, nodeid, &in, sizeof(in), NULL, 0,
		 FR_DATA_NONE, 0);
	memset(e->bad.rep, 0, 16);
	memset(data, 0, 1000);
	t[0] = (struct vring_desc){ h_gpa(e, e->bad.req), 40 + sizeof(in), D_NEXT, 1 };
	t[1] = (struct vring_desc){ h_gpa(e, e->bad.rep), 16, D_WRITE | D_NEXT, 2 };
	for (unsigned i = 2; i < n; i++)
		t[i] = (struct vring_desc){ h_gpa(e, data + i - 2), 1,
					    (uint16_t)(D_WRITE | (i + 1 < n ? D_NEXT : 0)),
					    (uint16_t)(i + 1) };
	struct vring_desc d[1] = { { h_gpa(e, t), 16 * n, D_IND, 0 } };
	if (h_publish(e, d, 1) < 0)
		return -1;
	int r = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	vr_put_desc(&e->s.req, e->ids, e->nids);
	e->nids = 0;
	if (r != 1)
		return h_fail(e, "%s: no completion", what);
	const struct fuse_out_header *oh = (const void *)e->bad.rep;
	if (u.len < 16 || oh->len != u.len || oh->error != 0)
		return h_fail(e, "%s: used %u, out len %u, error %d", what, u.len, oh->len, oh->error);
	if (want && (u.len - 16 != strlen(want) || memcmp(data, want, strlen(want))))
		return h_fail(e, "%s: %u bytes, not the file's", what, u.len - 16);
	if (!want && !memmem(data, u.len - 16, "escape-file", 11))
		return h_fail(e, "%s: the listing lacks escape-file", what);
	return 0;
}

/* A WRITE whose 1000-byte payload comes in 1000 one-byte descriptors: the
 * file must hold exactly those bytes afterwards. */
static int scattered_write(struct env *e, uint64_t nid)
{
	unsigned n = 1002;
	struct vring_desc *t = vuc_alloc(&e->s.c, 16ull * n, 16);
	uint8_t *data = vuc_alloc(&e->s.c, 1000, 64);
	struct fr_reply r;
	struct vr_used u;
	char path[4200];
	uint8_t back[1100];
	const char *why;

	fr_open(&e->slot, fs_unique(&e->s), nid, O_RDWR);
	if (!t || !data || h_call(e, &r) < 0 || r.error)
		return h_fail(e, "OPEN file for writing failed");
	struct fuse_write_in in = { .fh = ((const struct fuse_open_out *)r.arg)->fh, .size = 1000 };
	for (unsigned i = 0; i < 1000; i++)
		data[i] = (uint8_t)('a' + i % 26);
	fr_build(&e->bad, fs_unique(&e->s), FUSE_WRITE, nid, &in, sizeof(in), NULL,
		 sizeof(struct fuse_write_out), FR_DATA_NONE, 0);
	((struct fuse_in_header *)e->bad.req)->len = 40 + sizeof(in) + 1000;
	t[0] = (struct vring_desc){ h_gpa(e, e->bad.req), 40 + sizeof(in), D_NEXT, 1 };
	for (unsigned i = 1; i < n - 1; i++)
		t[i] = (struct vring_desc){ h_gpa(e, data + i - 1), 1, D_NEXT, (uint16_t)(i + 1) };
	t[n - 1] = (struct vring_desc){ h_gpa(e, e->bad.rep), 24, D_WRITE, 0 };
	struct vring_desc d[1] = { { h_gpa(e, t), 16 * n, D_IND, 0 } };
	if (h_publish(e, d, 1) < 0)
		return -1;
	int ret = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	vr_put_desc(&e->s.req, e->ids, e->nids);
	e->nids = 0;
	if (ret != 1)
		return h_fail(e, "scattered WRITE: no completion");
	if (fr_parse(&e->bad, u.len, &r, &why) < 0 || r.error ||
	    ((const struct fuse_write_out *)r.arg)->size != 1000)
		return h_fail(e, "scattered WRITE: %s", why ? why : "failed or short");
	snprintf(path, sizeof(path), "%s/share/file", e->base);
	FILE *f = fopen(path, "rb");
	size_t got = f ? fread(back, 1, sizeof(back), f) : 0;
	if (f)
		fclose(f);
	if (got != 1000 || memcmp(back, data, 1000))
		return h_fail(e, "scattered WRITE: the file holds %zu other bytes", got);
	return 0;
}

static int scattered_read_readdir(struct env *e)
{
	struct fr_reply r;
	uint64_t nid, fh;

	fr_lookup(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID, "file");
	if (h_call(e, &r) < 0 || r.error)
		return h_fail(e, "LOOKUP file failed");
	nid = ((const struct fuse_entry_out *)r.arg)->nodeid;
	fr_open(&e->slot, fs_unique(&e->s), nid, 0);
	if (h_call(e, &r) < 0 || r.error)
		return h_fail(e, "OPEN file failed");
	fh = ((const struct fuse_open_out *)r.arg)->fh;
	if (scattered_reply(e, FUSE_READ, nid, fh, "READ into 1000 one-byte buffers", H_FILE) < 0)
		return -1;
	if (scattered_write(e, nid) < 0)
		return -1;
	fr_opendir(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (h_call(e, &r) < 0 || r.error)
		return h_fail(e, "OPENDIR failed");
	fh = ((const struct fuse_open_out *)r.arg)->fh;
	return scattered_reply(e, FUSE_READDIR, FUSE_ROOT_ID, fh,
			       "READDIR into 1000 one-byte buffers", NULL);
}

const struct hostile_case hostile_vring_cases[] = {
	{ "addr-outside-memory", addr_outside, 0 },
	{ "addr-wraps", addr_wraps, 0 },
	{ "addr-straddles-end", addr_straddles_end, 0 },
	{ "len-overflow", len_overflow, 0 },
	{ "len-sum-overflow", len_sum_overflow, 0 },
	{ "desc-loop", desc_loop, 0 },
	{ "desc-self-loop", desc_self_loop, 0 },
	{ "chain-longer-than-queue", chain_longer_than_queue, 0 },
	{ "next-out-of-range", next_out_of_range, 0 },
	{ "head-out-of-range", head_out_of_range, 0 },
	{ "avail-idx-jump", avail_idx_jump, 0 },
	{ "write-before-read", write_before_read, 0 },
	{ "only-writable", only_writable, 0 },
	{ "zero-lengths", zero_lengths, 0 },
	{ "nested-indirect", nested_indirect, 0 },
	{ "indirect-bad-len", indirect_bad_len, 0 },
	{ "indirect-outside-memory", indirect_outside, 0 },
	{ "indirect-with-next", indirect_with_next, 0 },
	{ "indirect-in-chain", indirect_in_chain, 0 },
	{ "indirect-loop", indirect_loop, 0 },
	{ "indirect-next-out-of-range", indirect_next_out_of_range, 0 },
	{ "indirect-too-long", indirect_too_long, 0 },
	{ "short-in-header", short_in_header, 0 },
	{ "in-len-larger", in_len_larger, 0 },
	{ "in-len-smaller", in_len_smaller, 0 },
	{ "no-reply-buffer", no_reply_buffer, 0 },
	{ "reply-room-too-small", reply_room_too_small, 0 },
	{ "one-byte-descriptors", one_byte_descriptors, 0 },
	{ "flood-bad-chains", flood, 0 },
	{ "duplicate-head", duplicate_head, 0 },
	{ "reply-into-ring", reply_into_ring, 0 },
	{ "rw-alias", rw_alias, 0 },
	{ "request-on-hiprio", request_on_hiprio, 0 },
	{ "scattered-read-readdir", scattered_read_readdir, 0 },
};
const unsigned hostile_vring_count = sizeof(hostile_vring_cases) / sizeof(hostile_vring_cases[0]);
