/* The FUSE server against a fake filesystem: requests are built in memory,
 * split into separately allocated iovecs at arbitrary boundaries (down to
 * one byte each, so ASan sees any overrun), served, and the reply gathered
 * back and checked. */
#include "fuse/server.h"

#include <assert.h>
#include <errno.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"

#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* ------------------------------------------------------------------ */
/* The fake filesystem: records what it was asked, answers canned data. */

static struct fake {
	int init, destroy, lookup, forget, read, write, readdir, setxattr, getlk, any;
	struct fs_conn conn;
	uint64_t forget_node[4096], forget_n[4096];
	int nforget;
	char name[600], name2[600];
	uint64_t node, node2, fh;
	unsigned flags;
	int oflags;
	bool kill;
	struct fs_setattr sa;
	struct fs_create cr;
	int ret;                 /* canned result of most calls */
	/* write */
	struct iovec wiov[VQ_MAX_IOV];
	int wcnt;
	off_t off;
	/* read */
	size_t read_size, eof;
	/* readdir */
	int dir_stored, dir_full;
	/* xattr */
	unsigned char value[70000];
	size_t value_len;
	struct flock lk, lk_reply;
	bool sleep, is_flock;
	/* the security context the last creating call saw */
	int secctx_calls;
	char sc_name[300];
	unsigned char sc_value[5000];
	size_t sc_size;
} F;

static void note_secctx(const struct fs_ctx *c)
{
	if (!c->secctx)
		return;
	F.secctx_calls++;
	snprintf(F.sc_name, sizeof(F.sc_name), "%s", c->secctx->name);
	CHECK(c->secctx->size <= sizeof(F.sc_value));
	memcpy(F.sc_value, c->secctx->value, c->secctx->size);
	F.sc_size = c->secctx->size;
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, 600, "%s", src);
}

static void fill_entry(struct fs_entry *e, uint64_t node)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = node;
	e->generation = 7;
	e->attr.st_ino = node + 1000;
	e->attr.st_mode = S_IFREG | 0644;
	e->attr.st_size = 12345;
	e->attr.st_blksize = 4096;
	e->attr.st_mtim.tv_sec = 111;
	e->attr.st_mtim.tv_nsec = 222;
	e->attr_flags = FUSE_ATTR_SUBMOUNT;
	e->entry_timeout = 1.5;
	e->attr_timeout = -3;
}

static int f_init(void *fs, struct fs_conn *c) { F.init++; F.conn = *c; return F.ret; }
static void f_destroy(void *fs) { F.destroy++; }
static int f_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    struct fs_entry *e)
{
	F.lookup++;
	F.node = parent;
	copy_name(F.name, name);
	fill_entry(e, 42);
	return F.ret;
}
static void f_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	if (F.nforget < 4096) {
		F.forget_node[F.nforget] = nodeid;
		F.forget_n[F.nforget] = nlookup;
	}
	F.nforget++;
}
static int f_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		     struct stat *st, double *t)
{
	F.any++;
	F.node = nodeid;
	F.fh = fh;
	st->st_ino = 77;
	*t = 2.25;
	return F.ret;
}
static int f_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fs_setattr *in,
		     struct stat *st, double *t)
{
	F.any++;
	F.sa = *in;
	st->st_size = in->size;
	return F.ret;
}
static int f_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
		      size_t *len)
{
	memcpy(buf, "target", 6);
	*len = 6;
	return F.ret;
}
static int f_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fs_create *cr, struct fs_entry *e)
{
	F.any++;
	note_secctx(c);
	copy_name(F.name, name);
	F.cr = *cr;
	fill_entry(e, 43);
	return F.ret;
}
static int f_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const char *target, struct fs_entry *e)
{
	F.any++;
	note_secctx(c);
	copy_name(F.name, name);
	copy_name(F.name2, target);
	fill_entry(e, 44);
	return F.ret;
}
static int f_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		  const char *newname, struct fs_entry *e)
{
	F.any++;
	F.node = nodeid;
	F.node2 = newparent;
	copy_name(F.name, newname);
	fill_entry(e, nodeid);
	return F.ret;
}
static int f_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	F.any++;
	copy_name(F.name, name);
	return F.ret;
}
static int f_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    uint64_t newparent, const char *newname, unsigned flags)
{
	F.any++;
	copy_name(F.name, name);
	copy_name(F.name2, newname);
	F.node = parent;
	F.node2 = newparent;
	F.flags = flags;
	return F.ret;
}
static int f_open(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o)
{
	F.any++;
	F.oflags = flags;
	F.kill = c->kill_suidgid;
	o->fh = 99;
	o->open_flags = FOPEN_KEEP_CACHE;
	return F.ret;
}
static int f_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fs_create *cr, struct fs_entry *e, struct fs_open *o)
{
	F.any++;
	note_secctx(c);
	copy_name(F.name, name);
	F.cr = *cr;
	F.kill = c->kill_suidgid;
	fill_entry(e, 45);
	o->fh = 98;
	return F.ret;
}
static int f_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent, const struct fs_create *cr,
		     struct fs_entry *e, struct fs_open *o)
{
	F.any++;
	note_secctx(c);
	F.cr = *cr;
	fill_entry(e, 46);
	o->fh = 97;
	return F.ret;
}
static int f_read(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		  size_t size, const struct iovec *iov, int iovcnt, size_t *done)
{
	F.read++;
	F.read_size = size;
	size_t n = size < F.eof ? size : F.eof, k = 0;
	for (int i = 0; i < iovcnt && k < n; i++)
		for (size_t j = 0; j < iov[i].iov_len && k < n; j++, k++)
			((unsigned char *)iov[i].iov_base)[j] = (unsigned char)((off + (off_t)k) * 13);
	*done = n;
	return F.ret;
}
static int f_write(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		   const struct iovec *iov, int iovcnt, bool kill_priv, size_t *done)
{
	F.write++;
	F.off = off;
	F.kill = kill_priv;
	F.wcnt = iovcnt;
	memcpy(F.wiov, iov, sizeof(*iov) * (size_t)iovcnt);
	size_t t = 0;
	for (int i = 0; i < iovcnt; i++)
		t += iov[i].iov_len;
	*done = t;
	return F.ret;
}
static int f_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner)
{
	F.any++;
	return F.ret;
}
static int f_release(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int flags,
		     uint64_t owner, bool flock_release)
{
	F.any++;
	F.fh = fh;
	F.kill = flock_release;
	return F.ret;
}
static int f_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync)
{
	F.any++;
	return F.ret;
}
static int f_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o)
{
	F.any++;
	o->fh = 5;
	return F.ret;
}
static int f_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t off,
		     bool plus, struct fs_dir_sink *sink)
{
	F.readdir++;
	F.dir_stored = 0;
	F.dir_full = 0;
	for (uint64_t i = off; i < 1000; i++) {
		char name[32];
		struct fs_entry e;
		struct fs_dirent d = { .name = name, .ino = 500 + i, .off = i + 1, .type = 8 };
		d.namelen = (size_t)snprintf(name, sizeof(name), "entry%03u", (unsigned)i);
		fill_entry(&e, 600 + i);
		if (sink->add(sink, &d, plus ? &e : NULL)) {
			F.dir_full = 1;
			break;
		}
		F.dir_stored++;
	}
	return F.ret;
}
static int f_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh)
{
	F.any++;
	return F.ret;
}
static int f_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct statvfs *st)
{
	st->f_blocks = 1000;
	st->f_namemax = 255;
	st->f_bsize = 4096;
	return F.ret;
}
static int f_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		      const void *value, size_t size, int flags)
{
	F.setxattr++;
	copy_name(F.name, name);
	CHECK(size <= sizeof(F.value));
	memcpy(F.value, value, size);
	F.value_len = size;
	F.flags = (unsigned)flags;
	return F.ret;
}
static int f_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name, void *buf,
		      size_t size, size_t *len)
{
	F.any++;
	copy_name(F.name, name);
	*len = 11;
	if (size == 0)
		return F.ret;
	if (size < 11)
		return -ERANGE;
	memcpy(buf, "hello world", 11);
	return F.ret;
}
static int f_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
		       size_t *len)
{
	*len = 8;
	if (size && size < 8)
		return -ERANGE;
	if (size)
		memcpy(buf, "user.a\0b", 8);
	return F.ret;
}
static int f_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	F.any++;
	copy_name(F.name, name);
	return F.ret;
}
static int f_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, int mask)
{
	F.any++;
	return F.ret;
}
static int f_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
		   struct flock *lk)
{
	F.getlk++;
	F.lk = *lk;
	*lk = F.lk_reply;
	return F.ret;
}
static int f_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
		   const struct flock *lk, bool sleep, bool is_flock)
{
	F.any++;
	F.lk = *lk;
	F.sleep = sleep;
	F.is_flock = is_flock;
	return F.ret;
}
static int f_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int mode,
		       off_t off, off_t len)
{
	F.any++;
	return F.ret;
}
static int f_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		   int whence, off_t *result)
{
	*result = off + 1;
	return F.ret;
}
static int f_cfr(void *fs, const struct fs_ctx *c, uint64_t nodein, uint64_t fhin, off_t offin,
		 uint64_t nodeout, uint64_t fhout, off_t offout, size_t len, unsigned flags,
		 size_t *done)
{
	F.any++;
	*done = len;
	return F.ret;
}
static int f_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	F.any++;
	return F.ret;
}

