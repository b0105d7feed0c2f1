/* Writes the seed corpora: gen_corpus DIR makes DIR/fuzz_desc_chain/,
 * DIR/fuzz_fuse_request/, DIR/fuzz_state_load/ and DIR/fuzz_vhost_msg/ with
 * a few well-formed inputs each (the formats are described at the top of
 * each fuzz target). */
#include <errno.h>
#include <linux/fuse.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- descriptor chains: gpa A = 0x10000, avail at A+0x400, B after 16 KiB */
#define GPA_A 0x10000ull
#define AVAIL_OFF 0x400u

struct ring_img {
	uint8_t ctl[3];
	uint8_t a[0x4000];
} __attribute__((packed));

static void desc(struct ring_img *r, unsigned table_off, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	memcpy(r->a + table_off + i * sizeof(d), &d, sizeof(d));
}

static void avail(struct ring_img *r, uint16_t idx, const uint16_t *heads, unsigned n)
{
	memcpy(r->a + AVAIL_OFF + 2, &idx, 2);
	for (unsigned i = 0; i < n; i++)
		memcpy(r->a + AVAIL_OFF + 4 + 2 * i, &heads[i], 2);
}

static void desc_seeds(void)
{
	static struct ring_img r;
	uint16_t heads[4] = { 0, 2, 3, 5 };

	/* queue size 8: a 2-descriptor chain, an indirect one, one crossing A/B */
	memset(&r, 0, sizeof(r));
	r.ctl[0] = 3;
	desc(&r, 0, 0, GPA_A + 0x800, 64, VRING_DESC_F_NEXT, 1);
	desc(&r, 0, 1, GPA_A + 0x900, 128, VRING_DESC_F_WRITE, 0);
	desc(&r, 0, 2, GPA_A + 0xa00, 48, VRING_DESC_F_INDIRECT, 0);
	desc(&r, 0xa00, 0, GPA_A + 0x1000, 40, VRING_DESC_F_NEXT, 1);
	desc(&r, 0xa00, 1, GPA_A + 0x1100, 8, VRING_DESC_F_NEXT, 2);
	desc(&r, 0xa00, 2, GPA_A + 0x1200, 200, VRING_DESC_F_WRITE, 0);
	desc(&r, 0, 3, GPA_A + 0x3f00, 0x200, VRING_DESC_F_NEXT, 4);
	desc(&r, 0, 4, GPA_A + 0x2000, 16, VRING_DESC_F_WRITE, 0);
	desc(&r, 0, 5, GPA_A + 0x2100, 16, 0, 0);
	avail(&r, 4, heads, 4);
	put("fuzz_desc_chain", "mixed", &r, sizeof(r.ctl) + 0x1400);

	/* queue size 64 with EVENT_IDX, avail index wrapping past 0xffff */
	memset(&r, 0, sizeof(r));
	r.ctl[0] = 0x80 | 6;
	r.ctl[1] = 0xfe;
	r.ctl[2] = 0xff;
	desc(&r, 0, 0, GPA_A + 0x800, 64, VRING_DESC_F_NEXT, 1);
	desc(&r, 0, 1, GPA_A + 0x900, 64, VRING_DESC_F_WRITE, 0);
	avail(&r, 0x0001, heads, 1);
	memcpy(r.a + AVAIL_OFF + 4 + 2 * 62, heads, 2);
	memcpy(r.a + AVAIL_OFF + 4 + 2 * 63, heads, 2);
	put("fuzz_desc_chain", "wrap", &r, sizeof(r.ctl) + 0x600);
}

/* ---- FUSE requests */
struct fuse_img {
	uint8_t buf[8192];
	size_t len;
};

