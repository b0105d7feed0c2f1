/* Nodes and names: LOOKUP, FORGET, attributes, links, renames (the
 * requests Linux fs/fuse/dir.c sends). */
#include "fuse_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../log/log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

/* The name component at argument offset off. */
static int name_at(const struct fuse_req_ctx *r, size_t off, const char **name, size_t *used)
{
	if (off > r->arg_len)
		return -EINVAL;
	return fuse_take_name(r->arg + off, r->arg_len - off, name, used);
}

/* Entry-returning calls share the tail: reply the entry or the error. */
static uint32_t entry_result(struct fuse_req_ctx *r, int err, const struct fs_entry *e)
{
	return err ? reply_err(r, err) : reply_entry(r, e);
}

uint32_t fuse_do_lookup(struct fuse_req_ctx *r)
{
	const char *name;
	size_t used;
	struct fs_entry e;

	FUSE_NEED(r, lookup);
	int err = name_at(r, 0, &name, &used);
	if (err)
		return reply_err(r, err);
	memset(&e, 0, sizeof(e));
	err = r->ops->lookup(r->fs, &r->ctx, r->in.nodeid, name, &e);
	return entry_result(r, err, &e);
}

uint32_t fuse_do_forget(struct fuse_req_ctx *r)
{
	struct fuse_forget_in in;

	fuse_arg(r, 0, &in, sizeof(in));
	if (r->ops->forget)
		r->ops->forget(r->fs, r->in.nodeid, in.nlookup);
	return reply_none(r);
}

uint32_t fuse_do_batch_forget(struct fuse_req_ctx *r)
{
	struct fuse_batch_forget_in in;
	struct iov_cur c = r->rd;

	fuse_arg(r, 0, &in, sizeof(in));
	uint64_t need = (uint64_t)in.count * sizeof(struct fuse_forget_one);
	if (need > r->arg_total - sizeof(in)) {
		log_debug("FUSE BATCH_FORGET: count %u does not fit %zu bytes", in.count,
			  r->arg_total);
		return reply_none(r);
	}
	if (!r->ops->forget)
		return reply_none(r);
	/* The entries may be far more than the gathered copy: read them in place. */
	iovc_skip(&c, sizeof(in));
	for (uint32_t i = 0; i < in.count; i++) {
		struct fuse_forget_one one;

		if (iovc_read(&c, &one, sizeof(one)) != sizeof(one))
			break;
		r->ops->forget(r->fs, one.nodeid, one.nlookup);
	}
	return reply_none(r);
}

uint32_t fuse_do_getattr(struct fuse_req_ctx *r)
{
	struct fuse_getattr_in in;
	struct stat st;
	double timeout = 0;

	FUSE_NEED(r, getattr);
	fuse_arg(r, 0, &in, sizeof(in));
	memset(&st, 0, sizeof(st));
	uint64_t fh = (in.getattr_flags & FUSE_GETATTR_FH) ? in.fh : FS_NO_FH;
	int err = r->ops->getattr(r->fs, &r->ctx, r->in.nodeid, fh, &st, &timeout);
	return err ? reply_err(r, err) : reply_attr(r, &st, timeout);
}

uint32_t fuse_do_statx(struct fuse_req_ctx *r)
{
	struct fuse_statx_in in;
	struct statx x;
	double timeout = 0;

	FUSE_NEED(r, statx);
	fuse_arg(r, 0, &in, sizeof(in));
	memset(&x, 0, sizeof(x));
	uint64_t fh = (in.getattr_flags & FUSE_GETATTR_FH) ? in.fh : FS_NO_FH;
	int err = r->ops->statx(r->fs, &r->ctx, r->in.nodeid, fh, in.sx_flags, in.sx_mask, &x,
				&timeout);
	return err ? reply_err(r, err) : reply_statx(r, &x, timeout);
}

/* The guest's seconds are its time64_t stored in a u64: a time before 1970
 * arrives above INT64_MAX and is as valid as any other. */
