/* Hostile FUSE requests in well-formed chains: truncated arguments for every
 * opcode, unknown opcodes, node ids and file handles the guest never got,
 * FORGET of more than was looked up, OPEN of special files and with O_CREAT,
 * READ/WRITE with huge sizes and offsets. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hostile.h"

/* One opcode's complete argument bytes (fixed struct, names, payload) as the
 * kernel sends them.  Truncated to any shorter length the request is
 * malformed (a fixed struct cut short, a name without its NUL, a payload
 * shorter than its size field) and must be refused. */
struct op_args {
	uint32_t opcode;
	const char *name;
	uint8_t bytes[200];
	uint32_t len;
	uint32_t min_trunc;      /* shortest truncation to try (INIT: below 16 only) */
	uint32_t max_trunc;      /* longest + 1 (INIT: 16, older protocols are legal above) */
	bool no_reply;
};

/* FUSE_STATX (7.39) is newer than the <linux/fuse.h> here. */
#define FUSE_STATX_739 52
struct statx_in_739 {
	uint32_t getattr_flags, reserved;
	uint64_t fh;
	uint32_t sx_flags, sx_mask;
};

static void add(struct op_args *a, const void *p, size_t n)
{
	memcpy(a->bytes + a->len, p, n);
	a->len += (uint32_t)n;
}

#define FIXED(T, ...) do { T v_ = { __VA_ARGS__ }; add(a, &v_, sizeof(v_)); } while (0)
#define NAME(s) add(a, s, sizeof(s))

