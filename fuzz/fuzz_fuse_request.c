/* libFuzzer target: the FUSE request decoder and dispatch (src/fuse) over a
 * fake filesystem that checks the fs_ops contract (src/fs/fs_ops.h) on every
 * call: names are single components of 1..255 bytes without '/', strings
 * are terminated, buffers hold what the server says they hold (every byte
 * of them is touched, so ASan sees a short one).
 *
 * Input: a sequence of requests.  Each starts with a 4-byte control block:
 *   byte 0  how the readable bytes are split into iovecs (chunk size 1..64,
 *           or 0 = one iovec)
 *   byte 1  the same for the writable part
 *   byte 2-3 writable bytes offered (little endian, up to 64 KiB)
 * then the readable bytes: as many as the FUSE header's len says (fewer when
 * the input ends first, which the server must refuse).  Before the first
 * request a well-formed INIT is served unless the input's first control
 * byte has bit 7 set in byte 1, so most inputs reach the handlers.
 * The fake filesystem's answers (success or which errno, how many bytes)
 * come from the request bytes themselves via a small PRNG seeded from them.
 *
 * Oracle: the reply written is never longer than the room; a reply is a
 * fuse_out_header whose len equals the bytes written, whose unique echoes
 * the request, whose error is 0 or a negative errno > -4096 and whose error
 * replies carry nothing else. */
#include <dirent.h>
#include <errno.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse/server.h"
#include "log/log.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_fuse_request: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

/* ------------------------------------------------------------------ */
/* The fake filesystem. */

static uint32_t rng;        /* per-request answers */

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* 0 most of the time, else an errno (including nonsense ones the server
 * must clamp). */
static int answer(void)
{
	static const int errs[] = { -ENOENT, -EACCES, -EIO, -ERANGE, -ENOSYS, -E2BIG, -9999, 5 };
	uint32_t v = next_rand();

	return v % 4 ? 0 : errs[(v >> 4) % (sizeof(errs) / sizeof(errs[0]))];
}

static void check_name(const char *name)
{
	CHECK(name);
	size_t n = strlen(name);
	CHECK(n >= 1 && n <= 255);
	CHECK(!strchr(name, '/'));
}

static void touch_iov(const struct iovec *iov, int cnt, size_t size, bool write)
{
	volatile uint8_t sink = 0;

	CHECK(cnt >= 0);
	for (int i = 0; i < cnt && size > 0; i++) {
		size_t n = iov[i].iov_len < size ? iov[i].iov_len : size;
		uint8_t *p = iov[i].iov_base;

		if (write)
			memset(p, 0x5a, n);
		else
			for (size_t k = 0; k < n; k++)
				sink ^= p[k];
		size -= n;
	}
	CHECK(size == 0);   /* the iovecs held at least size bytes */
	(void)sink;
}

static void fill_entry(struct fs_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = next_rand() % 3 ? 2 + next_rand() % 100 : 0;
	e->attr.st_mode = S_IFREG | 0644;
	e->attr.st_ino = 77;
	e->entry_timeout = (double)(int)next_rand() / 1000.0;
	e->attr_timeout = -1e300;
}

/* A failing init logs an error each time: rarely, to keep the log small. */
static int f_init(void *fs, struct fs_conn *c) { return next_rand() % 64 ? 0 : -EIO; }
static void f_destroy(void *fs) { }
static int f_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    struct fs_entry *e)
{
	check_name(name);
	fill_entry(e);
	return answer();
}
static void f_forget(void *fs, uint64_t nodeid, uint64_t nlookup) { }
static int f_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		     struct stat *st, double *t)
{
	memset(st, 0, sizeof(*st));
	*t = 1e30;
	return answer();
}
static int f_statx(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		   unsigned flags, unsigned mask, struct statx *stx, double *t)
{
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = next_rand();
	*t = 0.5;
	return answer();
}
static int f_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fs_setattr *in, struct stat *st, double *t)
{
	memset(st, 0, sizeof(*st));
	*t = 0;
	return answer();
}
static int f_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf,
		      size_t size, size_t *len)
{
	size_t n = next_rand() % 5000;

	if (n > size)
		return -ENAMETOOLONG;
	memset(buf, 'l', n);
	*len = n;
	return answer();
}
static int f_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fs_create *cr, struct fs_entry *e)
{
	check_name(name);
	fill_entry(e);
	return answer();
}
static int f_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const char *target, struct fs_entry *e)
{
	check_name(name);
	CHECK(strlen(target) < 4096);
	fill_entry(e);
	return answer();
}
static int f_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		  const char *newname, struct fs_entry *e)
{
	check_name(newname);
	fill_entry(e);
	return answer();
}
static int f_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	check_name(name);
	return answer();
}
static int f_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    uint64_t newparent, const char *newname, unsigned flags)
{
	check_name(name);
	check_name(newname);
	return answer();
}
static int f_open(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags,
		  struct fs_open *o)
{
	CHECK(!(flags & O_CREAT));   /* fs_ops.h: O_CREAT never reaches open */
	o->fh = next_rand();
	o->open_flags = next_rand();
	return answer();
}
static int f_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fs_create *cr, struct fs_entry *e, struct fs_open *o)
{
	check_name(name);
	fill_entry(e);
	o->fh = next_rand();
	return answer();
}
static int f_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent,
		     const struct fs_create *cr, struct fs_entry *e, struct fs_open *o)
{
	fill_entry(e);
	o->fh = 3;
	return answer();
}
static int f_read(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		  size_t size, const struct iovec *iov, int iovcnt, size_t *done)
{
	CHECK(off >= 0);
	touch_iov(iov, iovcnt, size, true);
	*done = size ? next_rand() % (size + 1) : 0;
	return answer();
}
static int f_write(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		   const struct iovec *iov, int iovcnt, bool kill_priv, size_t *done)
{
	size_t total = 0;

	CHECK(off >= 0);
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	touch_iov(iov, iovcnt, total, false);
	*done = total ? next_rand() % (total + 1) : 0;
	return answer();
}
static int f_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		   uint64_t owner) { return answer(); }
static int f_release(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int flags,
		     uint64_t owner, bool flock_release) { return answer(); }