static int f_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fs_create *cr, struct fs_entry *e)
{
	return f_mknod(fs, c, parent, name, cr, e);
}

static const struct fs_ops fake_ops = {
	.init = f_init, .destroy = f_destroy, .lookup = f_lookup, .forget = f_forget,
	.getattr = f_getattr, .setattr = f_setattr, .readlink = f_readlink, .mknod = f_mknod,
	.mkdir = f_mkdir, .symlink = f_symlink, .link = f_link, .unlink = f_unlink,
	.rmdir = f_unlink, .rename = f_rename, .open = f_open, .create = f_create,
	.tmpfile = f_tmpfile, .read = f_read, .write = f_write, .flush = f_flush,
	.release = f_release, .fsync = f_fsync, .opendir = f_opendir, .readdir = f_readdir,
	.releasedir = f_releasedir, .fsyncdir = f_fsync, .statfs = f_statfs,
	.setxattr = f_setxattr, .getxattr = f_getxattr, .listxattr = f_listxattr,
	.removexattr = f_removexattr, .access = f_access, .getlk = f_getlk, .setlk = f_setlk,
	.fallocate = f_fallocate, .lseek = f_lseek, .copy_file_range = f_cfr, .syncfs = f_syncfs,
};

/* ------------------------------------------------------------------ */
/* Requests: a message is built contiguously, then split into iovecs. */

struct msg {
	_Alignas(16) unsigned char b[200000];
	size_t n;
};
static struct msg M;

static void msg_start(uint32_t opcode, uint64_t nodeid)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = 0x1234, .nodeid = nodeid,
				    .uid = 1000, .gid = 100, .pid = 4242 };
	memcpy(M.b, &h, sizeof(h));
	M.n = sizeof(h);
}

static void put(const void *p, size_t n)
{
	CHECK(M.n + n <= sizeof(M.b));
	memcpy(M.b + M.n, p, n);
	M.n += n;
}

static void put_str(const char *s)
{
	put(s, strlen(s) + 1);
}

/* Set in.len to the bytes so far (plus a delta to make it lie). */
static void msg_seal(int delta)
{
	struct fuse_in_header *h = (struct fuse_in_header *)M.b;
	h->len = (uint32_t)((long)M.n + delta);
}

/* One served request: its chain (each iovec its own allocation) and reply. */
struct served {
	struct vq_req *req;
	uint32_t written;
	_Alignas(16) unsigned char out[200000];
	struct fuse_out_header oh;
};
static struct served S;

static int split_into(struct iovec *iov, int max, unsigned char *src, size_t len, size_t step)
{
	int cnt = 0;

	if (!step)
		step = len ? len : 1;
	/* keep within the iovec limit: grow the step when needed */
	while (len / step + 1 > (size_t)max)
		step *= 2;
	for (size_t off = 0; off < len; cnt++) {
		size_t l = len - off < step ? len - off : step;
		unsigned char *p = malloc(l);
		CHECK(p);
		if (src)
			memcpy(p, src + off, l);
		else
			memset(p, 0xa5, l);
		iov[cnt].iov_base = p;
		iov[cnt].iov_len = l;
		off += l;
	}
	return cnt;
}

static void served_free(void)
{
	if (!S.req)
		return;
	for (int i = 0; i < S.req->rd_cnt + S.req->wr_cnt; i++)
		free(S.req->iov[i].iov_base);
	free(S.req);
	S.req = NULL;
}

/* Serve the current message split every rd_step bytes, with wr_room bytes
 * of reply room split every wr_step bytes (0: one piece). */
static uint32_t serve_split(struct fuse_server *s, size_t rd_step, size_t wr_room, size_t wr_step)
{
	served_free();
	S.req = calloc(1, sizeof(*S.req));
	CHECK(S.req);
	S.req->rd = S.req->iov;
	S.req->rd_cnt = split_into(S.req->iov, VQ_MAX_IOV / 2, M.b, M.n, rd_step);
	S.req->rd_len = M.n;
	S.req->wr = S.req->iov + S.req->rd_cnt;
	S.req->wr_cnt = split_into(S.req->wr, VQ_MAX_IOV / 2, NULL, wr_room, wr_step);
	S.req->wr_len = wr_room;
	S.written = fuse_server_serve(s, 3, S.req);
	CHECK(S.written <= wr_room);
	size_t k = 0;
	for (int i = 0; i < S.req->wr_cnt; i++) {
		memcpy(S.out + k, S.req->wr[i].iov_base, S.req->wr[i].iov_len);
		k += S.req->wr[i].iov_len;
	}
	memset(&S.oh, 0, sizeof(S.oh));
	if (S.written >= sizeof(S.oh)) {
		memcpy(&S.oh, S.out, sizeof(S.oh));
		CHECK(S.oh.len == S.written);
		CHECK(S.oh.unique == ((struct fuse_in_header *)M.b)->unique ||
		      M.n < sizeof(struct fuse_in_header));
	}
	return S.written;
}

static uint32_t serve(struct fuse_server *s)
{
	return serve_split(s, 1, 8192, 1);
}

static int err_of(void)
{
	CHECK(S.written >= sizeof(struct fuse_out_header));
	return S.oh.error;
}

static const void *payload(void)
{
	return S.out + sizeof(struct fuse_out_header);
}

static void do_init(struct fuse_server *s, uint32_t major, uint32_t minor, uint32_t flags,
		    uint32_t flags2, size_t insize)
{
	struct fuse_init_in in = { .major = major, .minor = minor, .max_readahead = 131072,
				   .flags = flags, .flags2 = flags2 };
	msg_start(FUSE_INIT, 0);
	put(&in, insize);
	msg_seal(0);
	serve_split(s, 3, 4096, 5);
}

static struct fuse_server *new_server(const struct fuse_server_options *o)
{
	memset(&F, 0, sizeof(F));
	struct fuse_server *s = fuse_server_new(&fake_ops, NULL, o);
	CHECK(s);
	return s;
}

static struct fuse_server *ready_server(void)
{
	struct fuse_server_options o = { .posix_locks = true, .flock = true };
	struct fuse_server *s = new_server(&o);
	do_init(s, 7, 38, FUSE_ASYNC_READ | FUSE_INIT_EXT, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0);
	return s;
}

/* ------------------------------------------------------------------ */