static unsigned build_ops(struct op_args *ops)
{
	struct op_args *a;
	unsigned n = 0;

#define OP(code) (a = &ops[n++], memset(a, 0, sizeof(*a)), a->opcode = code, a->name = #code)
	OP(FUSE_LOOKUP); NAME("file");
	OP(FUSE_FORGET); FIXED(struct fuse_forget_in, .nlookup = 1); a->no_reply = true;
	OP(FUSE_GETATTR); FIXED(struct fuse_getattr_in, 0);
	OP(FUSE_SETATTR); FIXED(struct fuse_setattr_in, .valid = FATTR_MODE, .mode = 0755);
	OP(FUSE_SYMLINK); NAME("newlink"); NAME("file");
	OP(FUSE_MKNOD); FIXED(struct fuse_mknod_in, .mode = S_IFIFO | 0644); NAME("newfifo");
	OP(FUSE_MKDIR); FIXED(struct fuse_mkdir_in, .mode = 0755); NAME("newdir");
	OP(FUSE_UNLINK); NAME("file");
	OP(FUSE_RMDIR); NAME("dir");
	OP(FUSE_RENAME); FIXED(struct fuse_rename_in, .newdir = FUSE_ROOT_ID); NAME("file"); NAME("moved");
	OP(FUSE_LINK); FIXED(struct fuse_link_in, .oldnodeid = FUSE_ROOT_ID); NAME("newlink");
	OP(FUSE_OPEN); FIXED(struct fuse_open_in, .flags = O_RDONLY);
	OP(FUSE_READ); FIXED(struct fuse_read_in, .fh = 1, .size = 16);
	OP(FUSE_WRITE); FIXED(struct fuse_write_in, .fh = 1, .size = 4); add(a, "abcd", 4);
	OP(FUSE_RELEASE); FIXED(struct fuse_release_in, .fh = 1);
	OP(FUSE_FSYNC); FIXED(struct fuse_fsync_in, .fh = 1);
	/* without FUSE_SETXATTR_EXT: the 8-byte compat header, name, value */
	OP(FUSE_SETXATTR); FIXED(struct fuse_getxattr_in, .size = 3); NAME("user.x"); add(a, "val", 3);
	OP(FUSE_GETXATTR); FIXED(struct fuse_getxattr_in, .size = 64); NAME("user.x");
	OP(FUSE_LISTXATTR); FIXED(struct fuse_getxattr_in, .size = 64);
	OP(FUSE_REMOVEXATTR); NAME("user.x");
	OP(FUSE_FLUSH); FIXED(struct fuse_flush_in, .fh = 1);
	OP(FUSE_INIT); FIXED(struct fuse_init_in, .major = 7, .minor = 38); a->max_trunc = 16;
	OP(FUSE_OPENDIR); FIXED(struct fuse_open_in, 0);
	OP(FUSE_READDIR); FIXED(struct fuse_read_in, .fh = 1, .size = 4096);
	OP(FUSE_RELEASEDIR); FIXED(struct fuse_release_in, .fh = 1);
	OP(FUSE_FSYNCDIR); FIXED(struct fuse_fsync_in, .fh = 1);
	OP(FUSE_GETLK); FIXED(struct fuse_lk_in, .fh = 1, .lk = { .type = F_RDLCK, .end = 10 });
	OP(FUSE_SETLK); FIXED(struct fuse_lk_in, .fh = 1, .lk = { .type = F_RDLCK, .end = 10 });
	OP(FUSE_SETLKW); FIXED(struct fuse_lk_in, .fh = 1, .lk = { .type = F_RDLCK, .end = 10 });
	OP(FUSE_ACCESS); FIXED(struct fuse_access_in, .mask = 4);
	OP(FUSE_CREATE); FIXED(struct fuse_create_in, .flags = O_RDWR | O_CREAT, .mode = 0644); NAME("newfile");
	OP(FUSE_INTERRUPT); FIXED(struct fuse_interrupt_in, .unique = 2); a->no_reply = true;
	OP(FUSE_BATCH_FORGET); FIXED(struct fuse_batch_forget_in, .count = 1);
		FIXED(struct fuse_forget_one, .nodeid = 12345, .nlookup = 1); a->no_reply = true;
	OP(FUSE_FALLOCATE); FIXED(struct fuse_fallocate_in, .fh = 1, .length = 4096);
	OP(FUSE_READDIRPLUS); FIXED(struct fuse_read_in, .fh = 1, .size = 4096);
	OP(FUSE_RENAME2); FIXED(struct fuse_rename2_in, .newdir = FUSE_ROOT_ID); NAME("file"); NAME("moved");
	OP(FUSE_LSEEK); FIXED(struct fuse_lseek_in, .fh = 1, .whence = 0);
	OP(FUSE_COPY_FILE_RANGE); FIXED(struct fuse_copy_file_range_in, .fh_in = 1, .fh_out = 1,
				       .nodeid_out = FUSE_ROOT_ID, .len = 10);
	OP(FUSE_SYNCFS); FIXED(struct fuse_syncfs_in, 0);
	OP(FUSE_TMPFILE); FIXED(struct fuse_create_in, .flags = O_RDWR, .mode = 0600);
	OP(FUSE_STATX_739); a->name = "FUSE_STATX"; FIXED(struct statx_in_739, 0);
#undef OP
	for (unsigned i = 0; i < n; i++)
		if (!ops[i].max_trunc)
			ops[i].max_trunc = ops[i].len;
	return n;
}

/* Every opcode with arguments, cut at every length short of complete. */
static int truncated_args(struct env *e)
{
	static struct op_args ops[64];
	unsigned n = build_ops(ops), tried = 0;
	char what[96];

	for (unsigned i = 0; i < n; i++) {
		for (uint32_t l = ops[i].min_trunc; l < ops[i].max_trunc; l++) {
			snprintf(what, sizeof(what), "%s with %u of %u argument bytes",
				 ops[i].name, l, ops[i].len);
			if (h_fuse_refused(e, what, ops[i].opcode, FUSE_ROOT_ID, ops[i].bytes, l,
					   ops[i].no_reply) < 0)
				return -1;
			tried++;
		}
		/* The daemon must still be serving after each opcode's set. */
		if (h_serving(e) < 0)
			return h_fail(e, "after truncated %s: %.400s", ops[i].name, e->why);
	}
	printf("INFO truncated-args: %u truncated requests over %u opcodes refused\n", tried, n);
	return 0;
}