static int f_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		   bool datasync) { return answer(); }
static int f_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags,
		     struct fs_open *o)
{
	o->fh = 9;
	return answer();
}
static int f_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		     uint64_t off, bool plus, struct fs_dir_sink *sink)
{
	static char name[300];
	unsigned n = next_rand() % 40;

	for (unsigned i = 0; i < n; i++) {
		struct fs_entry e;
		/* Names of 0..270 bytes: the server must stop at bad ones. */
		size_t len = next_rand() % 271;
		memset(name, 'a' + (int)(i % 26), len);
		name[len] = '\0';
		struct fs_dirent d = { name, len, 1000 + i, off + i + 1, DT_REG };
		fill_entry(&e);
		if (sink->add(sink, &d, plus ? &e : NULL))
			break;
	}
	return answer();
}
static int f_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh)
{
	return answer();
}
static int f_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		      bool datasync) { return answer(); }
static int f_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct statvfs *st)
{
	memset(st, 0, sizeof(*st));
	return answer();
}
static int f_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		      const void *value, size_t size, int flags)
{
	CHECK(strlen(name) >= 1 && strlen(name) <= 255);
	CHECK(size <= 65536);
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < size; i++)
		sink ^= ((const uint8_t *)value)[i];
	(void)sink;
	return answer();
}
static int f_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		      void *buf, size_t size, size_t *len)
{
	size_t want = next_rand() % 70000;

	CHECK(strlen(name) >= 1 && strlen(name) <= 255);
	*len = want;
	if (size == 0)
		return answer();
	if (want > size)
		return -ERANGE;
	memset(buf, 'x', want);
	return answer();
}
static int f_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf,
		       size_t size, size_t *len)
{
	size_t want = next_rand() % 70000;

	*len = want;
	if (size == 0)
		return answer();
	if (want > size)
		return -ERANGE;
	memset(buf, 'y', want);
	return answer();
}
static int f_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	CHECK(strlen(name) >= 1 && strlen(name) <= 255);
	return answer();
}
static int f_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, int mask)
{
	return answer();
}
static int f_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		   uint64_t owner, struct flock *lk)
{
	lk->l_type = F_UNLCK;
	return answer();
}
static int f_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		   uint64_t owner, const struct flock *lk, bool sleep, bool is_flock)
{
	return answer();
}
static int f_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		       int mode, off_t off, off_t len)
{
	CHECK(off >= 0 && len >= 0);
	return answer();
}
static int f_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		   int whence, off_t *result)
{
	*result = off;
	return answer();
}
static int f_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodein, uint64_t fhin,
			     off_t offin, uint64_t nodeout, uint64_t fhout, off_t offout,
			     size_t len, unsigned flags, size_t *done)
{
	CHECK(offin >= 0 && offout >= 0);
	*done = len ? next_rand() % (len + 1) : 0;
	return answer();
}
static int f_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid) { return answer(); }

static const struct fs_ops fake_ops = {
	.init = f_init, .destroy = f_destroy, .lookup = f_lookup, .forget = f_forget,
	.getattr = f_getattr, .statx = f_statx, .setattr = f_setattr, .readlink = f_readlink,
	.mknod = f_mknod, .mkdir = f_mknod, .symlink = f_symlink, .link = f_link,
	.unlink = f_unlink, .rmdir = f_unlink, .rename = f_rename, .open = f_open,
	.create = f_create, .tmpfile = f_tmpfile, .read = f_read, .write = f_write,
	.flush = f_flush, .release = f_release, .fsync = f_fsync, .opendir = f_opendir,
	.readdir = f_readdir, .releasedir = f_releasedir, .fsyncdir = f_fsyncdir,
	.statfs = f_statfs, .setxattr = f_setxattr, .getxattr = f_getxattr,
	.listxattr = f_listxattr, .removexattr = f_removexattr, .access = f_access,
	.getlk = f_getlk, .setlk = f_setlk, .fallocate = f_fallocate, .lseek = f_lseek,
	.copy_file_range = f_copy_file_range, .syncfs = f_syncfs,
};

