/* The only place (with inode_table.c) that knows a record holds an fd. */
#include "inode_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int inode_get_fd(struct inode *i)
{
	return i->fd_ >= 0 ? i->fd_ : -EBADF;
}

void inode_put_fd(struct inode *i, int fd)
{
	(void)i;
	(void)fd; /* nothing to do while records keep their fd open */
}

void proc_fd_name(int fd, char buf[PROC_FD_NAME_LEN])
{
	snprintf(buf, PROC_FD_NAME_LEN, "%d", fd);
}

int inode_open(int proc_fd, struct inode *i, int flags)
{
	int fd = inode_get_fd(i);
	if (fd < 0)
		return fd;
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(fd, name);
	/* The magic link is a symlink: O_NOFOLLOW would refuse it (ELOOP). */
	int r = openat(proc_fd, name, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	int err = errno;
	inode_put_fd(i, fd);
	return r >= 0 ? r : -err;
}