static void req(struct fuse_img *im, uint32_t opcode, uint64_t nodeid, const void *arg,
		size_t arg_len, const char *n1, const char *n2, uint16_t wr_len)
{
	struct fuse_in_header h = { 0 };
	size_t l1 = n1 ? strlen(n1) + 1 : 0, l2 = n2 ? strlen(n2) + 1 : 0;
	uint8_t ctl[4] = { 0, 0, (uint8_t)wr_len, (uint8_t)(wr_len >> 8) };

	h.len = (uint32_t)(sizeof(h) + arg_len + l1 + l2);
	h.opcode = opcode;
	h.unique = 10 + im->len;
	h.nodeid = nodeid;
	memcpy(im->buf + im->len, ctl, 4);
	im->len += 4;
	memcpy(im->buf + im->len, &h, sizeof(h));
	im->len += sizeof(h);
	memcpy(im->buf + im->len, arg, arg_len);
	im->len += arg_len;
	if (n1)
		memcpy(im->buf + im->len, n1, l1);
	im->len += l1;
	if (n2)
		memcpy(im->buf + im->len, n2, l2);
	im->len += l2;
}

static void one(const char *name, uint32_t opcode, uint64_t nodeid, const void *arg,
		size_t arg_len, const char *n1, const char *n2, uint16_t wr_len)
{
	struct fuse_img im = { .len = 0 };

	req(&im, opcode, nodeid, arg, arg_len, n1, n2, wr_len);
	put("fuzz_fuse_request", name, im.buf, im.len);
}

/* MKDIR "d" with a security context: as an extension (7.38, the default
 * the fuzz target's INIT agrees) or as the last argument (7.37: bit 3 of
 * the first control byte). */
static void secctx_seed(const char *name, int ext)
{
	static const char xname[] = "security.selinux", val[] = "system_u:object_r:x_t:s0";
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_secctx one = { .size = sizeof(val) };
	struct fuse_secctx_header h = { .nr_secctx = 1 };
	uint8_t a[128];
	size_t n = 0, start;

	memcpy(a, &mk, sizeof(mk));
	n += sizeof(mk);
	memcpy(a + n, "d", 2);
	n += 2;
	start = n;
	n += sizeof(h);
	memcpy(a + n, &one, sizeof(one));
	n += sizeof(one);
	memcpy(a + n, xname, sizeof(xname));
	n += sizeof(xname);
	memcpy(a + n, val, sizeof(val));
	n += sizeof(val);
	while ((n - start) % 8)
		a[n++] = 0;
	h.size = (uint32_t)(n - start);
	memcpy(a + start, &h, sizeof(h));

	struct fuse_img im = { .len = 0 };
	req(&im, FUSE_MKDIR, 1, a, n, NULL, NULL, 144);
	if (ext) {
		uint16_t extlen = (uint16_t)((n - start) / 8);
		memcpy(im.buf + 4 + offsetof(struct fuse_in_header, total_extlen), &extlen,
		       sizeof(extlen));
	} else {
		im.buf[0] |= 8;
	}
	put("fuzz_fuse_request", name, im.buf, im.len);
}