static int unknown_opcodes(struct env *e)
{
	static const uint32_t codes[] = { 0, 7, 19, 37, 39, 40, 48, 49, 53, 99, 4096,
					  0x7fffffff, 0xffffffff };
	char what[64];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		uint32_t used;
		int err;
		snprintf(what, sizeof(what), "opcode %u", codes[i]);
		if (h_fuse(e, codes[i], FUSE_ROOT_ID, "\0\0\0\0\0\0\0\0", 8, 4096, &used, &err) < 0)
			return h_fail(e, "%s: %.400s", what, e->why);
		if (used == 0 || err != -ENOSYS)
			return h_fail(e, "%s: want ENOSYS, got used %u error %d", what, used, err);
	}
	return 0;
}

/* total_extlen claims more extension bytes than the request holds. */
static int extlen_lies(struct env *e)
{
	struct fuse_getattr_in in = { 0 };
	struct fr_reply r;
	struct vr_used u;
	const char *why;

	if (fr_build(&e->bad, fs_unique(&e->s), FUSE_GETATTR, FUSE_ROOT_ID, &in, sizeof(in), NULL,
		     4080, FR_DATA_NONE, 0) < 0)
		return h_fail(e, "build");
	((struct fuse_in_header *)e->bad.req)->total_extlen = 0xffff;
	if (fr_submit(&e->bad, &e->s.req, false) < 0)
		return h_fail(e, "submit");
	vr_kick(&e->s.req, true);
	if (vr_wait_used(&e->s.req, H_WAIT_MS, &u) != 1)
		return h_fail(e, "no answer");
	if (u.len == 0)
		return 0;
	if (fr_parse(&e->bad, u.len, &r, &why) < 0)
		return h_fail(e, "bad reply: %s", why);
	if (r.error >= 0)
		return h_fail(e, "total_extlen 0xffff accepted (used %u)", u.len);
	return 0;
}

/* DESTROY ends the session: requests fail until the next INIT. */
static int requests_after_destroy(struct env *e)
{
	uint32_t used;
	int err;
	const char *why = NULL;

	if (h_fuse(e, FUSE_DESTROY, 0, NULL, 0, 4096, &used, &err) < 0)
		return -1;
	if (h_fuse(e, FUSE_GETATTR, FUSE_ROOT_ID, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, 4096,
		   &used, &err) < 0)
		return -1;
	if (used == 0 || err >= 0)
		return h_fail(e, "GETATTR after DESTROY answered %d", err);
	if (fs_fuse_init(&e->s, &e->slot, 0, 0, &why) < 0)
		return h_fail(e, "INIT after DESTROY: %s", why ? why : "failed");
	return 0;
}

static int nodeid_never_looked_up(struct env *e)
{
	uint64_t ids[] = { 0, 2, 3, 12345, 1ull << 40, UINT64_MAX, h_outside_ino(e),
			   h_share_ino(e) + 1 };
	uint64_t ino, nid, fh;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int r = h_getattr(e, ids[i], &ino);
		if (r == -EPROTO)
			return -1;
		if (r == 0)
			return h_fail(e, "GETATTR of node %llu that was never looked up succeeded "
				      "(inode %llu)", (unsigned long long)ids[i], (unsigned long long)ino);
		r = h_lookup(e, ids[i], "file", &nid, &ino);
		if (r == 0)
			return h_fail(e, "LOOKUP under node %llu succeeded", (unsigned long long)ids[i]);
		r = h_open(e, ids[i], O_RDONLY, &fh);
		if (r == 0)
			return h_fail(e, "OPEN of node %llu succeeded", (unsigned long long)ids[i]);
	}
	return 0;
}

static int forget(struct env *e, uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };

	return h_fuse_refused(e, "FORGET", FUSE_FORGET, nodeid, &in, sizeof(in), true);
}

static int nodeid_forgotten(struct env *e)
{
	uint64_t nid, ino;

	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0)
		return h_fail(e, "LOOKUP file failed");
	if (forget(e, nid, 1) < 0)
		return -1;
	int r = h_getattr(e, nid, &ino);
	if (r == 0)
		return h_fail(e, "GETATTR of a forgotten node succeeded");
	return r == -EPROTO ? -1 : 0;
}

