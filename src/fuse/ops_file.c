/* Open files: OPEN/CREATE/TMPFILE, READ/WRITE straight between the guest's
 * buffers and the filesystem, FLUSH/RELEASE/FSYNC, FALLOCATE, LSEEK,
 * COPY_FILE_RANGE (what Linux fs/fuse/file.c sends). */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* OPEN never creates: the guest already resolved the name, so the creating
 * flags (and O_TMPFILE's own bit) are dropped whatever the guest sent. */
#define OPEN_STRIP_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | (O_TMPFILE & ~O_DIRECTORY))

uint32_t fuse_do_open(struct fuse_req_ctx *r)
{
	struct fuse_open_in in;
	struct fs_open o = { 0 };

	FUSE_NEED(r, open);
	fuse_arg(r, 0, &in, sizeof(in));
	r->ctx.kill_suidgid = in.open_flags & FUSE_OPEN_KILL_SUIDGID;
	int err = r->ops->open(r->fs, &r->ctx, r->in.nodeid, (int)(in.flags & ~(uint32_t)OPEN_STRIP_FLAGS),
			       &o);
	return err ? reply_err(r, err) : reply_open(r, &o);
}

uint32_t fuse_do_create(struct fuse_req_ctx *r)
{
	struct fuse_create_in in;
	const char *name;
	size_t used;
	struct fs_entry e;
	struct fs_open o = { 0 };

	unsigned char secbuf[FUSE_SECCTX_BUF];
	struct fs_secctx sc;

	FUSE_NEED(r, create);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = fuse_take_name(r->arg + sizeof(in), r->arg_len - sizeof(in), &name, &used);
	if (!err)
		err = fuse_take_secctx(r, sizeof(in) + used, secbuf, &sc);
	if (err)
		return reply_err(r, err);
	r->ctx.kill_suidgid = in.open_flags & FUSE_OPEN_KILL_SUIDGID;
	struct fs_create cr = { .mode = in.mode, .umask = in.umask, .flags = (int)in.flags };
	memset(&e, 0, sizeof(e));
	err = r->ops->create(r->fs, &r->ctx, r->in.nodeid, name, &cr, &e, &o);
	return err ? reply_err(r, err) : reply_create(r, &e, &o);
}

uint32_t fuse_do_tmpfile(struct fuse_req_ctx *r)
{
	struct fuse_create_in in;
	struct fs_entry e;
	struct fs_open o = { 0 };
	const char *name;
	size_t used = 0;
	unsigned char secbuf[FUSE_SECCTX_BUF];
	struct fs_secctx sc;

	FUSE_NEED(r, tmpfile);
	/* The guest sends a placeholder name ("/") after the struct, unused,
	 * then the new file's security context as with CREATE (Linux builds
	 * both in fuse_create_open()). */
	fuse_arg(r, 0, &in, sizeof(in));
	int err = 0;
	if (r->arg_len > sizeof(in))
		err = fuse_take_string(r->arg + sizeof(in), r->arg_len - sizeof(in),
				       FUSE_NAME_MAX + 1, &name, &used);
	if (!err)
		err = fuse_take_secctx(r, sizeof(in) + used, secbuf, &sc);
	if (err)
		return reply_err(r, err);
	struct fs_create cr = { .mode = in.mode, .umask = in.umask, .flags = (int)in.flags };
	memset(&e, 0, sizeof(e));
	err = r->ops->tmpfile(r->fs, &r->ctx, r->in.nodeid, &cr, &e, &o);
	return err ? reply_err(r, err) : reply_create(r, &e, &o);
}

uint32_t fuse_do_read(struct fuse_req_ctx *r)
{
	struct fuse_read_in in;
	struct iovec iov[VQ_MAX_IOV];
	struct iov_cur w;
	off_t off;
	size_t done = 0;

	FUSE_NEED(r, read);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = fuse_take_off(in.offset, &off);
	if (err)
		return reply_err(r, err);
	/* The payload goes after the reply header; never past the room. */
	size_t room = r->wr_len - sizeof(struct fuse_out_header);
	size_t size = in.size < room ? in.size : room;
	iovc_init(&w, r->req->wr, r->req->wr_cnt);
	iovc_skip(&w, sizeof(struct fuse_out_header));
	int cnt = iovc_slice(&w, size, iov, VQ_MAX_IOV);
	if (cnt < 0)
		return reply_err(r, -EIO);
	err = r->ops->read(r->fs, &r->ctx, r->in.nodeid, in.fh, off, size, iov, cnt, &done);
	if (err)
		return reply_err(r, err);
	if (done > size)
		return reply_err(r, -EIO);
	return reply_header_only(r, done);
}

uint32_t fuse_do_write(struct fuse_req_ctx *r)
{
	struct fuse_write_in in;
	struct iovec iov[VQ_MAX_IOV];
	struct iov_cur c = r->rd;
	off_t off;
	size_t done = 0;

	FUSE_NEED(r, write);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = fuse_take_off(in.offset, &off);
	if (err)
		return reply_err(r, err);
	/* The payload is exactly the rest of the readable chain. */
	if (in.size != r->arg_total - sizeof(in))
		return reply_err(r, -EINVAL);
	iovc_skip(&c, sizeof(in));
	int cnt = iovc_slice(&c, in.size, iov, VQ_MAX_IOV);
	if (cnt < 0)
		return reply_err(r, -EINVAL);
	bool kill_priv = in.write_flags & FUSE_WRITE_KILL_SUIDGID;
	err = r->ops->write(r->fs, &r->ctx, r->in.nodeid, in.fh, off, iov, cnt, kill_priv, &done);
	if (err)
		return reply_err(r, err);
	if (done > in.size)
		return reply_err(r, -EIO);
	return reply_write(r, done);
}

uint32_t fuse_do_flush(struct fuse_req_ctx *r)
{
	struct fuse_flush_in in;

	FUSE_NEED(r, flush);
	fuse_arg(r, 0, &in, sizeof(in));
	return reply_err(r, r->ops->flush(r->fs, &r->ctx, r->in.nodeid, in.fh, in.lock_owner));
}

uint32_t fuse_do_release(struct fuse_req_ctx *r)
{
	struct fuse_release_in in;

	FUSE_NEED(r, release);
	fuse_arg(r, 0, &in, sizeof(in));
	bool flock_release = in.release_flags & FUSE_RELEASE_FLOCK_UNLOCK;
	return reply_err(r, r->ops->release(r->fs, &r->ctx, r->in.nodeid, in.fh, (int)in.flags,
					    in.lock_owner, flock_release));
}

uint32_t fuse_do_fsync(struct fuse_req_ctx *r)
{
	struct fuse_fsync_in in;

	FUSE_NEED(r, fsync);
	fuse_arg(r, 0, &in, sizeof(in));
	bool datasync = in.fsync_flags & FUSE_FSYNC_FDATASYNC;
	return reply_err(r, r->ops->fsync(r->fs, &r->ctx, r->in.nodeid, in.fh, datasync));
}

uint32_t fuse_do_fallocate(struct fuse_req_ctx *r)
{
	struct fuse_fallocate_in in;
	off_t off, len;

	FUSE_NEED(r, fallocate);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = fuse_take_off(in.offset, &off);
	if (!err)
		err = fuse_take_off(in.length, &len);
	if (!err)
		err = r->ops->fallocate(r->fs, &r->ctx, r->in.nodeid, in.fh, (int)in.mode, off, len);
	return reply_err(r, err);
}

uint32_t fuse_do_lseek(struct fuse_req_ctx *r)
{
	struct fuse_lseek_in in;
	off_t off, result = 0;

	FUSE_NEED(r, lseek);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = fuse_take_off(in.offset, &off);
	/* A negative offset lies past any data or hole: ENXIO, as from the
	 * guest's own fallback (generic_file_llseek) and the host's lseek. */
	if (err && (in.whence == SEEK_DATA || in.whence == SEEK_HOLE))
		err = -ENXIO;
	if (!err && in.whence > SEEK_HOLE)
		err = -EINVAL;
	if (!err)
		err = r->ops->lseek(r->fs, &r->ctx, r->in.nodeid, in.fh, off, (int)in.whence, &result);
	if (err)
		return reply_err(r, err);
	if (result < 0)
		return reply_err(r, -EIO);
	struct fuse_lseek_out out = { .offset = (uint64_t)result };
	return reply_buf(r, &out, sizeof(out), NULL, 0);
}

uint32_t fuse_do_copy_file_range(struct fuse_req_ctx *r)
{
	struct fuse_copy_file_range_in in;
	off_t off_in, off_out;
	size_t done = 0;

	FUSE_NEED(r, copy_file_range);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = fuse_take_off(in.off_in, &off_in);
	if (!err)
		err = fuse_take_off(in.off_out, &off_out);
	if (!err && in.flags > UINT32_MAX)
		err = -EINVAL;
	if (err)
		return reply_err(r, err);
	/* The reply counts bytes in 32 bits: copy at most that (a short copy
	 * is legal, the guest asks again for the rest). */
	uint64_t len = in.len;
	if (len > (UINT32_MAX & ~(uint64_t)(FUSE_GUEST_PAGE - 1)))
		len = UINT32_MAX & ~(uint64_t)(FUSE_GUEST_PAGE - 1);
	err = r->ops->copy_file_range(r->fs, &r->ctx, r->in.nodeid, in.fh_in, off_in, in.nodeid_out,
				      in.fh_out, off_out, (size_t)len, (unsigned)in.flags, &done);
	if (err)
		return reply_err(r, err);
	if (done > len)
		return reply_err(r, -EIO);
	return reply_write(r, done);
}
