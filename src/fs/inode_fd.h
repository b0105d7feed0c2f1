/* How an inode record yields a host descriptor.  Today every record holds
 * an O_PATH fd; later the descriptor may be evicted and found again (file
 * handle, or parent + name verified by the key).  Callers therefore borrow
 * it with inode_get_fd() and give it back with inode_put_fd(), and never
 * keep it past the request. */
#ifndef FS_INODE_FD_H
#define FS_INODE_FD_H

#include "inode_table.h"

/* An O_PATH descriptor for i (>= 0), or -errno. */
int inode_get_fd(struct inode *i);
void inode_put_fd(struct inode *i, int fd);

/* "N" for /proc/self/fd/N. */
#define PROC_FD_NAME_LEN 16
void proc_fd_name(int fd, char buf[PROC_FD_NAME_LEN]);

/* A real open of i (regular file or directory) with open(2) flags, through
 * /proc/self/fd (proc_fd is that directory); the flags are used as given
 * plus O_CLOEXEC.  Returns the fd or -errno. */
int inode_open(int proc_fd, struct inode *i, int flags);

#endif