static void test_init(void)
{
	struct fuse_server_options o = { .announce_submounts = true, .security_label = true,
					 .posix_acl = true, .flock = true };
	struct fuse_server *s = new_server(&o);
	const struct fuse_init_out *out = payload();

	/* Before INIT: EIO, and no reply at all for FORGET. */
	struct fuse_getattr_in ga = { 0 };
	msg_start(FUSE_GETATTR, 1);
	put(&ga, sizeof(ga));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EIO && F.any == 0);
	struct fuse_forget_in fg = { .nlookup = 1 };
	msg_start(FUSE_FORGET, 5);
	put(&fg, sizeof(fg));
	msg_seal(0);
	CHECK(serve(s) == 0 && F.nforget == 0);

	do_init(s, 6, 38, 0, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == -EPROTO && F.init == 0);
	do_init(s, 7, 30, 0, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == -EPROTO && F.init == 0);
	/* A newer major: we answer with ours, and stay uninitialised. */
	do_init(s, 8, 1, 0, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0 && out->major == 7 && out->minor == 41 && out->flags == 0);
	CHECK(F.init == 0);
	msg_start(FUSE_GETATTR, 1);
	put(&ga, sizeof(ga));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EIO);
	/* INIT_EXT claimed but the short struct sent. */
	do_init(s, 7, 38, FUSE_INIT_EXT, 0, 16);
	CHECK(err_of() == -EINVAL && F.init == 0);

	uint32_t offer = FUSE_ASYNC_READ | FUSE_SUBMOUNTS | FUSE_INIT_EXT | FUSE_POSIX_ACL |
			 FUSE_DONT_MASK | FUSE_FLOCK_LOCKS | FUSE_WRITEBACK_CACHE | FUSE_POSIX_LOCKS |
			 FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS | FUSE_SPLICE_READ;
	do_init(s, 7, 38, offer, (uint32_t)(FUSE_SECURITY_CTX >> 32) | (1u << 5),
		sizeof(struct fuse_init_in));
	CHECK(err_of() == 0 && S.oh.len == sizeof(struct fuse_out_header) + sizeof(*out));
	CHECK(out->major == 7 && out->minor == 38 && out->max_readahead == 131072);
	CHECK(out->flags == (FUSE_ASYNC_READ | FUSE_SUBMOUNTS | FUSE_INIT_EXT | FUSE_POSIX_ACL |
			     FUSE_DONT_MASK | FUSE_FLOCK_LOCKS | FUSE_MAX_PAGES));
	CHECK(out->flags2 == (uint32_t)(FUSE_SECURITY_CTX >> 32));
	CHECK(out->max_write == 1024 * 1024 && out->max_pages == 256 && out->time_gran == 1);
	CHECK(out->max_background && out->congestion_threshold <= out->max_background);
	CHECK(F.init == 1 && F.destroy == 0);
	CHECK(F.conn.submounts && F.conn.security_ctx && F.conn.posix_acl && F.conn.flock);
	CHECK(!F.conn.writeback && !F.conn.posix_locks && F.conn.max_write == 1024 * 1024);

	/* A second INIT (guest reboot): destroy first; minor capped at ours;
	 * an old guest without INIT_EXT or SUBMOUNTS. */
	do_init(s, 7, 31, FUSE_ASYNC_READ, 1, 16);
	CHECK(err_of() == 0 && out->minor == 31 && out->flags2 == 0);
	CHECK(out->flags == FUSE_ASYNC_READ);
	CHECK(F.destroy == 1 && F.init == 2 && !F.conn.submounts && !F.conn.security_ctx);
	/* flags2 without FUSE_INIT_EXT means nothing */
	do_init(s, 7, 45, FUSE_ASYNC_READ, 1, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0 && out->minor == 41 && F.destroy == 2 && F.init == 3);
	CHECK(out->flags2 == 0 && !F.conn.security_ctx);

	/* The filesystem refuses: error out, stay uninitialised. */
	F.ret = -ENOMEM;
	do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == -ENOMEM && F.destroy == 3);
	F.ret = 0;
	msg_start(FUSE_GETATTR, 1);
	put(&ga, sizeof(ga));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EIO);

	do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0);
	msg_start(FUSE_DESTROY, 0);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && S.oh.len == sizeof(struct fuse_out_header) && F.destroy == 4);
	msg_start(FUSE_GETATTR, 1);
	put(&ga, sizeof(ga));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EIO);
	fuse_server_reset(s); /* already down: no second destroy */
	CHECK(F.destroy == 4);
	do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
	fuse_server_reset(s);
	CHECK(F.destroy == 5);
	fuse_server_free(s);
}

/* The daemon's log, captured: stderr into a temporary file at LEVEL until
 * log_capture_end, which puts stderr back and returns the file rewound. */
static int capture_saved_fd = -1;

static FILE *log_capture_begin(enum log_level level)
{
	FILE *tmp = tmpfile();
	capture_saved_fd = dup(2);
	CHECK(tmp && capture_saved_fd >= 0);
	fflush(stderr);
	CHECK(dup2(fileno(tmp), 2) == 2);
	log_setup(level, 0);
	return tmp;
}

static void log_capture_end(FILE *tmp)
{
	fflush(stderr);
	log_setup(LOG_LVL_ERROR, 0);
	CHECK(dup2(capture_saved_fd, 2) == 2);
	close(capture_saved_fd);
	capture_saved_fd = -1;
	rewind(tmp);
}

/* announce_submounts with a guest that lacks FUSE_SUBMOUNTS: one warning,
 * however many times the guest (re)starts the session. */
static void test_submounts_warning(void)
{
	struct fuse_server_options o = { .announce_submounts = true };
	struct fuse_server *s = new_server(&o);
	char line[1024];
	int warnings = 0;

	FILE *tmp = log_capture_begin(LOG_LVL_WARN);
	for (int i = 0; i < 3; i++) {
		do_init(s, 7, 38, FUSE_ASYNC_READ, 0, sizeof(struct fuse_init_in));
		CHECK(err_of() == 0 && !F.conn.submounts);
		CHECK(!(((const struct fuse_init_out *)payload())->flags & FUSE_SUBMOUNTS));
	}
	log_capture_end(tmp);
	while (fgets(line, sizeof(line), tmp))
		warnings += strstr(line, "FUSE_SUBMOUNTS") != NULL;
	fclose(tmp);
	CHECK(warnings == 1);
	/* offered now: accepted */
	do_init(s, 7, 38, FUSE_SUBMOUNTS, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0 && F.conn.submounts);
	CHECK(((const struct fuse_init_out *)payload())->flags & FUSE_SUBMOUNTS);
	fuse_server_free(s);
	/* offered but not announced: declined */
	struct fuse_server_options none = { 0 };
	s = new_server(&none);
	do_init(s, 7, 38, FUSE_SUBMOUNTS, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0 && !F.conn.submounts);
	CHECK(!(((const struct fuse_init_out *)payload())->flags & FUSE_SUBMOUNTS));
	fuse_server_free(s);
}

/* A guest sends INIT as often as it likes: what it makes the daemon log
 * (a refused version, a new session) is rate limited like any other
 * guest-triggered message, even at the error level --log-level=off keeps. */
static void test_init_log_ratelimited(void)
{
	struct fuse_server *s = new_server(NULL);
	char line[1024];
	int lines = 0;

	FILE *tmp = log_capture_begin(LOG_LVL_INFO);
	for (int i = 0; i < 100; i++) {
		do_init(s, 6, 38, 0, 0, sizeof(struct fuse_init_in));
		CHECK(err_of() == -EPROTO);
		do_init(s, 7, 30, 0, 0, sizeof(struct fuse_init_in));
		CHECK(err_of() == -EPROTO);
		do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
		CHECK(err_of() == 0);
	}
	log_capture_end(tmp);
	while (fgets(line, sizeof(line), tmp))
		lines++;
	fclose(tmp);
	CHECK(lines <= 6); /* at most one per message per LOG_RATELIMIT_SECONDS (and a tick) */
	fuse_server_free(s);
}

/* Options that need the guest's offer, and max_pages. */
static void test_init_options(void)
{
	struct fuse_server_options o = { .writeback = true, .readdirplus = true,
					 .killpriv_v2 = true, .allow_mmap = true, .max_pages = 64 };
	struct fuse_server *s = new_server(&o);
	const struct fuse_init_out *out = payload();

	do_init(s, 7, 38, FUSE_WRITEBACK_CACHE | FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO |
			  FUSE_HANDLE_KILLPRIV_V2 | FUSE_INIT_EXT | FUSE_POSIX_ACL, 1u << 4,
		sizeof(struct fuse_init_in));
	CHECK(err_of() == 0);
	CHECK(out->flags == (FUSE_WRITEBACK_CACHE | FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO |
			     FUSE_HANDLE_KILLPRIV_V2 | FUSE_INIT_EXT));
	CHECK(out->flags2 == (1u << 4)); /* DIRECT_IO_ALLOW_MMAP */
	CHECK(out->max_write == 64 * 4096 && out->max_pages == 64);
	CHECK(F.conn.writeback && F.conn.killpriv_v2 && !F.conn.posix_acl);
	fuse_server_free(s);
}

static void lookup_name(struct fuse_server *s, const void *name, size_t len)
{
	msg_start(FUSE_LOOKUP, 9);
	put(name, len);
	msg_seal(0);
	serve(s);
}