static void fuse_seeds(void)
{
	struct fuse_getattr_in ga = { 0 };
	struct fuse_open_in op = { .flags = 2 };
	struct fuse_read_in rd = { .fh = 1, .offset = 0, .size = 4096 };
	struct fuse_write_in wr = { .fh = 1, .offset = 0, .size = 4 };
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_create_in cr = { .flags = 0101, .mode = 0644 };
	struct fuse_mknod_in mn = { .mode = 010644 };
	struct fuse_rename2_in rn = { .newdir = 1 };
	struct fuse_link_in ln = { .oldnodeid = 2 };
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE | FATTR_MODE, .size = 10, .mode = 0600 };
	struct fuse_forget_in fg = { .nlookup = 1 };
	struct fuse_getxattr_in gx = { .size = 100 };
	struct fuse_lk_in lk = { .lk = { .start = 0, .end = 100, .type = 1 } };
	struct fuse_fallocate_in fa = { .length = 4096 };
	struct fuse_lseek_in ls = { .whence = 3 };
	struct fuse_copy_file_range_in cf = { .len = 100 };
	struct fuse_access_in ac = { .mask = 4 };
	struct fuse_release_in rl = { .fh = 1 };
	struct fuse_fsync_in fs = { .fh = 1 };
	struct fuse_interrupt_in in = { .unique = 4 };
	struct fuse_syncfs_in sf = { 0 };
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one e[2];
	} bf = { { .count = 2 }, { { 2, 1 }, { 3, 5 } } };
	struct {
		struct fuse_setxattr_in h;
		char rest[16];
	} sx = { { .size = 3 }, "user.a\0xyz" };
	struct {
		struct fuse_write_in h;
		char data[4];
	} w = { wr, "abcd" };

	one("lookup", FUSE_LOOKUP, 1, NULL, 0, "file", NULL, 144);
	one("getattr", FUSE_GETATTR, 1, &ga, sizeof(ga), NULL, NULL, 120);
	one("setattr", FUSE_SETATTR, 2, &sa, sizeof(sa), NULL, NULL, 120);
	one("open", FUSE_OPEN, 2, &op, sizeof(op), NULL, NULL, 32);
	one("read", FUSE_READ, 2, &rd, sizeof(rd), NULL, NULL, 4112);
	one("write", FUSE_WRITE, 2, &w, sizeof(w), NULL, NULL, 24);
	one("mkdir", FUSE_MKDIR, 1, &mk, sizeof(mk), "dir", NULL, 144);
	secctx_seed("mkdir-secctx-ext", 1);
	secctx_seed("mkdir-secctx-arg", 0);
	one("mknod", FUSE_MKNOD, 1, &mn, sizeof(mn), "fifo", NULL, 144);
	one("create", FUSE_CREATE, 1, &cr, sizeof(cr), "new", NULL, 160);
	one("symlink", FUSE_SYMLINK, 1, NULL, 0, "link", "target/x", 144);
	one("link", FUSE_LINK, 1, &ln, sizeof(ln), "hard", NULL, 144);
	one("unlink", FUSE_UNLINK, 1, NULL, 0, "file", NULL, 16);
	one("rename2", FUSE_RENAME2, 1, &rn, sizeof(rn), "a", "b", 16);
	one("readlink", FUSE_READLINK, 3, NULL, 0, NULL, NULL, 4112);
	one("forget", FUSE_FORGET, 2, &fg, sizeof(fg), NULL, NULL, 0);
	one("batch_forget", FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), NULL, NULL, 0);
	one("readdir", FUSE_READDIR, 1, &rd, sizeof(rd), NULL, NULL, 4112);
	one("readdirplus", FUSE_READDIRPLUS, 1, &rd, sizeof(rd), NULL, NULL, 4112);
	one("opendir", FUSE_OPENDIR, 1, &op, sizeof(op), NULL, NULL, 32);
	one("setxattr", FUSE_SETXATTR, 1, &sx, 8 + 10, NULL, NULL, 16);
	one("getxattr", FUSE_GETXATTR, 1, &gx, sizeof(gx), "user.a", NULL, 132);
	one("listxattr", FUSE_LISTXATTR, 1, &gx, sizeof(gx), NULL, NULL, 132);
	one("removexattr", FUSE_REMOVEXATTR, 1, NULL, 0, "user.a", NULL, 16);
	one("getlk", FUSE_GETLK, 2, &lk, sizeof(lk), NULL, NULL, 40);
	one("setlk", FUSE_SETLK, 2, &lk, sizeof(lk), NULL, NULL, 16);
	one("fallocate", FUSE_FALLOCATE, 2, &fa, sizeof(fa), NULL, NULL, 16);
	one("lseek", FUSE_LSEEK, 2, &ls, sizeof(ls), NULL, NULL, 24);
	one("copy_file_range", FUSE_COPY_FILE_RANGE, 2, &cf, sizeof(cf), NULL, NULL, 24);
	one("access", FUSE_ACCESS, 1, &ac, sizeof(ac), NULL, NULL, 16);
	one("release", FUSE_RELEASE, 2, &rl, sizeof(rl), NULL, NULL, 16);
	one("fsync", FUSE_FSYNC, 2, &fs, sizeof(fs), NULL, NULL, 16);
	one("interrupt", FUSE_INTERRUPT, 0, &in, sizeof(in), NULL, NULL, 0);
	one("syncfs", FUSE_SYNCFS, 1, &sf, sizeof(sf), NULL, NULL, 16);
	one("statfs", FUSE_STATFS, 1, NULL, 0, NULL, NULL, 96);
	one("destroy", FUSE_DESTROY, 0, NULL, 0, NULL, NULL, 16);

	/* a session: lookup, open, read, release, forget */
	struct fuse_img im = { .len = 0 };
	req(&im, FUSE_LOOKUP, 1, NULL, 0, "file", NULL, 144);
	req(&im, FUSE_OPEN, 2, &op, sizeof(op), NULL, NULL, 32);
	req(&im, FUSE_READ, 2, &rd, sizeof(rd), NULL, NULL, 4112);
	req(&im, FUSE_RELEASE, 2, &rl, sizeof(rl), NULL, NULL, 16);
	req(&im, FUSE_FORGET, 2, &fg, sizeof(fg), NULL, NULL, 0);
	put("fuzz_fuse_request", "session", im.buf, im.len);
}

