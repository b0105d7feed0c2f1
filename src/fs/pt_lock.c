/* GETLK / SETLK / SETLKW.
 *
 * POSIX locks become open-file-description (OFD) locks on the handle's fd:
 * every guest lock owner using one handle shares the host lock (the
 * handle is one open file description).  flock() locks go to flock().
 * Nothing here ever waits: a request blocked on a lock would stall its
 * queue, and the unlock that would free it may sit behind it in the same
 * queue.  So SETLKW (sleep) tries once and answers EOPNOTSUPP when the
 * lock is held elsewhere; SETLK answers EAGAIN as fcntl(2) does. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

static bool valid_lock(const struct flock *lk, bool is_flock)
{
	if (lk->l_type != F_RDLCK && lk->l_type != F_WRLCK && lk->l_type != F_UNLCK)
		return false;
	return is_flock || (lk->l_whence == SEEK_SET && lk->l_start >= 0);
}

int pt_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
	     struct flock *lk)
{
	struct pt *pt = fs;
	if (!valid_lock(lk, false))
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	struct flock l = *lk;
	l.l_pid = 0; /* required by F_OFD_GETLK */
	int r = fcntl(h->fd, F_OFD_GETLK, &l) < 0 ? -errno : 0;
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

int pt_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
	     const struct flock *lk, bool sleep, bool is_flock)
{
	struct pt *pt = fs;
	if (!valid_lock(lk, is_flock))
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	int r;
	if (is_flock) {
		r = do_flock(h->fd, lk->l_type);
	} else {
		struct flock l = *lk;
		l.l_pid = 0;
		r = fcntl(h->fd, F_OFD_SETLK, &l) < 0 ? -errno : 0;
	}
	handle_put(&pt->handles, h);
	if (r == -EWOULDBLOCK || r == -EACCES)
		r = sleep ? -EOPNOTSUPP : -EAGAIN;
	return r;
}
