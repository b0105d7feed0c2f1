#include "readonly.h"

#include <errno.h>
#include <fcntl.h>

static const struct fs_ops *inner_ops;
static struct fs_ops ro;

static int refuse_setattr(void *fs, const struct fs_ctx *c, uint64_t n, const struct fs_setattr *in,
			  struct stat *st, double *t)
{
	return -EROFS;
}

static int refuse_mknod(void *fs, const struct fs_ctx *c, uint64_t p, const char *name,
			const struct fs_create *cr, struct fs_entry *e)
{
	return -EROFS;
}

static int refuse_symlink(void *fs, const struct fs_ctx *c, uint64_t p, const char *name,
			  const char *target, struct fs_entry *e)
{
	return -EROFS;
}

static int refuse_link(void *fs, const struct fs_ctx *c, uint64_t n, uint64_t np, const char *name,
		       struct fs_entry *e)
{
	return -EROFS;
}

static int refuse_remove(void *fs, const struct fs_ctx *c, uint64_t p, const char *name)
{
	return -EROFS;
}

static int refuse_rename(void *fs, const struct fs_ctx *c, uint64_t p, const char *name,
			 uint64_t np, const char *newname, unsigned flags)
{
	return -EROFS;
}

static int refuse_create(void *fs, const struct fs_ctx *c, uint64_t p, const char *name,
			 const struct fs_create *cr, struct fs_entry *e, struct fs_open *o)
{
	return -EROFS;
}

static int refuse_tmpfile(void *fs, const struct fs_ctx *c, uint64_t p, const struct fs_create *cr,
			  struct fs_entry *e, struct fs_open *o)
{
	return -EROFS;
}

static int refuse_write(void *fs, const struct fs_ctx *c, uint64_t n, uint64_t fh, off_t off,
			const struct iovec *iov, int iovcnt, bool kill_priv, size_t *done)
{
	return -EROFS;
}

static int refuse_setxattr(void *fs, const struct fs_ctx *c, uint64_t n, const char *name,
			   const void *value, size_t size, int flags)
{
	return -EROFS;
}

static int refuse_removexattr(void *fs, const struct fs_ctx *c, uint64_t n, const char *name)
{
	return -EROFS;
}

static int refuse_fallocate(void *fs, const struct fs_ctx *c, uint64_t n, uint64_t fh, int mode,
			    off_t off, off_t len)
{
	return -EROFS;
}

static int refuse_copy(void *fs, const struct fs_ctx *c, uint64_t ni, uint64_t fhi, off_t offi,
		       uint64_t no, uint64_t fho, off_t offo, size_t len, unsigned flags, size_t *done)
{
	return -EROFS;
}

/* Opening for writing or truncating would modify; reading is fine. */
static int ro_open(void *fs, const struct fs_ctx *c, uint64_t n, int flags, struct fs_open *o)
{
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EROFS;
	return inner_ops->open(fs, c, n, flags, o);
}

/* A guest asks write access through ACCESS before it tries: say no early. */
static int ro_access(void *fs, const struct fs_ctx *c, uint64_t n, int mask)
{
	if (mask & W_OK)
		return -EROFS;
	return inner_ops->access ? inner_ops->access(fs, c, n, mask) : -ENOSYS;
}

const struct fs_ops *readonly_ops(const struct fs_ops *inner)
{
	inner_ops = inner;
	ro = *inner;
	ro.setattr = refuse_setattr;
	ro.mknod = refuse_mknod;
	ro.mkdir = refuse_mknod;
	ro.symlink = refuse_symlink;
	ro.link = refuse_link;
	ro.unlink = refuse_remove;
	ro.rmdir = refuse_remove;
	ro.rename = refuse_rename;
	ro.create = refuse_create;
	ro.tmpfile = refuse_tmpfile;
	ro.write = refuse_write;
	ro.setxattr = refuse_setxattr;
	ro.removexattr = refuse_removexattr;
	ro.fallocate = refuse_fallocate;
	ro.copy_file_range = refuse_copy;
	ro.open = inner->open ? ro_open : NULL;
	ro.access = ro_access;
	return &ro;
}