static int take_time(uint64_t sec, uint32_t nsec, struct timespec *ts)
{
	if (nsec > 999999999)
		return -EINVAL;
	ts->tv_sec = sec <= (uint64_t)INT64_MAX ? (time_t)sec : -(time_t)(UINT64_MAX - sec) - 1;
	ts->tv_nsec = nsec;
	return 0;
}

static int decode_setattr(const struct fuse_setattr_in *in, struct fs_setattr *sa)
{
	int err = 0;

	memset(sa, 0, sizeof(*sa));
	/* The lock owner only matters to filesystems doing mandatory locking. */
	sa->valid = in->valid & ~(uint32_t)FATTR_LOCKOWNER;
	sa->fh = (in->valid & FATTR_FH) ? in->fh : FS_NO_FH;
	sa->mode = in->mode;
	sa->uid = in->uid;
	sa->gid = in->gid;
	sa->kill_suidgid = in->valid & FATTR_KILL_SUIDGID;
	if (in->valid & FATTR_SIZE)
		err = fuse_take_off(in->size, &sa->size);
	if (!err && (in->valid & FATTR_ATIME) && !(in->valid & FATTR_ATIME_NOW))
		err = take_time(in->atime, in->atimensec, &sa->atime);
	if (!err && (in->valid & FATTR_MTIME) && !(in->valid & FATTR_MTIME_NOW))
		err = take_time(in->mtime, in->mtimensec, &sa->mtime);
	if (!err && (in->valid & FATTR_CTIME))
		err = take_time(in->ctime, in->ctimensec, &sa->ctime);
	/* "now" spelled the utimensat way too, for filesystems that pass it on */
	if (in->valid & FATTR_ATIME_NOW)
		sa->atime.tv_nsec = UTIME_NOW;
	if (in->valid & FATTR_MTIME_NOW)
		sa->mtime.tv_nsec = UTIME_NOW;
	return err;
}

uint32_t fuse_do_setattr(struct fuse_req_ctx *r)
{
	struct fuse_setattr_in in;
	struct fs_setattr sa;
	struct stat st;
	double timeout = 0;

	FUSE_NEED(r, setattr);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = decode_setattr(&in, &sa);
	if (err)
		return reply_err(r, err);
	memset(&st, 0, sizeof(st));
	err = r->ops->setattr(r->fs, &r->ctx, r->in.nodeid, &sa, &st, &timeout);
	return err ? reply_err(r, err) : reply_attr(r, &st, timeout);
}

uint32_t fuse_do_readlink(struct fuse_req_ctx *r)
{
	char buf[FUSE_SYMLINK_MAX];
	size_t len = 0;

	FUSE_NEED(r, readlink);
	int err = r->ops->readlink(r->fs, &r->ctx, r->in.nodeid, buf, sizeof(buf), &len);
	if (err)
		return reply_err(r, err);
	if (len > sizeof(buf))
		return reply_err(r, -EIO);
	return reply_data(r, buf, len);
}

uint32_t fuse_do_symlink(struct fuse_req_ctx *r)
{
	const char *name, *target;
	size_t used, tused;
	struct fs_entry e;

	FUSE_NEED(r, symlink);
	unsigned char secbuf[FUSE_SECCTX_BUF];
	struct fs_secctx sc;
	int err = name_at(r, 0, &name, &used);
	if (!err)
		err = fuse_take_string(r->arg + used, r->arg_len - used, FUSE_SYMLINK_MAX, &target,
				       &tused);
	if (!err)
		err = fuse_take_secctx(r, used + tused, secbuf, &sc);
	if (err)
		return reply_err(r, err);
	memset(&e, 0, sizeof(e));
	err = r->ops->symlink(r->fs, &r->ctx, r->in.nodeid, name, target, &e);
	return entry_result(r, err, &e);
}