/* ---- migration state streams (fuzz_state_load): the real state saved
 * in the target, unchanged (odd first byte, no edits, no cut), with a few
 * byte edits, and a raw stream of a bare header. */
static void state_seeds(void)
{
	static const uint8_t whole[] = { 1, 0xff };
	static const uint8_t edits[] = { 1, 0, 12, 0x7f, 0, 40, 0, 1, 2, 0xff, 0xff };
	static const uint8_t cut[] = { 1, 48 };
	static const uint8_t raw[] = { 0, 'V', 'F', 'S', 'D', 0, 0, 0, 0 };

	put("fuzz_state_load", "whole", whole, sizeof(whole));
	put("fuzz_state_load", "edits", edits, sizeof(edits));
	put("fuzz_state_load", "cut", cut, sizeof(cut));
	put("fuzz_state_load", "raw", raw, sizeof(raw));
}

/* ---- vhost-user connections (fuzz_vhost_msg): two device bytes, then
 * records (request, flags ^ 1, fds, u16 size, u16 len, payload). */
enum {
	VU_GET_FEATURES = 1, VU_SET_FEATURES = 2, VU_SET_OWNER = 3, VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6, VU_SET_LOG_FD = 7, VU_SET_VRING_NUM = 8, VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10, VU_GET_VRING_BASE = 11, VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13, VU_SET_VRING_ERR = 14, VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16, VU_GET_QUEUE_NUM = 17, VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24, VU_RESET_DEVICE = 34, VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37, VU_SET_DEVICE_STATE_FD = 42, VU_CHECK_DEVICE_STATE = 43,
};
#define VU_NEED_REPLY 0x8
#define VU_HARNESS_WRITE 0x80    /* the target writes as a queue thread would */
#define VU_TWICE 0x40            /* the target sends the record twice */
/* fds byte: kind | (count - 1) << 3 | memfd size << 6 */
#define FD_MEMFD(size, n) (1 | ((n) - 1) << 3 | (size) << 6)  /* 0 4K, 1 64K, 2 1M */
#define FD_EVENT 3
#define FD_PIPE_RD 5
#define FD_PIPE_WR 6
#define FD_TOO_MANY 7
#define UVA 0x7f0000000000ull
#define QSIZE 128

struct vu_img {
	uint8_t buf[4096];
	size_t len;
};

static void vrec(struct vu_img *im, uint8_t request, uint8_t flags, uint8_t fds, const void *p,
		 uint16_t len)
{
	uint8_t h[7] = { request, flags, fds, (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)len,
			 (uint8_t)(len >> 8) };

	if (im->len + sizeof(h) + len > sizeof(im->buf)) {
		fprintf(stderr, "gen_corpus: vhost seed too long\n");
		exit(1);
	}
	memcpy(im->buf + im->len, h, sizeof(h));
	im->len += sizeof(h);
	memcpy(im->buf + im->len, p, len);
	im->len += len;
}

