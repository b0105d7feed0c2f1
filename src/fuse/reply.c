/* Reply encoding: every answer goes out through these helpers, so the
 * header is always written last-known-length and never past the room. */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>

int fuse_sane_err(int err)
{
	if (err > 0 || err < -4095)
		return -EIO;
	return err;
}

/* The out header at the start of wr; payload_len bytes follow it. */
static uint32_t put_header(struct fuse_req_ctx *r, int err, size_t payload_len)
{
	struct fuse_out_header oh = {
		.len = (uint32_t)(sizeof(oh) + payload_len),
		.error = err,
		.unique = r->in.unique,
	};
	struct iov_cur w;

	if (r->wr_len < sizeof(oh) || payload_len > r->wr_len - sizeof(oh))
		return 0;
	iovc_init(&w, r->req->wr, r->req->wr_cnt);
	iovc_write(&w, &oh, sizeof(oh));
	return oh.len;
}

uint32_t reply_err(struct fuse_req_ctx *r, int err)
{
	return put_header(r, fuse_sane_err(err), 0);
}

uint32_t reply_none(struct fuse_req_ctx *r)
{
	(void)r;
	return 0;
}

uint32_t reply_buf(struct fuse_req_ctx *r, const void *a, size_t alen, const void *b, size_t blen)
{
	struct iov_cur w;

	if (r->wr_len < sizeof(struct fuse_out_header) ||
	    alen + blen > r->wr_len - sizeof(struct fuse_out_header))
		return reply_err(r, -ERANGE);
	iovc_init(&w, r->req->wr, r->req->wr_cnt);
	iovc_skip(&w, sizeof(struct fuse_out_header));
	if (alen)
		iovc_write(&w, a, alen);
	if (blen)
		iovc_write(&w, b, blen);
	return put_header(r, 0, alen + blen);
}

uint32_t reply_header_only(struct fuse_req_ctx *r, size_t len)
{
	return put_header(r, 0, len);
}

uint32_t reply_data(struct fuse_req_ctx *r, const void *p, size_t len)
{
	return reply_buf(r, p, len, NULL, 0);
}

void fuse_split_timeout(double t, uint64_t *sec, uint32_t *nsec)
{
	*sec = 0;
	*nsec = 0;
	if (!(t > 0)) /* negative, zero or NaN */
		return;
	if (t >= 9.2e18) { /* beyond what the guest's time64_t holds */
		*sec = INT64_MAX;
		return;
	}
	uint64_t whole = (uint64_t)t; /* t > 0: truncation is floor */
	uint64_t ns = (uint64_t)((t - (double)whole) * 1e9);

	*sec = whole;
	*nsec = ns > 999999999 ? 999999999 : (uint32_t)ns;
}

void fuse_fill_attr(struct fuse_attr *a, const struct stat *st, uint32_t flags)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	/* glibc's dev_t keeps minor:8 major:12 minor:12 in its low 32 bits,
	 * which is the kernel's new_encode_dev() layout. */
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
	a->flags = flags;
}

void fuse_fill_entry(struct fuse_entry_out *o, const struct fs_entry *e)
{
	memset(o, 0, sizeof(*o));
	o->nodeid = e->nodeid;
	o->generation = e->generation;
	fuse_split_timeout(e->entry_timeout, &o->entry_valid, &o->entry_valid_nsec);
	fuse_split_timeout(e->attr_timeout, &o->attr_valid, &o->attr_valid_nsec);
	fuse_fill_attr(&o->attr, &e->attr, e->attr_flags);
}

uint32_t reply_entry(struct fuse_req_ctx *r, const struct fs_entry *e)
{
	struct fuse_entry_out o;

	fuse_fill_entry(&o, e);
	return reply_buf(r, &o, sizeof(o), NULL, 0);
}

uint32_t reply_attr(struct fuse_req_ctx *r, const struct stat *st, double attr_timeout)
{
	struct fuse_attr_out o;

	memset(&o, 0, sizeof(o));
	fuse_split_timeout(attr_timeout, &o.attr_valid, &o.attr_valid_nsec);
	fuse_fill_attr(&o.attr, st, 0);
	return reply_buf(r, &o, sizeof(o), NULL, 0);
}

static struct fuse_sx_time sx_time(struct statx_timestamp t)
{
	return (struct fuse_sx_time){ .tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec };
}

uint32_t reply_statx(struct fuse_req_ctx *r, const struct statx *x, double attr_timeout)
{
	struct fuse_statx_out o;

	memset(&o, 0, sizeof(o));
	fuse_split_timeout(attr_timeout, &o.attr_valid, &o.attr_valid_nsec);
	/* Only claim the fields struct fuse_statx carries. */
	o.stat.mask = x->stx_mask & (STATX_BASIC_STATS | STATX_BTIME);
	o.stat.blksize = x->stx_blksize;
	o.stat.attributes = x->stx_attributes;
	o.stat.attributes_mask = x->stx_attributes_mask;
	o.stat.nlink = x->stx_nlink;
	o.stat.uid = x->stx_uid;
	o.stat.gid = x->stx_gid;
	o.stat.mode = x->stx_mode;
	o.stat.ino = x->stx_ino;
	o.stat.size = x->stx_size;
	o.stat.blocks = x->stx_blocks;
	o.stat.atime = sx_time(x->stx_atime);
	o.stat.btime = sx_time(x->stx_btime);
	o.stat.ctime = sx_time(x->stx_ctime);
	o.stat.mtime = sx_time(x->stx_mtime);
	o.stat.rdev_major = x->stx_rdev_major;
	o.stat.rdev_minor = x->stx_rdev_minor;
	/* dev_* stay 0: the guest reports its own device for the mount. */
	return reply_buf(r, &o, sizeof(o), NULL, 0);
}

static void fill_open(struct fuse_open_out *o, const struct fs_open *op)
{
	memset(o, 0, sizeof(*o));
	o->fh = op->fh;
	o->open_flags = op->open_flags;
}

uint32_t reply_open(struct fuse_req_ctx *r, const struct fs_open *op)
{
	struct fuse_open_out o;

	fill_open(&o, op);
	return reply_buf(r, &o, sizeof(o), NULL, 0);
}

uint32_t reply_create(struct fuse_req_ctx *r, const struct fs_entry *e, const struct fs_open *op)
{
	struct fuse_entry_out eo;
	struct fuse_open_out oo;

	fuse_fill_entry(&eo, e);
	fill_open(&oo, op);
	return reply_buf(r, &eo, sizeof(eo), &oo, sizeof(oo));
}

uint32_t reply_write(struct fuse_req_ctx *r, size_t size)
{
	struct fuse_write_out o = { .size = (uint32_t)size };

	return reply_buf(r, &o, sizeof(o), NULL, 0);
}
