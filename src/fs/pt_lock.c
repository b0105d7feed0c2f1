/* GETLK / SETLK / SETLKW, and the end of an owner's locks at FLUSH.
 *
 * POSIX locks (with -o posix_lock agreed) become open-file-description
 * (OFD) locks on a description of the file opened for the lock owner
 * alone (lock_owners.h says why that is POSIX's semantics), a HANDLE_LOCK
 * handle, so it counts against the guest's share of the descriptors.  It
 * is opened read-write whatever the handle the first lock came through,
 * because the owner's later locks share it: a process that read-locks
 * through a read-only descriptor may then write-lock through a writable
 * one (the guest kernel has already checked each descriptor's access
 * against its lock type, and the description never reads or writes).
 * Only where read-write cannot be had (a read-only filesystem, a running
 * executable, a lease held elsewhere, no permission) or must not be
 * (--readonly, where every handle and lock reads) does it take the
 * handle's access, and an owner whose later lock needs more gets EBADF.
 * flock() locks go to flock() on the handle's own fd.
 * Nothing here ever waits: a request blocked on a lock would stall its
 * queue, and the unlock that would free it may sit behind it in the same
 * queue.  Waiting elsewhere would not do either: the guest cannot take a
 * sent request back (virtio-fs drops FUSE_INTERRUPT, still in Linux 6.12),
 * so its process would sleep unkillable until the holder, perhaps a host
 * process, let go.  So SETLKW (sleep) tries once and answers EOPNOTSUPP
 * when the lock is held elsewhere; SETLK answers EAGAIN as fcntl(2) does. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock_owners.h"

static bool valid_lock(const struct flock *lk, bool is_flock)
{
	if (lk->l_type != F_RDLCK && lk->l_type != F_WRLCK && lk->l_type != F_UNLCK)
		return false;
	return is_flock || (lk->l_whence == SEEK_SET && lk->l_start >= 0);
}

/* A new description of the file fd is open on, for an owner's locks.
 * O_NONBLOCK: a lease held elsewhere makes the read-write open fail at
 * once instead of waiting out the lease break. */
static int open_lock_ofd(struct pt *pt, int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(fd, name);
	int r = -1;
	if (!pt->opt.read_only)
		r = openat(pt->proc_fd, name, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (r < 0)
		r = openat(pt->proc_fd, name, (fl & O_ACCMODE) | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

/* The HANDLE_LOCK of owner on nodeid, with a ref (handle_put it).  When it
 * has none: opened from file's fd and recorded if create, else NULL with
 * *err 0.  NULL and *err < 0 on failure. */
static struct handle *owner_ofd(struct pt *pt, uint64_t nodeid, uint64_t owner,
				const struct handle *file, bool create, int *err)
{
	*err = 0;
	uint64_t got;
	struct handle *h = lock_owners_get(&pt->locks, &pt->handles, nodeid, owner, 0, &got);
	if (h || !create)
		return h;
	/* Opened outside the map's lock, which every lock request takes. */
	int fd = open_lock_ofd(pt, file->fd);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	uint64_t fh;
	int r = handle_new(&pt->handles, HANDLE_LOCK, fd, NULL, NULL, &fh);
	if (r < 0) {
		close(fd);
		*err = r == -EMFILE ? -ENOLCK : r;
		return NULL;
	}
	h = lock_owners_get(&pt->locks, &pt->handles, nodeid, owner, fh, &got);
	if (got != fh) /* another request of the owner was first, or ENOMEM */
		handle_put(&pt->handles, handle_remove(&pt->handles, fh, HANDLE_LOCK));
	if (!h)
		*err = -ENOLCK;
	return h;
}

int pt_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
	     struct flock *lk)
{
	struct pt *pt = fs;
	if (!pt->posix_locks)
		return -ENOSYS;
	if (!valid_lock(lk, false))
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	/* Asked through the owner's own description its locks do not
	 * conflict; an owner without one holds none, and the handle's fd
	 * never holds POSIX locks. */
	int r;
	struct handle *o = owner_ofd(pt, nodeid, owner, h, false, &r);
	struct flock l = *lk;
	l.l_pid = 0; /* required by F_OFD_GETLK */
	if (r == 0)
		r = fcntl(o ? o->fd : h->fd, F_OFD_GETLK, &l) < 0 ? -errno : 0;
	handle_put(&pt->handles, o);
	handle_put(&pt->handles, h);
	if (r == 0) {
		if (l.l_pid < 0)
			l.l_pid = 0; /* an OFD holder has no pid */
		*lk = l;
	}
	return r;
}

static int do_flock(int fd, short type)
{
	int op = type == F_RDLCK ? LOCK_SH : type == F_WRLCK ? LOCK_EX : LOCK_UN;
	return flock(fd, op | LOCK_NB) < 0 ? -errno : 0;
}

/* A lock held elsewhere: EAGAIN as fcntl(2) says, or for SETLKW, which
 * would have to wait, EOPNOTSUPP. */
static int held_elsewhere(int r, bool sleep)
{
	if (r == -EWOULDBLOCK || r == -EACCES)
		return sleep ? -EOPNOTSUPP : -EAGAIN;
	return r;
}

int pt_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
	     const struct flock *lk, bool sleep, bool is_flock)
{
	struct pt *pt = fs;
	if (!is_flock && !pt->posix_locks)
		return -ENOSYS;
	if (!valid_lock(lk, is_flock))
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	int r;
	if (is_flock) {
		r = held_elsewhere(do_flock(h->fd, lk->l_type), sleep);
	} else {
		/* An unlock by an owner holding nothing has nothing to do. */
		struct handle *o = owner_ofd(pt, nodeid, owner, h, lk->l_type != F_UNLCK, &r);
		struct flock l = *lk;
		l.l_pid = 0;
		if (o)
			r = held_elsewhere(fcntl(o->fd, F_OFD_SETLK, &l) < 0 ? -errno : 0, sleep);
		handle_put(&pt->handles, o);
	}
	handle_put(&pt->handles, h);
	return r;
}

void pt_locks_flush(struct pt *pt, uint64_t nodeid, uint64_t owner)
{
	uint64_t fh = lock_owners_remove(&pt->locks, nodeid, owner);
	if (fh) /* closed, and the owner's locks with it, once no SETLK uses it */
		handle_put(&pt->handles, handle_remove(&pt->handles, fh, HANDLE_LOCK));
}
