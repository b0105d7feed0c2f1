/* READ and WRITE: preadv/pwritev straight between the file and the guest's
 * buffers, looping over short transfers. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iov_cursor.h"

int pt_kill_suidgid(struct pt *pt, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* The kernel's rule (should_remove_suid): setuid always goes, setgid
	 * only with group-execute (without it the bit means mandatory locking). */
	mode_t kill = 0;
	if (st.st_mode & S_ISUID)
		kill |= S_ISUID;
	if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		kill |= S_ISGID;
	if (!kill || !S_ISREG(st.st_mode))
		return 0;
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(fd, name);
	if (fchmodat(pt->proc_fd, name, st.st_mode & 07777 & ~kill, 0) < 0)
		return -errno;
	return 0;
}

int pt_read(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
	    size_t size, const struct iovec *iov, int iovcnt, size_t *done)
{
	struct pt *pt = fs;
	*done = 0;
	if (off < 0)
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	struct iov_cursor cur;
	int r = iov_cursor_init(&cur, iov, iovcnt, size);
	while (r == 0 && cur.left) {
		ssize_t n = preadv(h->fd, cur.v, iov_cursor_batch(&cur), off + (off_t)*done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Report what was read; the error shows on the next call. */
			if (*done == 0)
				r = -errno;
			break;
		}
		if (n == 0)
			break; /* end of file */
		*done += (size_t)n;
		iov_cursor_advance(&cur, (size_t)n);
	}
	iov_cursor_fini(&cur);
	handle_put(&pt->handles, h);
	return r;
}

int pt_write(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
	     const struct iovec *iov, int iovcnt, bool kill_priv, size_t *done)
{
	struct pt *pt = fs;
	*done = 0;
	if (off < 0)
		return -EINVAL;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_FILE);
	if (!h)
		return -EBADF;
	struct iov_cursor cur;
	int r = iov_cursor_init(&cur, iov, iovcnt, SIZE_MAX);
	/* The daemon writes with CAP_FSETID, so the host kernel would keep
	 * setuid/setgid: drop them first, as the kernel does for a writer
	 * without the capability. */
	if (r == 0 && kill_priv)
		r = pt_kill_suidgid(pt, h->fd);
	/* The host kernel drops security.capability on any write, but not
	 * the name --xattrmap stores it under. */
	if (r == 0)
		r = pt_drop_mapped_caps(pt, NULL, h->fd);
	while (r == 0 && cur.left) {
		ssize_t n = pwritev(h->fd, cur.v, iov_cursor_batch(&cur), off + (off_t)*done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (*done == 0)
				r = -errno;
			break;
		}
		if (n == 0)
			break;
		*done += (size_t)n;
		iov_cursor_advance(&cur, (size_t)n);
	}
	iov_cursor_fini(&cur);
	handle_put(&pt->handles, h);
	return r;
}