static int forget_too_many(struct env *e)
{
	uint64_t nid, nid2, ino;

	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0)
		return h_fail(e, "LOOKUP file failed");
	if (forget(e, nid, 1000000) < 0 || forget(e, nid, UINT64_MAX) < 0 ||
	    forget(e, nid, 1) < 0)
		return -1;
	if (h_getattr(e, nid, &ino) == 0)
		return h_fail(e, "node still there after FORGET of more than was looked up");
	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid2, &ino) != 0)
		return h_fail(e, "LOOKUP file again failed");
	if (h_getattr(e, nid2, &ino) != 0)
		return h_fail(e, "GETATTR of the looked-up-again node failed");
	return 0;
}

static int forget_root(struct env *e)
{
	return forget(e, FUSE_ROOT_ID, UINT64_MAX) || forget(e, FUSE_ROOT_ID, 1) ||
	       forget(e, 0, 5) || forget(e, 999999, 5);
}

static int batch_forget_lies(struct env *e)
{
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[2];
	} b = { { .count = 100000 }, { { FUSE_ROOT_ID, UINT64_MAX }, { 77, 3 } } };

	if (h_fuse_refused(e, "BATCH_FORGET count 100000 with 2 entries", FUSE_BATCH_FORGET, 0,
			   &b, sizeof(b), true) < 0)
		return -1;
	b.h.count = 0xffffffffu;
	return h_fuse_refused(e, "BATCH_FORGET count 2^32-1", FUSE_BATCH_FORGET, 0, &b,
			      sizeof(b), true);
}

/* Requests carrying a file handle the guest never got. */
static int fh_never_opened(struct env *e)
{
	static const uint64_t fhs[] = { 0, 12345, 1ull << 32, UINT64_MAX };
	uint64_t nid, ino;

	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0)
		return h_fail(e, "LOOKUP file failed");
	for (size_t i = 0; i < sizeof(fhs) / sizeof(fhs[0]); i++) {
		uint64_t fh = fhs[i];
		struct fuse_read_in rd = { .fh = fh, .size = 16 };
		struct { struct fuse_write_in w; char d[4]; } wr = { { .fh = fh, .size = 4 }, "evil" };
		struct fuse_flush_in fl = { .fh = fh };
		struct fuse_fsync_in fs = { .fh = fh };
		struct fuse_fallocate_in fa = { .fh = fh, .length = 1 << 20 };
		struct fuse_lseek_in ls = { .fh = fh, .whence = SEEK_END };
		struct fuse_copy_file_range_in cf = { .fh_in = fh, .fh_out = fh, .nodeid_out = nid,
						      .len = 100 };
		char what[64];
		snprintf(what, sizeof(what), "fh %llu", (unsigned long long)fh);
		if (h_fuse_refused(e, what, FUSE_READ, nid, &rd, sizeof(rd), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_WRITE, nid, &wr, sizeof(wr), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_FLUSH, nid, &fl, sizeof(fl), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_FSYNC, nid, &fs, sizeof(fs), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_FALLOCATE, nid, &fa, sizeof(fa), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_LSEEK, nid, &ls, sizeof(ls), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_COPY_FILE_RANGE, nid, &cf, sizeof(cf), false) < 0 ||
		    h_fuse_refused(e, what, FUSE_READDIR, FUSE_ROOT_ID, &rd, sizeof(rd), false) < 0)
			return -1;
		/* RELEASE(DIR) of a bogus handle may succeed or fail, but must
		 * not close anything the daemon uses (checked by h_serving). */
		struct fuse_release_in rl = { .fh = fh };
		uint32_t used;
		int err;
		if (h_fuse(e, FUSE_RELEASE, nid, &rl, sizeof(rl), 4096, &used, &err) < 0 ||
		    h_fuse(e, FUSE_RELEASEDIR, FUSE_ROOT_ID, &rl, sizeof(rl), 4096, &used, &err) < 0)
			return -1;
		if (h_serving(e) < 0)
			return -1;
	}
	return 0;
}

/* A directory handle used for READ, a file handle for READDIR, a handle
 * used after its RELEASE. */
