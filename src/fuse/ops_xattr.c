/* Extended attributes: SETXATTR / GETXATTR / LISTXATTR / REMOVEXATTR
 * (Linux fs/fuse/xattr.c).  FUSE_SETXATTR_EXT is never agreed, so
 * SETXATTR carries the short 8-byte fuse_setxattr_in. */
#include "fuse_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define XATTR_STACK_BUF 4096

/* An xattr name at argument offset off; Linux answers ERANGE for an empty
 * or too long one. */
static int xattr_name_at(const struct fuse_req_ctx *r, size_t off, const char **name,
			 size_t *used)
{
	if (off > r->arg_len)
		return -EINVAL;
	int err = fuse_take_string(r->arg + off, r->arg_len - off, FUSE_XATTR_NAME_MAX + 1, name,
				   used);
	if (err == -ENAMETOOLONG || (!err && *used == 1))
		return -ERANGE;
	return err;
}

uint32_t fuse_do_setxattr(struct fuse_req_ctx *r)
{
	struct fuse_setxattr_in in;
	const char *name;
	size_t used;
	void *heap = NULL;
	const void *value;

	FUSE_NEED(r, setxattr);
	memset(&in, 0, sizeof(in));
	fuse_arg(r, 0, &in, FUSE_COMPAT_SETXATTR_IN_SIZE);
	int err = xattr_name_at(r, FUSE_COMPAT_SETXATTR_IN_SIZE, &name, &used);
	if (err)
		return reply_err(r, err);
	if (in.size > FUSE_XATTR_SIZE_MAX)
		return reply_err(r, -E2BIG);
	size_t voff = FUSE_COMPAT_SETXATTR_IN_SIZE + used;
	if (in.size > r->arg_total - voff)
		return reply_err(r, -EINVAL);
	if (in.size <= r->arg_len - voff) {
		value = r->arg + voff; /* already gathered */
	} else {
		struct iov_cur c = r->rd;

		heap = malloc(in.size);
		if (!heap)
			return reply_err(r, -ENOMEM);
		iovc_skip(&c, voff);
		if (iovc_read(&c, heap, in.size) != in.size) {
			free(heap);
			return reply_err(r, -EINVAL);
		}
		value = heap;
	}
	err = r->ops->setxattr(r->fs, &r->ctx, r->in.nodeid, name, value, in.size, (int)in.flags);
	free(heap);
	return reply_err(r, err);
}

/* GETXATTR and LISTXATTR share the answer: size 0 asks for the length,
 * otherwise the data, at most size bytes (the filesystem says ERANGE). */
static uint32_t xattr_answer(struct fuse_req_ctx *r, uint32_t size, const char *name)
{
	char stack[XATTR_STACK_BUF];
	size_t len = 0;
	int err;

	if (size == 0) {
		err = name ? r->ops->getxattr(r->fs, &r->ctx, r->in.nodeid, name, NULL, 0, &len)
			   : r->ops->listxattr(r->fs, &r->ctx, r->in.nodeid, NULL, 0, &len);
		if (err)
			return reply_err(r, err);
		if (len > UINT32_MAX)
			return reply_err(r, -E2BIG);
		struct fuse_getxattr_out out = { .size = (uint32_t)len };
		return reply_buf(r, &out, sizeof(out), NULL, 0);
	}

	size_t room = r->wr_len - sizeof(struct fuse_out_header);
	size_t bufsize = size < room ? size : room;
	if (bufsize > FUSE_XATTR_SIZE_MAX)
		bufsize = FUSE_XATTR_SIZE_MAX;
	char *buf = bufsize <= sizeof(stack) ? stack : malloc(bufsize);
	if (!buf)
		return reply_err(r, -ENOMEM);
	err = name ? r->ops->getxattr(r->fs, &r->ctx, r->in.nodeid, name, buf, bufsize, &len)
		   : r->ops->listxattr(r->fs, &r->ctx, r->in.nodeid, buf, bufsize, &len);
	uint32_t ret;
	if (err)
		ret = reply_err(r, err);
	else if (len > bufsize)
		ret = reply_err(r, -ERANGE);
	else
		ret = reply_data(r, buf, len);
	if (buf != stack)
		free(buf);
	return ret;
}

uint32_t fuse_do_getxattr(struct fuse_req_ctx *r)
{
	struct fuse_getxattr_in in;
	const char *name;
	size_t used;

	FUSE_NEED(r, getxattr);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = xattr_name_at(r, sizeof(in), &name, &used);
	if (err)
		return reply_err(r, err);
	return xattr_answer(r, in.size, name);
}

uint32_t fuse_do_listxattr(struct fuse_req_ctx *r)
{
	struct fuse_getxattr_in in;

	FUSE_NEED(r, listxattr);
	fuse_arg(r, 0, &in, sizeof(in));
	return xattr_answer(r, in.size, NULL);
}

uint32_t fuse_do_removexattr(struct fuse_req_ctx *r)
{
	const char *name;
	size_t used;

	FUSE_NEED(r, removexattr);
	int err = xattr_name_at(r, 0, &name, &used);
	if (!err)
		err = r->ops->removexattr(r->fs, &r->ctx, r->in.nodeid, name);
	return reply_err(r, err);
}