static void test_lookup_names(void)
{
	struct fuse_server *s = ready_server();
	char big[300];

	lookup_name(s, "foo", 4);
	CHECK(err_of() == 0 && F.lookup == 1 && F.node == 9 && !strcmp(F.name, "foo"));
	const struct fuse_entry_out *e = payload();
	CHECK(S.oh.len == sizeof(struct fuse_out_header) + sizeof(*e));
	CHECK(e->nodeid == 42 && e->generation == 7 && e->attr.ino == 1042);
	CHECK(e->entry_valid == 1 && e->entry_valid_nsec == 500000000);
	CHECK(e->attr_valid == 0 && e->attr_valid_nsec == 0); /* negative clamps to 0 */
	CHECK(e->attr.size == 12345 && e->attr.blksize == 4096 && e->attr.mtime == 111 &&
	      e->attr.mtimensec == 222 && e->attr.flags == FUSE_ATTR_SUBMOUNT);

	lookup_name(s, "", 1);
	CHECK(err_of() == -EINVAL);
	lookup_name(s, "abc", 3); /* unterminated */
	CHECK(err_of() == -EINVAL);
	lookup_name(s, "a/b", 4);
	CHECK(err_of() == -EINVAL);
	lookup_name(s, "/", 2);
	CHECK(err_of() == -EINVAL);
	memset(big, 'x', sizeof(big));
	big[256] = 0;
	lookup_name(s, big, 257);
	CHECK(err_of() == -ENAMETOOLONG);
	lookup_name(s, big, 300); /* unterminated and long */
	CHECK(err_of() == -ENAMETOOLONG);
	CHECK(F.lookup == 1);
	big[255] = 0;
	lookup_name(s, big, 256);
	CHECK(err_of() == 0 && F.lookup == 2 && strlen(F.name) == 255);
	/* bytes after the NUL are ignored */
	lookup_name(s, "bar\0junk", 8);
	CHECK(err_of() == 0 && !strcmp(F.name, "bar"));
	/* the filesystem's error goes out unchanged; a bogus one becomes EIO */
	F.ret = -ENOENT;
	lookup_name(s, "x", 2);
	CHECK(err_of() == -ENOENT);
	F.ret = 5;
	lookup_name(s, "x", 2);
	CHECK(err_of() == -EIO);
	F.ret = 0;
	fuse_server_free(s);
}

/* The ABI's minimum argument size of each opcode, written out again here
 * (independently of the server's table) for the truncation sweep. */
static const struct {
	uint32_t op;
	uint32_t min;
} mins[] = {
	{ FUSE_LOOKUP, 2 }, { FUSE_FORGET, 8 }, { FUSE_GETATTR, 16 }, { FUSE_SETATTR, 88 },
	{ FUSE_SYMLINK, 4 }, { FUSE_MKNOD, 18 }, { FUSE_MKDIR, 10 }, { FUSE_UNLINK, 2 },
	{ FUSE_RMDIR, 2 }, { FUSE_RENAME, 12 }, { FUSE_LINK, 10 }, { FUSE_OPEN, 8 },
	{ FUSE_READ, 40 }, { FUSE_WRITE, 40 }, { FUSE_RELEASE, 24 }, { FUSE_FSYNC, 16 },
	{ FUSE_SETXATTR, 10 }, { FUSE_GETXATTR, 10 }, { FUSE_LISTXATTR, 8 },
	{ FUSE_REMOVEXATTR, 2 }, { FUSE_FLUSH, 24 }, { FUSE_INIT, 16 }, { FUSE_OPENDIR, 8 },
	{ FUSE_READDIR, 40 }, { FUSE_RELEASEDIR, 24 }, { FUSE_FSYNCDIR, 16 }, { FUSE_GETLK, 48 },
	{ FUSE_SETLK, 48 }, { FUSE_SETLKW, 48 }, { FUSE_ACCESS, 8 }, { FUSE_CREATE, 18 },
	{ FUSE_INTERRUPT, 8 }, { FUSE_BATCH_FORGET, 8 }, { FUSE_FALLOCATE, 32 },
	{ FUSE_READDIRPLUS, 40 }, { FUSE_RENAME2, 20 }, { FUSE_LSEEK, 24 },
	{ FUSE_COPY_FILE_RANGE, 56 }, { FUSE_SYNCFS, 8 }, { FUSE_TMPFILE, 16 },
};

static bool no_reply(uint32_t op)
{
	return op == FUSE_FORGET || op == FUSE_BATCH_FORGET || op == FUSE_INTERRUPT;
}

static void test_truncated(void)
{
	struct fuse_server *s = ready_server();
	unsigned char junk[128];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)('a' + i % 26); /* no NUL: names stay unterminated */
	for (size_t k = 0; k < sizeof(mins) / sizeof(mins[0]); k++) {
		for (uint32_t len = 0; len < mins[k].min; len++) {
			for (size_t step = 1; step <= 3; step += 2) {
				int calls = F.any + F.lookup + F.read + F.write + F.readdir +
					    F.setxattr + F.getlk + F.nforget + F.init;
				msg_start(mins[k].op, 1);
				put(junk, len);
				msg_seal(0);
				uint32_t w = serve_split(s, step, 8192, 7);
				if (no_reply(mins[k].op)) {
					CHECK(w == 0);
				} else {
					CHECK(err_of() == -EINVAL || err_of() == -ENOSYS);
				}
				CHECK(calls == F.any + F.lookup + F.read + F.write + F.readdir +
						       F.setxattr + F.getlk + F.nforget + F.init);
			}
		}
	}
	/* Unknown and unsupported opcodes. */
	uint32_t unknown[] = { 0, 7, 19, FUSE_BMAP, FUSE_IOCTL, FUSE_POLL, FUSE_SETUPMAPPING,
			       FUSE_REMOVEMAPPING, 52, 4096, 0xffffffffu };
	for (size_t k = 0; k < sizeof(unknown) / sizeof(unknown[0]); k++) {
		msg_start(unknown[k], 1);
		put(junk, 64);
		msg_seal(0);
		serve(s);
		CHECK(err_of() == -ENOSYS);
	}
	fuse_server_free(s);
}

/* Every opcode with random bytes of every length: answers, never crashes. */
static void test_random(void)
{
	struct fuse_server *s = ready_server();
	unsigned char junk[700];
	unsigned seed = 12345;

	for (uint32_t op = 0; op <= 53; op++) {
		if (op == FUSE_INIT || op == FUSE_DESTROY)
			continue;
		for (size_t len = 0; len < sizeof(junk); len += 1 + len / 8) {
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				junk[i] = (unsigned char)(seed >> 16);
				if (junk[i] < 40)
					junk[i] = 0; /* plenty of NULs for names */
			}
			msg_start(op, 1);
			put(junk, len);
			msg_seal(0);
			((struct fuse_in_header *)M.b)->total_extlen = (uint16_t)(seed % 3 ? 0 : seed % 5);
			serve_split(s, 1 + seed % 5, 1 + seed % 600, 1 + seed % 9);
			serve_split(s, 1 + seed % 5, 70000, 4096);
		}
	}
	fuse_server_free(s);
}

static void test_header_mismatch(void)
{
	struct fuse_server *s = ready_server();

	msg_start(FUSE_LOOKUP, 1);
	put_str("name");
	msg_seal(1);
	serve(s);
	CHECK(err_of() == -EINVAL && F.lookup == 0);
	msg_seal(-1);
	serve(s);
	CHECK(err_of() == -EINVAL && F.lookup == 0);
	/* shorter than the header: unique unknown, still an answer */
	M.n = 10;
	serve(s);
	CHECK(err_of() == -EINVAL && S.oh.unique == 0);
	/* extensions longer than the arguments */
	msg_start(FUSE_LOOKUP, 1);
	put_str("name");
	msg_seal(0);
	((struct fuse_in_header *)M.b)->total_extlen = 1;
	serve(s);
	CHECK(err_of() == -EINVAL && F.lookup == 0);
	fuse_server_free(s);
}

static void test_write_zero_copy(void)
{
	struct fuse_server *s = ready_server();
	unsigned char data[1000];
	struct fuse_write_in in = { .fh = 3, .offset = 4096, .size = sizeof(data),
				    .write_flags = FUSE_WRITE_KILL_SUIDGID };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 31);
	msg_start(FUSE_WRITE, 8);
	put(&in, sizeof(in));
	put(data, sizeof(data));
	msg_seal(0);
	serve_split(s, 7, 64, 3);
	CHECK(err_of() == 0 && F.write == 1 && F.off == 4096 && F.kill);
	CHECK(((const struct fuse_write_out *)payload())->size == sizeof(data));
	/* Each iovec lies inside one of the request's own buffers, and together
	 * they are the payload. */
	size_t k = 0;
	for (int i = 0; i < F.wcnt; i++) {
		const unsigned char *b = F.wiov[i].iov_base;
		int inside = 0;
		for (int j = 0; j < S.req->rd_cnt; j++) {
			const unsigned char *rb = S.req->rd[j].iov_base;
			if (b >= rb && b + F.wiov[i].iov_len <= rb + S.req->rd[j].iov_len)
				inside = 1;
		}
		CHECK(inside);
		CHECK(!memcmp(b, data + k, F.wiov[i].iov_len));
		k += F.wiov[i].iov_len;
	}
	CHECK(k == sizeof(data));

	/* size disagreeing with the payload */
	in.size = sizeof(data) + 1;
	msg_start(FUSE_WRITE, 8);
	put(&in, sizeof(in));
	put(data, sizeof(data));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.write == 1);
	/* offset beyond off_t */
	in.size = sizeof(data);
	in.offset = 1ULL << 63;
	msg_start(FUSE_WRITE, 8);
	put(&in, sizeof(in));
	put(data, sizeof(data));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.write == 1);
	/* a big write split across many iovecs */
	static unsigned char big[150000];
	in.offset = 0;
	in.size = sizeof(big);
	msg_start(FUSE_WRITE, 8);
	put(&in, sizeof(in));
	put(big, sizeof(big));
	msg_seal(0);
	serve_split(s, 4096, 64, 0);
	CHECK(err_of() == 0 && F.write == 2);
	CHECK(((const struct fuse_write_out *)payload())->size == sizeof(big));
	fuse_server_free(s);
}