static int fh_wrong_kind(struct env *e)
{
	struct fr_reply r;
	uint64_t nid, ino, fh, dfh;

	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0 || h_open(e, nid, O_RDONLY, &fh) != 0)
		return h_fail(e, "LOOKUP/OPEN file failed");
	fr_opendir(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (h_call(e, &r) < 0 || r.error)
		return h_fail(e, "OPENDIR root failed");
	dfh = ((const struct fuse_open_out *)r.arg)->fh;
	struct fuse_read_in rd = { .fh = dfh, .size = 16 };
	if (h_fuse_refused(e, "READ with a directory handle", FUSE_READ, nid, &rd, sizeof(rd), false) < 0)
		return -1;
	rd.fh = fh;
	rd.size = 4096;
	if (h_fuse_refused(e, "READDIR with a file handle", FUSE_READDIR, FUSE_ROOT_ID, &rd,
			   sizeof(rd), false) < 0)
		return -1;
	struct fuse_release_in rl = { .fh = fh };
	uint32_t used;
	int err;
	if (h_fuse(e, FUSE_RELEASE, nid, &rl, sizeof(rl), 4096, &used, &err) < 0 || err != 0)
		return h_fail(e, "RELEASE failed");
	rd.size = 16;
	if (h_fuse_refused(e, "READ after RELEASE", FUSE_READ, nid, &rd, sizeof(rd), false) < 0)
		return -1;
	if (h_fuse(e, FUSE_RELEASE, nid, &rl, sizeof(rl), 4096, &used, &err) < 0)
		return -1;      /* double RELEASE: any answer, no crash */
	return 0;
}

/* OPEN of a special file must be answered (not hang the queue). */
static int open_special(struct env *e, const char *name, uint32_t flags, bool may_succeed)
{
	uint64_t nid, ino, fh;
	int r = h_lookup(e, FUSE_ROOT_ID, name, &nid, &ino);

	if (r != 0)
		return h_fail(e, "LOOKUP %s: %d", name, r);
	r = h_open(e, nid, flags, &fh);
	if (r == -EPROTO)
		return h_fail(e, "OPEN %s (flags %#o): %.300s", name, flags, e->why);
	if (r == 0 && !may_succeed)
		return h_fail(e, "OPEN %s (flags %#o) succeeded", name, flags);
	return 0;
}

static int open_fifo(struct env *e)
{
	/* No writer / no reader on the host side: a blocking open would hang
	 * the queue forever. */
	return open_special(e, "fifo", O_RDONLY, true) || open_special(e, "fifo", O_WRONLY, true) ||
	       open_special(e, "fifo", O_RDWR, true);
}

static int open_socket(struct env *e)
{
	return open_special(e, "sock", O_RDONLY, false) || open_special(e, "sock", O_RDWR, false);
}

static int open_device(struct env *e)
{
	return open_special(e, "devnull", O_RDONLY, true) ||
	       open_special(e, "devnull", O_RDWR, true);
}

static int file_intact(struct env *e)
{
	char path[4096], buf[64] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/share/file", e->base);
	if (!(f = fopen(path, "r")))
		return h_fail(e, "share/file is gone");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strcmp(buf, H_FILE))
		return h_fail(e, "share/file changed: '%s'", buf);
	return 0;
}

/* O_CREAT (and friends) in OPEN, where it has no place. */
static int open_creat(struct env *e)
{
	static const uint32_t flags[] = { O_CREAT | O_EXCL | O_RDONLY, O_CREAT | O_RDWR,
					  O_CREAT | O_DIRECTORY, O_PATH, O_TMPFILE | O_RDWR,
					  O_DIRECTORY, 0xffffffffu & ~(uint32_t)O_TRUNC };
	uint64_t nid, ino, fh;

	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0)
		return h_fail(e, "LOOKUP file failed");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		/* Success (O_CREAT stripped) or an errno: both fine, as long
		 * as the file is untouched. */
		if (h_open(e, nid, flags[i], &fh) == -EPROTO)
			return -1;
	}
	/* O_CREAT on the root directory: must not create anything. */
	if (h_open(e, FUSE_ROOT_ID, O_CREAT | O_WRONLY, &fh) == 0)
		return h_fail(e, "OPEN of the root directory for writing succeeded");
	return file_intact(e);
}

