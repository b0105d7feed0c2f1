/* Directories: OPENDIR, READDIR / READDIRPLUS (entries encoded straight
 * into the guest's reply buffers), RELEASEDIR, FSYNCDIR. */
#include "fuse_internal.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Where READDIR(PLUS) entries go: the sink the filesystem sees plus the
 * cursor into the reply and the bytes left. */
struct dir_out {
	struct fs_dir_sink sink; /* first: the filesystem hands it back to us */
	struct iov_cur w;
	size_t used, limit;
	bool plus;
};

static int dir_add(struct fs_dir_sink *s, const struct fs_dirent *d, const struct fs_entry *e)
{
	struct dir_out *o = (struct dir_out *)((char *)s - offsetof(struct dir_out, sink));

	/* A name the guest would reject (it checks 1..FUSE_NAME_MAX) ends the
	 * listing like a full buffer, so the filesystem undoes its lookup. */
	if (!d || !d->name || d->namelen == 0 || d->namelen > FUSE_NAME_MAX)
		return 1;
	size_t head = o->plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	size_t rec = FUSE_DIRENT_ALIGN(head + d->namelen);
	if (rec > o->limit - o->used)
		return 1;

	struct fuse_direntplus dp;
	struct fuse_dirent *de = &dp.dirent;
	memset(&dp, 0, sizeof(dp));
	if (o->plus && e)
		fuse_fill_entry(&dp.entry_out, e);
	/* At a mount point the directory's d_ino names the covered inode;
	 * the entry's attributes name the mounted root, which the guest sees. */
	de->ino = o->plus && e && e->nodeid ? e->attr.st_ino : d->ino;
	de->off = d->off;
	de->namelen = (uint32_t)d->namelen;
	de->type = d->type;
	if (o->plus)
		iovc_write(&o->w, &dp, FUSE_NAME_OFFSET_DIRENTPLUS);
	else
		iovc_write(&o->w, de, FUSE_NAME_OFFSET);
	iovc_write(&o->w, d->name, d->namelen);
	iovc_zero(&o->w, rec - head - d->namelen);
	o->used += rec;
	return 0;
}

uint32_t fuse_do_opendir(struct fuse_req_ctx *r)
{
	struct fuse_open_in in;
	struct fs_open o = { 0 };

	FUSE_NEED(r, opendir);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = r->ops->opendir(r->fs, &r->ctx, r->in.nodeid, (int)in.flags, &o);
	return err ? reply_err(r, err) : reply_open(r, &o);
}

uint32_t fuse_do_readdir(struct fuse_req_ctx *r)
{
	struct fuse_read_in in;
	struct dir_out o;

	FUSE_NEED(r, readdir);
	fuse_arg(r, 0, &in, sizeof(in));
	memset(&o, 0, sizeof(o));
	o.sink.add = dir_add;
	o.plus = r->in.opcode == FUSE_READDIRPLUS;
	size_t room = r->wr_len - sizeof(struct fuse_out_header);
	o.limit = in.size < room ? in.size : room;
	iovc_init(&o.w, r->req->wr, r->req->wr_cnt);
	iovc_skip(&o.w, sizeof(struct fuse_out_header));

	int err = r->ops->readdir(r->fs, &r->ctx, r->in.nodeid, in.fh, in.offset, o.plus, &o.sink);
	/* Entries already stored count as lookups (READDIRPLUS): send them
	 * even when the filesystem failed further on. */
	if (err && !o.used)
		return reply_err(r, err);
	return reply_header_only(r, o.used);
}

uint32_t fuse_do_releasedir(struct fuse_req_ctx *r)
{
	struct fuse_release_in in;

	FUSE_NEED(r, releasedir);
	fuse_arg(r, 0, &in, sizeof(in));
	return reply_err(r, r->ops->releasedir(r->fs, &r->ctx, r->in.nodeid, in.fh));
}

uint32_t fuse_do_fsyncdir(struct fuse_req_ctx *r)
{
	struct fuse_fsync_in in;

	FUSE_NEED(r, fsyncdir);
	fuse_arg(r, 0, &in, sizeof(in));
	bool datasync = in.fsync_flags & FUSE_FSYNC_FDATASYNC;
	return reply_err(r, r->ops->fsyncdir(r->fs, &r->ctx, r->in.nodeid, in.fh, datasync));
}