static void test_read(void)
{
	struct fuse_server *s = ready_server();
	struct fuse_read_in in = { .fh = 3, .offset = 100, .size = 5000 };

	F.eof = 3000;
	msg_start(FUSE_READ, 8);
	put(&in, sizeof(in));
	msg_seal(0);
	serve_split(s, 1, 16 + 5000, 13);
	CHECK(err_of() == 0 && F.read == 1 && F.read_size == 5000);
	CHECK(S.oh.len == 16 + 3000);
	const unsigned char *p = payload();
	for (size_t i = 0; i < 3000; i++)
		CHECK(p[i] == (unsigned char)((100 + i) * 13));
	/* less room than asked: the filesystem is told the room */
	F.eof = 100000;
	serve_split(s, 1, 16 + 100, 1);
	CHECK(err_of() == 0 && F.read_size == 100 && S.oh.len == 116);
	/* a filesystem error */
	F.ret = -EBADF;
	serve_split(s, 1, 16 + 100, 1);
	CHECK(err_of() == -EBADF && S.oh.len == 16);
	F.ret = 0;
	fuse_server_free(s);
}

static void readdir_req(uint32_t op, uint64_t off, uint32_t size)
{
	struct fuse_read_in in = { .fh = 5, .offset = off, .size = size };
	msg_start(op, 1);
	put(&in, sizeof(in));
	msg_seal(0);
}

static void test_readdir(void)
{
	struct fuse_server *s = ready_server();
	size_t plusrec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + 8);

	CHECK(plusrec == 160);
	readdir_req(FUSE_READDIRPLUS, 10, 1000);
	serve_split(s, 5, 4096, 11);
	CHECK(err_of() == 0 && F.readdir == 1);
	CHECK(F.dir_full && F.dir_stored == 6 && S.oh.len == 16 + 6 * 160);
	const unsigned char *p = payload();
	for (int i = 0; i < 6; i++) {
		const struct fuse_direntplus *d = (const void *)(p + i * 160);
		char want[32];
		snprintf(want, sizeof(want), "entry%03d", 10 + i);
		CHECK(d->dirent.namelen == 8 && !memcmp(d->dirent.name, want, 8));
		/* d_ino names what LOOKUP of the name gives (the attributes'
		 * inode), not the covered directory at a mount point. */
		CHECK(d->dirent.ino == 1610u + (unsigned)i && d->dirent.off == 11u + (unsigned)i);
		CHECK(d->dirent.type == 8 && d->entry_out.nodeid == 610u + (unsigned)i);
		CHECK(d->entry_out.attr.ino == 1610u + (unsigned)i);
		CHECK(d->entry_out.entry_valid == 1);
	}
	/* READDIR: 32-byte records; the room (not the size) limits this time */
	readdir_req(FUSE_READDIR, 0, 4096);
	serve_split(s, 1, 16 + 100, 1);
	CHECK(err_of() == 0 && F.dir_full && F.dir_stored == 3 && S.oh.len == 16 + 96);
	const struct fuse_dirent *d = (const void *)((const unsigned char *)payload() + 64);
	CHECK(d->namelen == 8 && !memcmp(d->name, "entry002", 8) && d->off == 3);
	/* a too-small buffer: an empty answer, nothing stored */
	readdir_req(FUSE_READDIRPLUS, 0, 100);
	serve(s);
	CHECK(err_of() == 0 && S.oh.len == 16 && F.dir_stored == 0 && F.dir_full);
	/* an error after entries were stored: the entries still go out */
	F.ret = -EIO;
	readdir_req(FUSE_READDIRPLUS, 0, 400);
	serve(s);
	CHECK(err_of() == 0 && S.oh.len == 16 + 2 * 160);
	F.ret = 0;
	fuse_server_free(s);
}

static void test_batch_forget(void)
{
	struct fuse_server *s = ready_server();
	struct fuse_batch_forget_in in = { .count = 3 };
	struct fuse_forget_one one[3] = { { 10, 1 }, { 11, 2 }, { 12, 3 } };

	msg_start(FUSE_BATCH_FORGET, 0);
	put(&in, sizeof(in));
	put(one, sizeof(one));
	msg_seal(0);
	CHECK(serve_split(s, 1, 0, 0) == 0);
	CHECK(F.nforget == 3 && F.forget_node[2] == 12 && F.forget_n[1] == 2);

	in.count = 4;
	msg_start(FUSE_BATCH_FORGET, 0);
	put(&in, sizeof(in));
	put(one, sizeof(one));
	msg_seal(0);
	CHECK(serve(s) == 0 && F.nforget == 3);
	in.count = 0xffffffffu;
	msg_start(FUSE_BATCH_FORGET, 0);
	put(&in, sizeof(in));
	put(one, sizeof(one));
	msg_seal(0);
	CHECK(serve(s) == 0 && F.nforget == 3);
	in.count = 0x10000000u; /* count * 16 wraps to 0 in 32 bits */
	msg_start(FUSE_BATCH_FORGET, 0);
	put(&in, sizeof(in));
	msg_seal(0);
	CHECK(serve(s) == 0 && F.nforget == 3);

	/* more entries than the gathered argument copy holds */
	F.nforget = 0;
	in.count = 2000;
	msg_start(FUSE_BATCH_FORGET, 0);
	put(&in, sizeof(in));
	for (uint64_t i = 0; i < 2000; i++) {
		struct fuse_forget_one o1 = { 100 + i, 1 };
		put(&o1, sizeof(o1));
	}
	msg_seal(0);
	CHECK(serve_split(s, 64, 0, 0) == 0);
	CHECK(F.nforget == 2000 && F.forget_node[1999] == 2099);

	struct fuse_forget_in fg = { .nlookup = 5 };
	F.nforget = 0;
	msg_start(FUSE_FORGET, 77);
	put(&fg, sizeof(fg));
	msg_seal(0);
	CHECK(serve(s) == 0 && F.nforget == 1 && F.forget_node[0] == 77 && F.forget_n[0] == 5);
	fuse_server_free(s);
}

static void test_reply_room(void)
{
	struct fuse_server *s = ready_server();

	msg_start(FUSE_LOOKUP, 1);
	put_str("x");
	msg_seal(0);
	serve_split(s, 1, 16, 1); /* room for the header only */
	CHECK(err_of() == -EINVAL && F.lookup == 0);
	CHECK(serve_split(s, 1, 8, 1) == 0 && F.lookup == 0);
	CHECK(serve_split(s, 1, 0, 1) == 0 && F.lookup == 0);
	serve_split(s, 1, 16 + sizeof(struct fuse_entry_out) - 1, 1);
	CHECK(err_of() == -EINVAL && F.lookup == 0);
	serve_split(s, 1, 16 + sizeof(struct fuse_entry_out), 1);
	CHECK(err_of() == 0 && F.lookup == 1);
	/* an empty reply fits in the header */
	msg_start(FUSE_UNLINK, 1);
	put_str("x");
	msg_seal(0);
	serve_split(s, 1, 16, 1);
	CHECK(err_of() == 0);
	/* a readlink target larger than the room */
	msg_start(FUSE_READLINK, 1);
	msg_seal(0);
	serve_split(s, 1, 16 + 3, 1);
	CHECK(err_of() == -ERANGE);
	serve_split(s, 1, 16 + 6, 1);
	CHECK(err_of() == 0 && !memcmp(payload(), "target", 6));
	fuse_server_free(s);
}