static int open_file(struct env *e, uint32_t flags, uint64_t *nid, uint64_t *fh)
{
	uint64_t ino;

	if (h_lookup(e, FUSE_ROOT_ID, "file", nid, &ino) != 0 || h_open(e, *nid, flags, fh) != 0)
		return h_fail(e, "LOOKUP/OPEN file failed");
	return 0;
}

/* READ with a size far beyond the reply room, and offsets past 2^63. */
static int read_huge(struct env *e)
{
	static const uint64_t offs[] = { 0, 1ull << 62, INT64_MAX, 1ull << 63, UINT64_MAX };
	uint64_t nid, fh;

	if (open_file(e, O_RDONLY, &nid, &fh) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct fuse_read_in rd = { .fh = fh, .offset = offs[i], .size = 0xffffffffu };
		uint32_t used;
		int err;
		if (h_fuse(e, FUSE_READ, nid, &rd, sizeof(rd), 4096, &used, &err) < 0)
			return h_fail(e, "READ size 2^32-1 at %llu: %.300s",
				      (unsigned long long)offs[i], e->why);
		if (used == 0)
			return h_fail(e, "READ dropped");
		if (offs[i] > 0 && err == 0 && used != sizeof(struct fuse_out_header))
			return h_fail(e, "READ at offset %llu returned %u data bytes",
				      (unsigned long long)offs[i], used - 16);
	}
	return 0;
}

static int host_file_size(struct env *e, off_t *size)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/share/file", e->base);
	if (stat(path, &st) < 0)
		return h_fail(e, "share/file is gone");
	*size = st.st_size;
	return 0;
}

/* WRITE at offsets past 2^63, with a size larger than its payload, and
 * with a 4 GiB size. */
static int write_huge(struct env *e)
{
	static const uint64_t offs[] = { 1ull << 63, UINT64_MAX, UINT64_MAX - 3 };
	uint64_t nid, fh;
	off_t before, after;

	if (open_file(e, O_RDWR, &nid, &fh) < 0 || host_file_size(e, &before) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct { struct fuse_write_in w; char d[4]; } wr = {
			{ .fh = fh, .offset = offs[i], .size = 4 }, "evil" };
		if (h_fuse_refused(e, "WRITE past 2^63", FUSE_WRITE, nid, &wr, sizeof(wr), false) < 0)
			return -1;
	}
	struct { struct fuse_write_in w; char d[4]; } wr = { { .fh = fh, .size = 1 << 20 }, "evil" };
	if (h_fuse_refused(e, "WRITE size 1 MiB with 4 bytes", FUSE_WRITE, nid, &wr, sizeof(wr), false) < 0)
		return -1;
	wr.w.size = 0xffffffffu;
	if (h_fuse_refused(e, "WRITE size 2^32-1", FUSE_WRITE, nid, &wr, sizeof(wr), false) < 0)
		return -1;
	if (host_file_size(e, &after) < 0)
		return -1;
	if (after != before)
		return h_fail(e, "share/file size changed from %lld to %lld", (long long)before,
			      (long long)after);
	return file_intact(e);
}

static int readdir_huge(struct env *e)
{
	struct fr_reply r;

	fr_opendir(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (h_call(e, &r) < 0 || r.error)
		return h_fail(e, "OPENDIR root failed");
	uint64_t fh = ((const struct fuse_open_out *)r.arg)->fh;
	static const uint64_t offs[] = { 0, INT64_MAX, 1ull << 63, UINT64_MAX };
	for (unsigned plus = 0; plus < 2; plus++)
		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			struct fuse_read_in rd = { .fh = fh, .offset = offs[i], .size = 0xffffffffu };
			uint32_t used;
			int err;
			if (h_fuse(e, plus ? FUSE_READDIRPLUS : FUSE_READDIR, FUSE_ROOT_ID, &rd,
				   sizeof(rd), 4096, &used, &err) < 0)
				return -1;
			if (used == 0)
				return h_fail(e, "READDIR dropped");
		}
	return 0;
}

/* SETATTR truncating to 2^63-1 and 2^64-1, FALLOCATE / LSEEK / COPY_FILE_RANGE
 * with offsets past 2^63. */