static void vu64(struct vu_img *im, uint8_t request, uint8_t flags, uint8_t fds, uint64_t v)
{
	vrec(im, request, flags, fds, &v, sizeof(v));
}

static void vstate(struct vu_img *im, uint8_t request, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { index, num };

	vrec(im, request, VU_NEED_REPLY, 0, st, sizeof(st));
}

/* nregions regions of 64 KiB at gpa 0, 64 KiB, ... (uva UVA + the same). */
static void vmem(struct vu_img *im, unsigned nregions)
{
	uint8_t p[8 + 8 * 32] = { 0 };
	uint32_t n = nregions;

	memcpy(p, &n, 4);
	for (unsigned i = 0; i < nregions; i++) {
		uint64_t r[4] = { i * 0x10000ull, 0x10000, UVA + i * 0x10000ull, 0 };
		memcpy(p + 8 + 32 * i, r, sizeof(r));
	}
	vrec(im, VU_SET_MEM_TABLE, VU_NEED_REPLY, FD_MEMFD(1, nregions), p,
	     (uint16_t)(8 + 32 * nregions));
}

/* Queue i's rings in 16 KiB of its own: desc, avail at +2 KiB, used at +4 KiB. */
static void vaddr(struct vu_img *im, uint32_t i, uint32_t flags, uint64_t log)
{
	uint64_t base = UVA + i * 0x4000ull;
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} a = { i, flags, base, base + 0x1000, base + 0x800, log };

	vrec(im, VU_SET_VRING_ADDR, VU_NEED_REPLY, 0, &a, sizeof(a));
}

/* QEMU's vhost_virtqueue_start order, then the ring's enable. */
static void vring(struct vu_img *im, uint32_t i)
{
	vstate(im, VU_SET_VRING_NUM, i, QSIZE);
	vstate(im, VU_SET_VRING_BASE, i, 0);
	vaddr(im, i, 0, 0);
	vu64(im, VU_SET_VRING_KICK, VU_NEED_REPLY, FD_EVENT, i);
	vu64(im, VU_SET_VRING_CALL, VU_NEED_REPLY, FD_EVENT, i);
	vstate(im, VU_SET_VRING_ENABLE, i, 1);
}

/* What QEMU 10 sends to a vhost-user-fs backend up to a running device. */
static void vhandshake(struct vu_img *im, uint64_t features)
{
	const uint64_t protocol = 1ull << 0 | 1ull << 1 | 1ull << 3 | 1ull << 9 | 1ull << 13 |
				  1ull << 19;
	uint8_t cfg[12 + 40] = { 0, 0, 0, 0, 40 };

	vrec(im, VU_GET_FEATURES, 0, 0, NULL, 0);
	vrec(im, VU_SET_OWNER, 0, 0, NULL, 0);
	vrec(im, VU_GET_PROTOCOL_FEATURES, 0, 0, NULL, 0);
	vu64(im, VU_SET_PROTOCOL_FEATURES, 0, 0, protocol);
	vrec(im, VU_GET_QUEUE_NUM, 0, 0, NULL, 0);
	vrec(im, VU_GET_MAX_MEM_SLOTS, 0, 0, NULL, 0);
	vrec(im, VU_GET_CONFIG, 0, 0, cfg, sizeof(cfg));
	vu64(im, VU_SET_FEATURES, VU_NEED_REPLY, 0, features);
	vmem(im, 1);
	vring(im, 0);
	vring(im, 1);
}

/* After a harmless message, a write by queue q into its used ring (ring)
 * or region 0, at off, of len bytes, through the dirty log hook. */