static void test_names_two(void)
{
	struct fuse_server *s = ready_server();
	struct fuse_rename2_in r2 = { .newdir = 20, .flags = 1 };
	struct fuse_rename_in r1 = { .newdir = 21 };

	msg_start(FUSE_RENAME2, 2);
	put(&r2, sizeof(r2));
	put_str("old");
	put_str("new");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && !strcmp(F.name, "old") && !strcmp(F.name2, "new") && F.node == 2 &&
	      F.node2 == 20 && F.flags == 1);
	r2.flags = 8;
	msg_start(FUSE_RENAME2, 2);
	put(&r2, sizeof(r2));
	put_str("old");
	put_str("new");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL);
	int before = F.any;
	msg_start(FUSE_RENAME, 2);
	put(&r1, sizeof(r1));
	put_str("old");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.any == before);
	msg_start(FUSE_RENAME, 2);
	put(&r1, sizeof(r1));
	put_str("old");
	put_str("");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.any == before);
	msg_start(FUSE_RENAME, 2);
	put(&r1, sizeof(r1));
	put_str("old");
	put_str("n/w");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.any == before);
	msg_start(FUSE_RENAME, 2);
	put(&r1, sizeof(r1));
	put_str("a");
	put_str("b");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.flags == 0 && F.node2 == 21 && !strcmp(F.name2, "b"));

	/* SYMLINK: name then target; LINK: new name */
	msg_start(FUSE_SYMLINK, 2);
	put_str("ln");
	put_str("../some/where");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && !strcmp(F.name, "ln") && !strcmp(F.name2, "../some/where"));
	CHECK(((const struct fuse_entry_out *)payload())->nodeid == 44);
	msg_start(FUSE_SYMLINK, 2);
	put_str("ln");
	put("abc", 3);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL);
	struct fuse_link_in li = { .oldnodeid = 33 };
	msg_start(FUSE_LINK, 2);
	put(&li, sizeof(li));
	put_str("hard");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.node == 33 && F.node2 == 2 && !strcmp(F.name, "hard"));
	fuse_server_free(s);
}

static void test_setattr_open_create(void)
{
	struct fuse_server *s = ready_server();
	struct fuse_setattr_in sa = {
		.valid = FATTR_MODE | FATTR_SIZE | FATTR_ATIME | FATTR_ATIME_NOW | FATTR_MTIME |
			 FATTR_FH | FATTR_LOCKOWNER | FATTR_KILL_SUIDGID,
		.fh = 6, .size = 777, .mode = 0600, .mtime = 5, .mtimensec = 6,
	};

	msg_start(FUSE_SETATTR, 3);
	put(&sa, sizeof(sa));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.sa.fh == 6 && F.sa.size == 777 && F.sa.mode == 0600);
	CHECK(!(F.sa.valid & FATTR_LOCKOWNER) && (F.sa.valid & FATTR_ATIME_NOW) && F.sa.kill_suidgid);
	CHECK(F.sa.atime.tv_nsec == UTIME_NOW && F.sa.mtime.tv_sec == 5 && F.sa.mtime.tv_nsec == 6);
	CHECK(((const struct fuse_attr_out *)payload())->attr.size == 777);
	sa.valid = FATTR_SIZE;
	sa.size = ~0ULL;
	msg_start(FUSE_SETATTR, 3);
	put(&sa, sizeof(sa));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL);
	sa.valid = FATTR_MTIME;
	sa.mtimensec = 1000000000;
	msg_start(FUSE_SETATTR, 3);
	put(&sa, sizeof(sa));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL);
	/* Before 1970: the guest's time64_t travels as a u64 (two's complement). */
	sa.valid = FATTR_ATIME | FATTR_MTIME | FATTR_CTIME;
	sa.atime = (uint64_t)-1;
	sa.mtime = (uint64_t)INT64_MIN;
	sa.ctime = (uint64_t)-315619200; /* 1960-01-01 */
	sa.atimensec = sa.mtimensec = sa.ctimensec = 5;
	msg_start(FUSE_SETATTR, 3);
	put(&sa, sizeof(sa));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.sa.atime.tv_sec == -1 && F.sa.mtime.tv_sec == INT64_MIN);
	CHECK(F.sa.ctime.tv_sec == -315619200 && F.sa.mtime.tv_nsec == 5);
	sa.valid = 0;
	msg_start(FUSE_SETATTR, 3);
	put(&sa, sizeof(sa));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.sa.fh == FS_NO_FH);

	/* GETATTR with and without a handle */
	struct fuse_getattr_in ga = { .getattr_flags = FUSE_GETATTR_FH, .fh = 12 };
	msg_start(FUSE_GETATTR, 4);
	put(&ga, sizeof(ga));
	msg_seal(0);
	serve(s);
	const struct fuse_attr_out *ao = payload();
	CHECK(err_of() == 0 && F.fh == 12 && F.node == 4 && ao->attr.ino == 77);
	CHECK(ao->attr_valid == 2 && ao->attr_valid_nsec == 250000000);
	ga.getattr_flags = 0;
	msg_start(FUSE_GETATTR, 4);
	put(&ga, sizeof(ga));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.fh == FS_NO_FH);

	/* OPEN never creates */
	struct fuse_open_in oi = { .flags = O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY,
				   .open_flags = FUSE_OPEN_KILL_SUIDGID };
	msg_start(FUSE_OPEN, 4);
	put(&oi, sizeof(oi));
	msg_seal(0);
	serve(s);
	const struct fuse_open_out *oo = payload();
	CHECK(err_of() == 0 && F.oflags == (O_RDWR | O_TRUNC) && F.kill);
	CHECK(oo->fh == 99 && oo->open_flags == FOPEN_KEEP_CACHE);

	/* CREATE, with a security context extension after the name */
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT, .mode = 0100644, .umask = 022 };
	msg_start(FUSE_CREATE, 4);
	put(&ci, sizeof(ci));
	put_str("newfile");
	struct fuse_secctx_header sh = { .size = 16, .nr_secctx = 0 };
	put(&sh, sizeof(sh));
	put("\0\0\0\0\0\0\0\0", 8);
	msg_seal(0);
	((struct fuse_in_header *)M.b)->total_extlen = 2;
	serve(s);
	CHECK(err_of() == 0 && !strcmp(F.name, "newfile") && F.cr.mode == 0100644 &&
	      F.cr.umask == 022 && F.cr.flags == (O_WRONLY | O_CREAT) && !F.kill);
	CHECK(S.oh.len == 16 + sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out));
	const struct fuse_open_out *co =
		(const void *)((const unsigned char *)payload() + sizeof(struct fuse_entry_out));
	CHECK(((const struct fuse_entry_out *)payload())->nodeid == 45 && co->fh == 98);
	/* the old way: context as trailing bytes after the name */
	msg_start(FUSE_CREATE, 4);
	put(&ci, sizeof(ci));
	put_str("other");
	put(&sh, sizeof(sh));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && !strcmp(F.name, "other"));

	/* MKNOD and MKDIR */
	struct fuse_mknod_in mi = { .mode = S_IFCHR | 0600, .rdev = 0x0103, .umask = 2 };
	msg_start(FUSE_MKNOD, 4);
	put(&mi, sizeof(mi));
	put_str("dev");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.cr.rdev == 0x0103 && F.cr.mode == (S_IFCHR | 0600));
	struct fuse_mkdir_in di = { .mode = 0755, .umask = 022 };
	msg_start(FUSE_MKDIR, 4);
	put(&di, sizeof(di));
	put_str("dir");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && !strcmp(F.name, "dir") && F.cr.mode == 0755);

	/* TMPFILE: the placeholder name is ignored */
	msg_start(FUSE_TMPFILE, 4);
	put(&ci, sizeof(ci));
	put_str("/");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && ((const struct fuse_entry_out *)payload())->nodeid == 46);
	fuse_server_free(s);
}