static int offsets_huge(struct env *e)
{
	uint64_t nid, fh;
	uint32_t used;
	int err;

	if (open_file(e, O_RDWR, &nid, &fh) < 0)
		return -1;
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE, .size = UINT64_MAX };
	if (h_fuse_refused(e, "SETATTR size 2^64-1", FUSE_SETATTR, nid, &sa, sizeof(sa), false) < 0)
		return -1;
	struct fuse_fallocate_in fa = { .fh = fh, .offset = UINT64_MAX - 10, .length = 100 };
	if (h_fuse_refused(e, "FALLOCATE past 2^64", FUSE_FALLOCATE, nid, &fa, sizeof(fa), false) < 0)
		return -1;
	fa.offset = 1ull << 63;
	if (h_fuse_refused(e, "FALLOCATE at 2^63", FUSE_FALLOCATE, nid, &fa, sizeof(fa), false) < 0)
		return -1;
	struct fuse_lseek_in ls = { .fh = fh, .offset = UINT64_MAX, .whence = SEEK_SET };
	if (h_fuse_refused(e, "LSEEK to 2^64-1", FUSE_LSEEK, nid, &ls, sizeof(ls), false) < 0)
		return -1;
	ls.whence = 99;
	ls.offset = 0;
	if (h_fuse_refused(e, "LSEEK whence 99", FUSE_LSEEK, nid, &ls, sizeof(ls), false) < 0)
		return -1;
	struct fuse_copy_file_range_in cf = { .fh_in = fh, .off_in = UINT64_MAX, .nodeid_out = nid,
					      .fh_out = fh, .off_out = 0, .len = UINT64_MAX };
	if (h_fuse(e, FUSE_COPY_FILE_RANGE, nid, &cf, sizeof(cf), 4096, &used, &err) < 0)
		return -1;
	if (used == 0 || err == 0)
		return h_fail(e, "COPY_FILE_RANGE from 2^64-1 accepted (used %u)", used);
	struct fuse_lk_in lk = { .fh = fh, .lk = { .start = UINT64_MAX, .end = 0, .type = 77 } };
	if (h_fuse_refused(e, "SETLK type 77", FUSE_SETLK, nid, &lk, sizeof(lk), false) < 0)
		return -1;
	return file_intact(e);
}

/* INIT again mid-session with versions we do not speak, and an INIT
 * claiming 7.38 but carrying the 7.0-era 8-byte argument. */
static int init_bad_versions(struct env *e)
{
	static const uint32_t majors[] = { 0, 5, 6, 8, 0xffffffffu };
	const char *why = NULL;
	uint32_t used;
	int err;

	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		struct fuse_init_in in = { .major = majors[i], .minor = 38 };
		if (h_fuse(e, FUSE_INIT, 0, &in, sizeof(in), 4096, &used, &err) < 0)
			return -1;
		/* 8+ asks us to offer our major: an INIT reply is fine there */
		if (used == 0 || (majors[i] < 7 && err == 0))
			return h_fail(e, "INIT major %u: used %u error %d", majors[i], used, err);
	}
	struct fuse_init_in in = { .major = 7, .minor = 38 };
	if (h_fuse_refused(e, "INIT with 8 argument bytes", FUSE_INIT, 0, &in, 8, false) < 0)
		return -1;
	/* Whatever state that left: a proper INIT starts a working session. */
	if (fs_fuse_init(&e->s, &e->slot, 0, 0, &why) < 0)
		return h_fail(e, "INIT afterwards: %s", why ? why : "failed");
	return 0;
}

/* OPEN without RELEASE until the daemon's handle limit: EMFILE (or
 * similar), never a crash, and serving goes on. */
static int open_until_exhausted(struct env *e)
{
	uint64_t nid, ino, fh;
	int r = 0;
	unsigned n;

	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0)
		return h_fail(e, "LOOKUP file failed");
	for (n = 0; n < 30000; n++) {
		r = h_open(e, nid, O_RDONLY, &fh);
		if (r != 0)
			break;
	}
	if (r == -EPROTO)
		return -1;
	if (r == 0)
		return h_fail(e, "30000 OPENs without RELEASE all succeeded");
	printf("INFO open-until-exhausted: OPEN %u failed with %s\n", n + 1, strerror(-r));
	return 0;
}

