/* The rest: STATFS, ACCESS, SYNCFS, INTERRUPT. */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>

uint32_t fuse_do_statfs(struct fuse_req_ctx *r)
{
	struct statvfs sv;
	struct fuse_statfs_out out;

	FUSE_NEED(r, statfs);
	memset(&sv, 0, sizeof(sv));
	int err = r->ops->statfs(r->fs, &r->ctx, r->in.nodeid, &sv);
	if (err)
		return reply_err(r, err);
	memset(&out, 0, sizeof(out));
	out.st.blocks = sv.f_blocks;
	out.st.bfree = sv.f_bfree;
	out.st.bavail = sv.f_bavail;
	out.st.files = sv.f_files;
	out.st.ffree = sv.f_ffree;
	out.st.bsize = (uint32_t)sv.f_bsize;
	out.st.namelen = (uint32_t)sv.f_namemax;
	out.st.frsize = (uint32_t)sv.f_frsize;
	return reply_buf(r, &out, sizeof(out), NULL, 0);
}

uint32_t fuse_do_access(struct fuse_req_ctx *r)
{
	struct fuse_access_in in;

	FUSE_NEED(r, access);
	fuse_arg(r, 0, &in, sizeof(in));
	return reply_err(r, r->ops->access(r->fs, &r->ctx, r->in.nodeid, (int)in.mask));
}

uint32_t fuse_do_syncfs(struct fuse_req_ctx *r)
{
	FUSE_NEED(r, syncfs);
	return reply_err(r, r->ops->syncfs(r->fs, &r->ctx, r->in.nodeid));
}

uint32_t fuse_do_interrupt(struct fuse_req_ctx *r)
{
	/* Every request is served to completion before the thread takes the
	 * next one, so there is nothing in flight to interrupt; and the guest
	 * expects no answer. */
	return reply_none(r);
}