static void test_xattr(void)
{
	struct fuse_server *s = ready_server();
	struct fuse_setxattr_in si = { .size = 10, .flags = 1 };

	msg_start(FUSE_SETXATTR, 3);
	put(&si, FUSE_COMPAT_SETXATTR_IN_SIZE);
	put_str("user.x");
	put("0123456789", 10);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.setxattr == 1 && !strcmp(F.name, "user.x") && F.value_len == 10 &&
	      !memcmp(F.value, "0123456789", 10) && F.flags == 1);
	/* value larger than the gathered copy */
	static unsigned char big[65536];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)i;
	si.size = sizeof(big);
	msg_start(FUSE_SETXATTR, 3);
	put(&si, FUSE_COMPAT_SETXATTR_IN_SIZE);
	put_str("user.big");
	put(big, sizeof(big));
	msg_seal(0);
	serve_split(s, 100, 64, 0);
	CHECK(err_of() == 0 && F.setxattr == 2 && F.value_len == sizeof(big) &&
	      !memcmp(F.value, big, sizeof(big)));
	/* value size past the request, and too large */
	si.size = 11;
	msg_start(FUSE_SETXATTR, 3);
	put(&si, FUSE_COMPAT_SETXATTR_IN_SIZE);
	put_str("user.x");
	put("0123456789", 10);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.setxattr == 2);
	si.size = 65537;
	serve(s);
	memcpy(M.b + sizeof(struct fuse_in_header), &si, 8);
	serve(s);
	CHECK(err_of() == -E2BIG && F.setxattr == 2);
	/* empty name */
	si.size = 0;
	msg_start(FUSE_SETXATTR, 3);
	put(&si, FUSE_COMPAT_SETXATTR_IN_SIZE);
	put_str("");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -ERANGE);

	struct fuse_getxattr_in gi = { .size = 0 };
	msg_start(FUSE_GETXATTR, 3);
	put(&gi, sizeof(gi));
	put_str("user.x");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && ((const struct fuse_getxattr_out *)payload())->size == 11);
	gi.size = 5;
	memcpy(M.b + sizeof(struct fuse_in_header), &gi, sizeof(gi));
	serve(s);
	CHECK(err_of() == -ERANGE);
	gi.size = 100;
	memcpy(M.b + sizeof(struct fuse_in_header), &gi, sizeof(gi));
	serve(s);
	CHECK(err_of() == 0 && S.oh.len == 16 + 11 && !memcmp(payload(), "hello world", 11));

	struct fuse_getxattr_in li = { .size = 0 };
	msg_start(FUSE_LISTXATTR, 3);
	put(&li, sizeof(li));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && ((const struct fuse_getxattr_out *)payload())->size == 8);
	li.size = 100000;
	memcpy(M.b + sizeof(struct fuse_in_header), &li, sizeof(li));
	serve(s);
	CHECK(err_of() == 0 && S.oh.len == 16 + 8 && !memcmp(payload(), "user.a\0b", 8));

	msg_start(FUSE_REMOVEXATTR, 3);
	put_str("user.x");
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && !strcmp(F.name, "user.x"));
	fuse_server_free(s);
}

static void test_locks_and_misc(void)
{
	struct fuse_server *s = ready_server();
	struct fuse_lk_in lk = { .fh = 1, .owner = 2,
				 .lk = { .start = 10, .end = 19, .type = F_WRLCK, .pid = 50 } };

	F.lk_reply = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 5,
				     .l_len = 0, .l_pid = 9 };
	msg_start(FUSE_GETLK, 3);
	put(&lk, sizeof(lk));
	msg_seal(0);
	serve(s);
	const struct fuse_lk_out *lo = payload();
	CHECK(err_of() == 0 && F.getlk == 1);
	CHECK(F.lk.l_start == 10 && F.lk.l_len == 10 && F.lk.l_type == F_WRLCK && F.lk.l_pid == 50);
	CHECK(lo->lk.type == F_RDLCK && lo->lk.start == 5 && lo->lk.end == (uint64_t)INT64_MAX &&
	      lo->lk.pid == 9);
	lk.lk.end = (uint64_t)INT64_MAX;
	lk.lk_flags = FUSE_LK_FLOCK;
	msg_start(FUSE_SETLKW, 3);
	put(&lk, sizeof(lk));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.lk.l_len == 0 && F.sleep && F.is_flock);
	lk.lk.end = 5; /* end before start */
	msg_start(FUSE_SETLK, 3);
	put(&lk, sizeof(lk));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL);
	lk.lk.end = 50;
	lk.lk.type = 77;
	msg_start(FUSE_SETLK, 3);
	put(&lk, sizeof(lk));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL);

	msg_start(FUSE_STATFS, 1);
	msg_seal(0);
	serve(s);
	const struct fuse_statfs_out *so = payload();
	CHECK(err_of() == 0 && so->st.blocks == 1000 && so->st.namelen == 255 &&
	      so->st.bsize == 4096);

	struct fuse_lseek_in ls = { .fh = 1, .offset = 100, .whence = SEEK_DATA };
	msg_start(FUSE_LSEEK, 3);
	put(&ls, sizeof(ls));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && ((const struct fuse_lseek_out *)payload())->offset == 101);
	ls.whence = 9;
	memcpy(M.b + sizeof(struct fuse_in_header), &ls, sizeof(ls));
	serve(s);
	CHECK(err_of() == -EINVAL);
	/* A negative offset is past any data or hole: ENXIO, as the guest's
	 * own fallback and the host's filesystems answer. */
	ls.whence = SEEK_HOLE;
	ls.offset = (uint64_t)-1;
	memcpy(M.b + sizeof(struct fuse_in_header), &ls, sizeof(ls));
	serve(s);
	CHECK(err_of() == -ENXIO);

	struct fuse_copy_file_range_in cf = { .len = 1ULL << 40 };
	msg_start(FUSE_COPY_FILE_RANGE, 3);
	put(&cf, sizeof(cf));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && ((const struct fuse_write_out *)payload())->size == 0xfffff000u);

	struct fuse_release_in ri = { .fh = 8, .release_flags = FUSE_RELEASE_FLOCK_UNLOCK };
	msg_start(FUSE_RELEASE, 3);
	put(&ri, sizeof(ri));
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.fh == 8 && F.kill);

	struct fuse_interrupt_in ii = { .unique = 5 };
	msg_start(FUSE_INTERRUPT, 0);
	put(&ii, sizeof(ii));
	msg_seal(0);
	CHECK(serve(s) == 0);
	fuse_server_free(s);
}

/* A filesystem with nothing but init: every other opcode is ENOSYS. */
static int bare_init(void *fs, struct fs_conn *c) { return 0; }
static const struct fs_ops bare_ops = { .init = bare_init };

static void test_enosys(void)
{
	struct fuse_server *s = fuse_server_new(&bare_ops, NULL, NULL);
	unsigned char args[256];

	memset(args, 0, sizeof(args));
	memcpy(args + 64, "name", 5);
	do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
	CHECK(err_of() == 0);
	for (size_t k = 0; k < sizeof(mins) / sizeof(mins[0]); k++) {
		uint32_t op = mins[k].op;
		if (op == FUSE_INIT || no_reply(mins[k].op))
			continue;
		/* a well-formed request: fixed part zero, then names */
		msg_start(op, 1);
		size_t fixed = mins[k].min > 2 ? mins[k].min - 2 : 0;
		if (op == FUSE_RENAME || op == FUSE_RENAME2)
			fixed = op == FUSE_RENAME ? 8 : 16;
		put(args, fixed);
		put_str("a");
		if (op == FUSE_RENAME || op == FUSE_RENAME2 || op == FUSE_SYMLINK)
			put_str("b");
		if (op == FUSE_WRITE) {
			M.n = sizeof(struct fuse_in_header);
			put(args, 40);
		}
		msg_seal(0);
		serve(s);
		CHECK(err_of() == -ENOSYS);
	}
	/* FORGET with no forget member: silently nothing */
	struct fuse_forget_in fg = { 1 };
	msg_start(FUSE_FORGET, 3);
	put(&fg, sizeof(fg));
	msg_seal(0);
	CHECK(serve(s) == 0);
	fuse_server_free(s);
}

/* Several queue threads at once, while INIT and DESTROY come and go. */
static struct fuse_server *conc_server;

static void *conc_thread(void *arg)
{
	struct vq_req *req = calloc(1, sizeof(*req));
	unsigned char in[sizeof(struct fuse_in_header) + sizeof(struct fuse_getattr_in)];
	unsigned char out[256];
	struct fuse_in_header h = { .len = sizeof(in), .opcode = FUSE_GETATTR, .nodeid = 1,
				    .unique = (uintptr_t)arg };
	int ok = 0;

	CHECK(req);
	memset(in, 0, sizeof(in));
	memcpy(in, &h, sizeof(h));
	req->rd = req->iov;
	req->rd_cnt = 1;
	req->iov[0] = (struct iovec){ in, sizeof(in) };
	req->wr = req->iov + 1;
	req->wr_cnt = 1;
	req->iov[1] = (struct iovec){ out, sizeof(out) };
	for (int i = 0; i < 20000; i++) {
		uint32_t w = fuse_server_serve(conc_server, (unsigned)(uintptr_t)arg, req);
		struct fuse_out_header oh;
		memcpy(&oh, out, sizeof(oh));
		CHECK(w == oh.len && oh.unique == (uintptr_t)arg);
		CHECK(oh.error == 0 || oh.error == -EIO);
		ok += oh.error == 0;
	}
	free(req);
	return (void *)(uintptr_t)ok;
}

static int conc_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
			struct stat *st, double *t)
{
	return 0;
}
static const struct fs_ops conc_ops = { .getattr = conc_getattr };