static void vwrite(struct vu_img *im, uint8_t q, int ring, uint32_t off, uint16_t len)
{
	uint8_t p[8] = { q, (uint8_t)(ring ? 1 : 0), (uint8_t)off, (uint8_t)(off >> 8),
			 (uint8_t)(off >> 16), (uint8_t)(off >> 24), (uint8_t)(len - 1),
			 (uint8_t)((len - 1) >> 8) };

	vrec(im, VU_GET_QUEUE_NUM, VU_HARNESS_WRITE, 0, p, sizeof(p));
}

static void vhost_seeds(void)
{
	/* VERSION_1, INDIRECT_DESC, EVENT_IDX, PROTOCOL_FEATURES */
	const uint64_t features = 1ull << 32 | 1ull << 28 | 1ull << 29 | 1ull << 30;
	const uint64_t log_all = 1ull << 26;
	/* tag, state callbacks; 1 request queue, the replies read to the end */
	const uint8_t device[2] = { 1 | 2, 1 };
	struct vu_img im;

	/* up and running, then stopped as QEMU stops a device */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vhandshake(&im, features);
	vstate(&im, VU_GET_VRING_BASE, 0, 0);
	vstate(&im, VU_GET_VRING_BASE, 1, 0);
	vrec(&im, VU_RESET_DEVICE, 0, 0, NULL, 0);
	put("fuzz_vhost_msg", "qemu-handshake", im.buf, im.len);

	/* a live migration's source: logging on, the log, the used ring
	 * logged, the rings stopped, the state saved and checked */
	uint64_t logb[2] = { 0x10, 0 };
	uint32_t save[2] = { 0, 0 }, load[2] = { 1, 0 };
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vhandshake(&im, features);
	vu64(&im, VU_SET_FEATURES, VU_NEED_REPLY, 0, features | log_all);
	vrec(&im, VU_SET_LOG_BASE, 0, FD_MEMFD(0, 1), logb, sizeof(logb));
	vrec(&im, VU_SET_LOG_FD, VU_NEED_REPLY, FD_EVENT, NULL, 0);
	vaddr(&im, 1, 1, 0x20000);
	vwrite(&im, 1, 1, 0, 16);
	vwrite(&im, 1, 0, 0x8000, 0x100);
	vstate(&im, VU_GET_VRING_BASE, 0, 0);
	vstate(&im, VU_GET_VRING_BASE, 1, 0);
	vrec(&im, VU_SET_DEVICE_STATE_FD, 0, FD_PIPE_WR, save, sizeof(save));
	vrec(&im, VU_CHECK_DEVICE_STATE, 0, 0, NULL, 0);
	vu64(&im, VU_SET_FEATURES, VU_NEED_REPLY, 0, features);
	put("fuzz_vhost_msg", "migration-source", im.buf, im.len);

	/* a destination: the state loaded before the rings start */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vrec(&im, VU_GET_FEATURES, 0, 0, NULL, 0);
	vu64(&im, VU_SET_PROTOCOL_FEATURES, 0, 0, 1ull << 3 | 1ull << 19);
	vrec(&im, VU_SET_DEVICE_STATE_FD, 0, FD_PIPE_RD, load, sizeof(load));
	vrec(&im, VU_CHECK_DEVICE_STATE, 0, 0, NULL, 0);
	vu64(&im, VU_SET_FEATURES, VU_NEED_REPLY, 0, features);
	vmem(&im, 1);
	vring(&im, 1);
	put("fuzz_vhost_msg", "migration-destination", im.buf, im.len);

	/* the memory table replaced under running rings, then one region */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vhandshake(&im, features);
	vmem(&im, 2);
	vmem(&im, 1);
	vu64(&im, VU_SET_VRING_ERR, VU_NEED_REPLY, FD_EVENT, 1);
	vu64(&im, VU_SET_VRING_KICK, VU_NEED_REPLY, FD_PIPE_RD, 1);
	vstate(&im, VU_SET_VRING_ENABLE, 1, 0);
	put("fuzz_vhost_msg", "memory-swap", im.buf, im.len);

	/* fds where they do not belong, too many, a size that lies */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vu64(&im, VU_SET_FEATURES, VU_NEED_REPLY, FD_TOO_MANY, features);
	vu64(&im, VU_SET_VRING_CALL, VU_NEED_REPLY, FD_MEMFD(0, 2), 0);
	vu64(&im, VU_GET_FEATURES, 0, FD_PIPE_WR, 0);
	vrec(&im, VU_ADD_MEM_REG, VU_NEED_REPLY, FD_MEMFD(0, 1), logb, sizeof(logb));
	vu64(&im, VU_SET_VRING_NUM, VU_NEED_REPLY, 0, 0);
	im.buf[im.len - 8 - 4] = 4;     /* its size says 4, 8 bytes follow */
	vrec(&im, VU_GET_QUEUE_NUM, 0, 0, NULL, 0);
	put("fuzz_vhost_msg", "odd", im.buf, im.len);

	/* logging on before the log comes (QEMU's order), a write meanwhile;
	 * the VMM stops reading replies after the 21st message */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = 0x10 * 0 + 1;
	vhandshake(&im, features | log_all);
	vwrite(&im, 0, 0, 0x100, 8);
	vrec(&im, VU_SET_LOG_BASE, 0, FD_MEMFD(0, 1), logb, sizeof(logb));
	vstate(&im, VU_GET_VRING_BASE, 0, 0);
	vstate(&im, VU_GET_VRING_BASE, 1, 0);
	vrec(&im, VU_SET_DEVICE_STATE_FD, 0, FD_PIPE_WR, save, sizeof(save));
	vrec(&im, VU_CHECK_DEVICE_STATE, 0, 0, NULL, 0);
	put("fuzz_vhost_msg", "log-late", im.buf, im.len);

	/* the used ring logged at addresses that run past 2^64 */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vhandshake(&im, features | log_all);
	vrec(&im, VU_SET_LOG_BASE, 0, FD_MEMFD(0, 1), logb, sizeof(logb));
	vaddr(&im, 1, 1, 0xffffffffffffff00ull);
	vwrite(&im, 1, 1, 0, 1030);
	vaddr(&im, 1, 1, 0xfffffffffffffffcull);
	vwrite(&im, 1, 1, 8, 8);
	put("fuzz_vhost_msg", "ring-log-wrap", im.buf, im.len);
	im.buf[1] = 0xf1;
	put("fuzz_vhost_msg", "hangup", im.buf, im.len);

	/* every fd-taking message twice: the second replaces the first */
	im.len = 0;
	im.buf[im.len++] = device[0];
	im.buf[im.len++] = device[1];
	vhandshake(&im, features | log_all);
	vrec(&im, VU_SET_LOG_BASE, VU_TWICE, FD_MEMFD(0, 1), logb, sizeof(logb));
	vrec(&im, VU_SET_LOG_FD, VU_NEED_REPLY | VU_TWICE, FD_EVENT, NULL, 0);
	vu64(&im, VU_SET_VRING_ERR, VU_NEED_REPLY | VU_TWICE, FD_EVENT, 1);
	vu64(&im, VU_SET_VRING_CALL, VU_NEED_REPLY | VU_TWICE, FD_EVENT, 1);
	vu64(&im, VU_SET_VRING_KICK, VU_NEED_REPLY | VU_TWICE, FD_EVENT, 1);
	vstate(&im, VU_GET_VRING_BASE, 0, 0);
	vstate(&im, VU_GET_VRING_BASE, 1, 0);
	vrec(&im, VU_SET_DEVICE_STATE_FD, VU_TWICE, FD_PIPE_WR, save, sizeof(save));
	put("fuzz_vhost_msg", "twice", im.buf, im.len);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	if (mkdir(root, 0755) < 0 && errno != EEXIST) {
		perror(root);
		return 1;
	}
	desc_seeds();
	fuse_seeds();
	state_seeds();
	vhost_seeds();
	return 0;
}