/* ------------------------------------------------------------------ */
/* Chains: bytes split into separately allocated iovecs. */

/* Split len bytes (copied from src when not NULL) into chunks of `chunk`
 * bytes (0: one piece), each its own allocation. */
static int split(struct iovec *iov, int max, const uint8_t *src, size_t len, unsigned chunk)
{
	int n = 0;
	size_t off = 0;

	if (chunk == 0)
		chunk = len ? (unsigned)len : 1;
	while (off < len) {
		size_t k = len - off < chunk ? len - off : chunk;
		if (n == max)
			k = len - off;      /* the last iovec takes the rest */
		iov[n].iov_base = malloc(k);
		CHECK(iov[n].iov_base);
		if (src)
			memcpy(iov[n].iov_base, src + off, k);
		else
			memset(iov[n].iov_base, 0xcc, k);
		iov[n].iov_len = k;
		off += k;
		n++;
		if (n == max)
			break;
	}
	return n;
}

static void gather(const struct iovec *iov, int cnt, uint8_t *dst, size_t len)
{
	for (int i = 0; i < cnt && len > 0; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
		memcpy(dst, iov[i].iov_base, k);
		dst += k;
		len -= k;
	}
}

static void serve_one(struct fuse_server *s, const uint8_t *rd, size_t rd_len,
		      unsigned rd_chunk, unsigned wr_chunk, size_t wr_len)
{
	static struct vq_req req;
	static uint8_t out[65536];
	struct fuse_in_header in = { 0 };

	memset(&req, 0, sizeof(req));
	req.head = 0;
	req.rd = req.iov;
	req.rd_cnt = split(req.iov, VQ_MAX_IOV / 2, rd, rd_len, rd_chunk);
	req.rd_len = rd_len;
	req.wr = req.iov + req.rd_cnt;
	req.wr_cnt = split(req.wr, VQ_MAX_IOV / 2, NULL, wr_len, wr_chunk);
	req.wr_len = wr_len;
	if (rd_len >= sizeof(in))
		memcpy(&in, rd, sizeof(in));

	/* The fake filesystem's answers follow from the request bytes. */
	rng = 2166136261u;
	for (size_t i = 0; i < rd_len && i < 128; i++)
		rng = (rng ^ rd[i]) * 16777619u;

	uint32_t written = fuse_server_serve(s, 0, &req);

	CHECK(written <= wr_len);
	if (written > 0) {
		struct fuse_out_header oh;
		CHECK(written >= sizeof(oh));
		gather(req.wr, req.wr_cnt, out, written);
		memcpy(&oh, out, sizeof(oh));
		CHECK(oh.len == written);
		CHECK(oh.error <= 0 && oh.error > -4096);
		CHECK(oh.error == 0 || written == sizeof(oh));
		if (rd_len >= sizeof(in))
			CHECK(oh.unique == in.unique);
	}
	for (int i = 0; i < req.rd_cnt + req.wr_cnt; i++)
		free(req.iov[i].iov_base);
}

static void serve_init(struct fuse_server *s, uint32_t minor)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in i;
	} __attribute__((packed)) m = {
		.h = { .len = sizeof(m), .opcode = FUSE_INIT, .unique = 2 },
		.i = { .major = 7, .minor = minor, .max_readahead = 65536,
		       .flags = 0xffffffffu, .flags2 = 0xffffffffu },
	};

	serve_one(s, (const uint8_t *)&m, sizeof(m), 0, 0, 4096);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct fuse_server_options opt = {
		.writeback = true, .readdirplus = true, .killpriv_v2 = true, .posix_acl = true,
		.security_label = true, .announce_submounts = true, .allow_mmap = true,
		.flock = true, .posix_locks = true,
	};

	if (!ready) {
		log_setup(LOG_LVL_ERROR, 0);
		ready = 1;
	}
	if (size < 4)
		return 0;
	/* A few options follow the first byte so both sides of them are fuzzed. */
	opt.writeback = data[0] & 1;
	opt.readdirplus = data[0] & 2;
	opt.max_pages = data[0] & 4 ? 1 : 0;
	struct fuse_server *s = fuse_server_new(&fake_ops, NULL, &opt);
	CHECK(s);
	/* 7.38 sends security contexts as extensions, 7.37 as an argument. */
	if (!(data[1] & 0x80))
		serve_init(s, data[0] & 8 ? 37 : 38);

	for (int n = 0; size >= 4 && n < 16; n++) {
		unsigned rd_chunk = data[0] % 65, wr_chunk = (data[1] & 0x7f) % 65;
		size_t wr_len = (size_t)(data[2] | data[3] << 8);
		data += 4;
		size -= 4;

		size_t len = size;
		if (size >= sizeof(struct fuse_in_header)) {
			uint32_t hl;
			memcpy(&hl, data, sizeof(hl));
			if (hl < len)
				len = hl;
		}
		serve_one(s, data, len, rd_chunk, wr_chunk, wr_len);
		data += len;
		size -= len;
		if (n % 4 == 3)
			fuse_server_reset(s);
	}
	fuse_server_free(s);
	return 0;
}