static void test_concurrency(void)
{
	pthread_t t[2];
	struct fuse_server *s = fuse_server_new(&conc_ops, NULL, NULL);

	conc_server = s;
	do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
	for (uintptr_t i = 0; i < 2; i++)
		CHECK(!pthread_create(&t[i], NULL, conc_thread, (void *)(i + 1)));
	for (int i = 0; i < 200; i++) {
		fuse_server_reset(s);
		do_init(s, 7, 38, 0, 0, sizeof(struct fuse_init_in));
		CHECK(err_of() == 0);
	}
	for (int i = 0; i < 2; i++)
		CHECK(!pthread_join(t[i], NULL));
	fuse_server_free(s);
}


/* ------------------------------------------------------------------ */
/* FUSE_SECURITY_CTX: the label of a new file, as an extension (7.38+) or as
 * the argument after the last string (7.36, 7.37). */

/* A secctx header with nr contexts (each NAME=value), padded to 8; hsize
 * 0: the true size. */
static size_t make_secctx(unsigned char *b, uint32_t nr, const char *name, const void *value,
			  uint32_t vlen, uint32_t hsize)
{
	size_t n = sizeof(struct fuse_secctx_header);
	for (uint32_t i = 0; i < nr; i++) {
		struct fuse_secctx one = { .size = vlen };
		memcpy(b + n, &one, sizeof(one));
		n += sizeof(one);
		memcpy(b + n, name, strlen(name) + 1);
		n += strlen(name) + 1;
		memcpy(b + n, value, vlen);
		n += vlen;
	}
	while (n % 8)
		b[n++] = 0;
	struct fuse_secctx_header h = { .size = hsize ? hsize : (uint32_t)n, .nr_secctx = nr };
	memcpy(b, &h, sizeof(h));
	return n;
}

static struct fuse_server *secctx_server(bool label, uint32_t minor)
{
	struct fuse_server_options o = { .security_label = label };
	struct fuse_server *s = new_server(&o);
	do_init(s, 7, minor, FUSE_ASYNC_READ | FUSE_INIT_EXT, (uint32_t)(FUSE_SECURITY_CTX >> 32),
		sizeof(struct fuse_init_in));
	CHECK(err_of() == 0);
	const struct fuse_init_out *out = payload();
	CHECK(!!(out->flags2 & (FUSE_SECURITY_CTX >> 32)) == label);
	return s;
}

/* MKDIR "d" with the context as an extension (ext) or an argument. */
static void mkdir_with(struct fuse_server *s, const unsigned char *sc, size_t n, bool ext)
{
	struct fuse_mkdir_in di = { .mode = 0755, .umask = 022 };
	msg_start(FUSE_MKDIR, 1);
	put(&di, sizeof(di));
	put_str("d");
	put(sc, n);
	if (ext)
		((struct fuse_in_header *)M.b)->total_extlen = (uint16_t)(n / 8);
	msg_seal(0);
	serve(s);
}

static void test_secctx(void)
{
	static const char label[] = "system_u:object_r:container_file_t:s0";
	unsigned char sc[6000];
	size_t n;

	/* 7.41: an extension, through MKDIR, CREATE and SYMLINK. */
	struct fuse_server *s = secctx_server(true, 41);
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == 0 && F.secctx_calls == 1 && !strcmp(F.name, "d"));
	CHECK(!strcmp(F.sc_name, "security.selinux") && F.sc_size == sizeof(label) &&
	      !memcmp(F.sc_value, label, sizeof(label)));
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = 0644 };
	msg_start(FUSE_CREATE, 1);
	put(&ci, sizeof(ci));
	put_str("f");
	put(sc, n);
	((struct fuse_in_header *)M.b)->total_extlen = (uint16_t)(n / 8);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.secctx_calls == 2 && !strcmp(F.name, "f"));
	/* TMPFILE (fuse_create_open in Linux) carries one after its "/". */
	msg_start(FUSE_TMPFILE, 1);
	put(&ci, sizeof(ci));
	put_str("/");
	put(sc, n);
	((struct fuse_in_header *)M.b)->total_extlen = (uint16_t)(n / 8);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.secctx_calls == 3 && F.sc_size == sizeof(label));
	F.secctx_calls = 2;
	F.any = 2;
	/* A header with no context: none reaches the filesystem. */
	n = make_secctx(sc, 0, "", "", 0, 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == 0 && F.secctx_calls == 2 && F.any == 3);
	/* Not a label: refused before the filesystem sees the request. */
	n = make_secctx(sc, 1, "security.capability", "\1\0\0\2", 4, 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EPERM && F.any == 3);
	n = make_secctx(sc, 1, "trusted.overlay.opaque", "y", 1, 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EPERM && F.any == 3);
	n = make_secctx(sc, 1, "security.", "y", 1, 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EPERM && F.any == 3);
	/* Two contexts (no Linux sends that): refused, not half applied. */
	n = make_secctx(sc, 2, "security.selinux", label, sizeof(label), 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EOPNOTSUPP && F.any == 3);
	/* Lying sizes. */
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 4000);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EINVAL && F.any == 3);
	static const char big[4097];
	n = make_secctx(sc, 1, "security.selinux", big, sizeof(big), 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EINVAL && F.any == 3);
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	{
		struct fuse_secctx one = { .size = 2000 }; /* value past the header's end */
		memcpy(sc + sizeof(struct fuse_secctx_header), &one, sizeof(one));
	}
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EINVAL && F.any == 3);
	/* An extension whose size is not a multiple of 8, or overruns. */
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	((struct fuse_secctx_header *)sc)->size = (uint32_t)n - 4;
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EINVAL && F.any == 3);
	/* The name unterminated within the context. */
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	memset(sc + 16, 'x', n - 16);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == -EINVAL && F.any == 3);
	/* An unknown extension type after the label is skipped. */
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	struct fuse_ext_header other = { .size = 16, .type = 77 };
	memcpy(sc + n, &other, sizeof(other));
	memset(sc + n + 8, 0, 8);
	mkdir_with(s, sc, n + 16, true);
	CHECK(err_of() == 0 && F.secctx_calls == 3);
	fuse_server_free(s);

	/* 7.37: the argument after the last string (SYMLINK: after the target). */
	s = secctx_server(true, 37);
	n = make_secctx(sc, 1, "security.smack", "_", 2, 0);
	msg_start(FUSE_SYMLINK, 1);
	put_str("l");
	put_str("target");
	put(sc, n);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.secctx_calls == 1 && !strcmp(F.name2, "target") &&
	      !strcmp(F.sc_name, "security.smack"));
	/* A long target: the context lies past the gathered argument bytes. */
	char target[4096];
	memset(target, 't', sizeof(target) - 1);
	target[sizeof(target) - 1] = 0;
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	msg_start(FUSE_SYMLINK, 1);
	put_str("long-name-long-name-long-name-long-name");
	put_str(target);
	put(sc, n);
	for (int i = 0; i < 200; i++)
		put("", 1); /* bytes past the context: ignored, as after a name */
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.secctx_calls == 2 && !memcmp(F.sc_value, label, sizeof(label)));
	/* Too much after the target to be a context. */
	msg_start(FUSE_SYMLINK, 1);
	put_str("l2");
	put_str("target");
	for (int i = 0; i < 5000; i++)
		put("", 1);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == -EINVAL && F.any == 2);
	mkdir_with(s, sc, n, false);
	CHECK(err_of() == 0 && F.secctx_calls == 3);
	/* 7.37 TMPFILE: the argument after the "/" name. */
	struct fuse_create_in ti = { .flags = O_RDWR, .mode = 0600 };
	msg_start(FUSE_TMPFILE, 1);
	put(&ti, sizeof(ti));
	put_str("/");
	put(sc, n);
	msg_seal(0);
	serve(s);
	CHECK(err_of() == 0 && F.secctx_calls == 4 && !memcmp(F.sc_value, label, sizeof(label)));
	fuse_server_free(s);

	/* --security-label off: the flag is not offered and whatever follows
	 * the name is ignored, as before. */
	s = secctx_server(false, 41);
	n = make_secctx(sc, 1, "security.selinux", label, sizeof(label), 0);
	mkdir_with(s, sc, n, true);
	CHECK(err_of() == 0 && F.secctx_calls == 0 && F.any == 1);
	fuse_server_free(s);
}

int main(void)
{
	log_setup(LOG_LVL_ERROR, 0);
	test_init();
	test_init_options();
	test_submounts_warning();
	test_init_log_ratelimited();
	test_lookup_names();
	test_truncated();
	test_header_mismatch();
	test_write_zero_copy();
	test_read();
	test_readdir();
	test_batch_forget();
	test_reply_room();
	test_names_two();
	test_setattr_open_create();
	test_xattr();
	test_locks_and_misc();
	test_enosys();
	test_concurrency();
	test_random();
	test_secctx();
	served_free();
	printf("test_fuse_server: ok\n");
	return 0;
}