/* Two request queues (two daemon threads) race on one node: LOOKUP on
 * queue 1 while queue 2 sends GETATTR and FORGETs it, over and over.  A
 * node freed under another thread's feet shows up as an ASan report. */
static int race_forget_lookup(struct env *e)
{
	static struct fr_slot a, b, c;
	struct vring_drv q2;
	struct vr_used u;
	uint64_t nid, ino;

	if (e->s.backend_queues < 3)
		return h_fail(e, "fewer than 2 request queues");
	if (fr_slot_init(&a, &e->s.c, 0) < 0 || fr_slot_init(&b, &e->s.c, 0) < 0 ||
	    fr_slot_init(&c, &e->s.c, 0) < 0 ||
	    vr_create(&q2, &e->s.c, 2, 128, e->s.req.event_idx) < 0 || vr_setup(&q2) < 0)
		return h_fail(e, "setting up queue 2 failed");
	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0)
		return h_fail(e, "LOOKUP file failed");
	for (int i = 0; i < 3000; i++) {
		fr_lookup(&a, fs_unique(&e->s), FUSE_ROOT_ID, "file");
		fr_getattr(&b, fs_unique(&e->s), nid);
		fr_forget(&c, fs_unique(&e->s), nid, i % 7 ? 1 : 3);
		if (fr_submit(&a, &e->s.req, false) < 0 || fr_submit(&b, &q2, false) < 0 ||
		    fr_submit(&c, &q2, false) < 0)
			return h_fail(e, "submit failed at round %d", i);
		vr_kick(&e->s.req, true);
		vr_kick(&q2, true);
		for (int k = 0; k < 2; k++)
			if (vr_wait_used(&q2, H_WAIT_MS, &u) != 1)
				return h_fail(e, "queue 2: no completion at round %d", i);
		if (vr_wait_used(&e->s.req, H_WAIT_MS, &u) != 1)
			return h_fail(e, "queue 1: no completion at round %d", i);
		struct fr_reply r;
		const char *why;
		if (fr_parse(&a, u.len, &r, &why) < 0)
			return h_fail(e, "LOOKUP reply at round %d: %s", i, why);
		if (r.error)
			return h_fail(e, "LOOKUP failed at round %d: %d", i, r.error);
		nid = ((const struct fuse_entry_out *)r.arg)->nodeid;
	}
	vr_destroy(&q2);
	return 0;
}

const struct hostile_case hostile_fuse_cases[] = {
	{ "truncated-args", truncated_args, 0 },
	{ "unknown-opcodes", unknown_opcodes, 0 },
	{ "extlen-lies", extlen_lies, 0 },
	{ "requests-after-destroy", requests_after_destroy, 0 },
	{ "nodeid-never-looked-up", nodeid_never_looked_up, 0 },
	{ "nodeid-forgotten", nodeid_forgotten, 0 },
	{ "forget-too-many", forget_too_many, 0 },
	{ "forget-root-and-unknown", forget_root, 0 },
	{ "batch-forget-lies", batch_forget_lies, 0 },
	{ "fh-never-opened", fh_never_opened, 0 },
	{ "fh-wrong-kind", fh_wrong_kind, 0 },
	{ "open-fifo", open_fifo, 0 },
	{ "open-socket", open_socket, 0 },
	{ "open-device", open_device, 0 },
	{ "open-creat", open_creat, 0 },
	{ "read-huge", read_huge, 0 },
	{ "write-huge", write_huge, 0 },
	{ "readdir-huge", readdir_huge, 0 },
	{ "offsets-huge", offsets_huge, 0 },
	{ "init-bad-versions", init_bad_versions, 0 },
	{ "open-until-exhausted", open_until_exhausted, 0 },
	{ "race-forget-lookup", race_forget_lookup, 0 },
};
const unsigned hostile_fuse_count = sizeof(hostile_fuse_cases) / sizeof(hostile_fuse_cases[0]);