uint32_t fuse_do_mknod(struct fuse_req_ctx *r)
{
	struct fuse_mknod_in in;
	const char *name;
	size_t used;
	struct fs_entry e;

	unsigned char secbuf[FUSE_SECCTX_BUF];
	struct fs_secctx sc;
	FUSE_NEED(r, mknod);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = name_at(r, sizeof(in), &name, &used);
	if (!err)
		err = fuse_take_secctx(r, sizeof(in) + used, secbuf, &sc);
	if (err)
		return reply_err(r, err);
	struct fs_create cr = { .mode = in.mode, .umask = in.umask, .rdev = in.rdev };
	memset(&e, 0, sizeof(e));
	err = r->ops->mknod(r->fs, &r->ctx, r->in.nodeid, name, &cr, &e);
	return entry_result(r, err, &e);
}

uint32_t fuse_do_mkdir(struct fuse_req_ctx *r)
{
	struct fuse_mkdir_in in;
	const char *name;
	size_t used;
	struct fs_entry e;

	unsigned char secbuf[FUSE_SECCTX_BUF];
	struct fs_secctx sc;
	FUSE_NEED(r, mkdir);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = name_at(r, sizeof(in), &name, &used);
	if (!err)
		err = fuse_take_secctx(r, sizeof(in) + used, secbuf, &sc);
	if (err)
		return reply_err(r, err);
	struct fs_create cr = { .mode = in.mode, .umask = in.umask };
	memset(&e, 0, sizeof(e));
	err = r->ops->mkdir(r->fs, &r->ctx, r->in.nodeid, name, &cr, &e);
	return entry_result(r, err, &e);
}

uint32_t fuse_do_unlink(struct fuse_req_ctx *r)
{
	const char *name;
	size_t used;

	FUSE_NEED(r, unlink);
	int err = name_at(r, 0, &name, &used);
	if (!err)
		err = r->ops->unlink(r->fs, &r->ctx, r->in.nodeid, name);
	return reply_err(r, err);
}

uint32_t fuse_do_rmdir(struct fuse_req_ctx *r)
{
	const char *name;
	size_t used;

	FUSE_NEED(r, rmdir);
	int err = name_at(r, 0, &name, &used);
	if (!err)
		err = r->ops->rmdir(r->fs, &r->ctx, r->in.nodeid, name);
	return reply_err(r, err);
}

/* RENAME and RENAME2: both names must be there, each a valid component. */
static uint32_t do_rename_common(struct fuse_req_ctx *r, size_t off, uint64_t newdir,
				 unsigned flags)
{
	const char *oldname, *newname;
	size_t used, used2;

	int err = name_at(r, off, &oldname, &used);
	if (!err)
		err = name_at(r, off + used, &newname, &used2);
	if (!err)
		err = r->ops->rename(r->fs, &r->ctx, r->in.nodeid, oldname, newdir, newname, flags);
	return reply_err(r, err);
}

uint32_t fuse_do_rename(struct fuse_req_ctx *r)
{
	struct fuse_rename_in in;

	FUSE_NEED(r, rename);
	fuse_arg(r, 0, &in, sizeof(in));
	return do_rename_common(r, sizeof(in), in.newdir, 0);
}

uint32_t fuse_do_rename2(struct fuse_req_ctx *r)
{
	struct fuse_rename2_in in;

	FUSE_NEED(r, rename);
	fuse_arg(r, 0, &in, sizeof(in));
	if (in.flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return reply_err(r, -EINVAL);
	return do_rename_common(r, sizeof(in), in.newdir, in.flags);
}

uint32_t fuse_do_link(struct fuse_req_ctx *r)
{
	struct fuse_link_in in;
	const char *name;
	size_t used;
	struct fs_entry e;

	FUSE_NEED(r, link);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = name_at(r, sizeof(in), &name, &used);
	if (err)
		return reply_err(r, err);
	memset(&e, 0, sizeof(e));
	err = r->ops->link(r->fs, &r->ctx, in.oldnodeid, r->in.nodeid, name, &e);
	return entry_result(r, err, &e);
}
