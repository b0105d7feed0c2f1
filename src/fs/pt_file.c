/* OPEN and the calls on an open file handle other than READ/WRITE and
 * locks: FLUSH, RELEASE, FSYNC, FALLOCATE, LSEEK, COPY_FILE_RANGE. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"

int pt_open(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	/* Only regular files are opened here (directories go through
	 * OPENDIR); see passthrough.c for the errno of other types. */
	if (S_ISDIR(n.i->type))
		r = -EISDIR;
	else if (S_ISLNK(n.i->type))
		r = -ELOOP;
	else if (!S_ISREG(n.i->type))
		r = -ENXIO;
	int hflags = r < 0 ? r : pt_open_flags(pt, flags);
	if (hflags < 0) {
		pt_node_put(pt, &n);
		return hflags;
	}
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r == 0) {
		r = inode_open(pt->proc_fd, n.i, hflags & ~O_DIRECTORY);
		creds_leave(&cs);
	}
	pt_node_put(pt, &n);
	if (r < 0)
		return r;
	int fd = r;
	/* FUSE_OPEN_KILL_SUIDGID: the open truncates on behalf of a caller
	 * without CAP_FSETID.  The guest kernel sends it with O_TRUNC only;
	 * honoured without, it would let a read-only open (all --readonly
	 * lets through) change the file's mode. */
	r = c->kill_suidgid && (hflags & O_TRUNC) ? pt_kill_suidgid(pt, fd) : 0;
	if (r == 0 && (hflags & O_TRUNC))
		r = pt_drop_mapped_caps(pt, NULL, fd);
	/* Before the handle owns fd: a guessed fh could close it. */
	o->open_flags = r == 0 ? pt_fopen_flags(pt, fd) : 0;
	if (r == 0)
		r = handle_new(&pt->handles, HANDLE_FILE, fd, NULL, NULL, &o->fh);
	if (r < 0) {
		close(fd);
		return r;
	}
	return 0;
}

int pt_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t lock_owner)
{
	struct pt *pt = fs;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	pt_locks_flush(pt, nodeid, lock_owner);
	/* Closing a duplicate is what close(2) in the guest means to the host:
	 * it reports delayed write errors (NFS) without ending the open file. */
	int r = 0, fd = dup(h->fd);
	if (fd < 0)
		r = -errno;
	else if (close(fd) < 0 && errno != EINTR)
		r = -errno;
	handle_put(&pt->handles, h);
	return r;
}

int pt_release(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int flags,
	       uint64_t lock_owner, bool flock_release)
{
	struct pt *pt = fs;
	struct handle *h = handle_remove(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	if (flock_release)
		flock(h->fd, LOCK_UN);
	handle_put(&pt->handles, h); /* closes once no request uses it */
	return 0;
}

int pt_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync)
{
	struct pt *pt = fs;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	int r = (datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
	handle_put(&pt->handles, h);
	return r;
}

int pt_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int mode,
		 off_t off, off_t len)
{
	struct pt *pt = fs;
	if (off < 0 || len <= 0)
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	/* As the kernel drops the real security.capability. */
	int r = pt_drop_mapped_caps(pt, NULL, h->fd);
	if (r == 0 && fallocate(h->fd, mode, off, len) < 0)
		r = -errno;
	handle_put(&pt->handles, h);
	return r;
}

int pt_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
	     int whence, off_t *result)
{
	struct pt *pt = fs;
	/* The host file position is shared by every request on the handle
	 * and means nothing to the guest: only absolute answers make sense. */
	if (whence != SEEK_SET && whence != SEEK_END && whence != SEEK_DATA && whence != SEEK_HOLE)
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	off_t r = lseek(h->fd, off, whence);
	int err = r < 0 ? -errno : 0;
	handle_put(&pt->handles, h);
	if (err)
		return err;
	*result = r;
	return 0;
}

int pt_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodein, uint64_t fhin,
		       off_t offin, uint64_t nodeout, uint64_t fhout, off_t offout, size_t len,
		       unsigned flags, size_t *done)
{
	struct pt *pt = fs;
	*done = 0;
	if (flags != 0 || offin < 0 || offout < 0)
		return -EINVAL;
	struct handle *hin = handle_get(&pt->handles, fhin, HANDLE_FILE);
	struct handle *hout = handle_get(&pt->handles, fhout, HANDLE_FILE);
	int r = -EBADF;
	if (hin && hout)
		r = pt_drop_mapped_caps(pt, NULL, hout->fd);
	if (r == 0) {
		loff_t oi = offin, oo = offout;
		ssize_t n = copy_file_range(hin->fd, &oi, hout->fd, &oo, len, 0);
		if (n < 0)
			r = -errno;
		else
			*done = (size_t)n;
	}
	handle_put(&pt->handles, hout);
	handle_put(&pt->handles, hin);
	return r;
}
