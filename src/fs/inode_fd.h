/* How an inode record yields a host descriptor.  A record's O_PATH fd may
 * be evicted from the bounded fd cache; inode_get_fd() then finds the
 * inode again (by file handle, or by the name it was last found under in
 * its parent) and checks it is the same inode: (st_ino, st_dev, mount id)
 * and, when the filesystem makes handles, the handle, which encodes the
 * inode generation.  Anything else answers ESTALE; another file is never
 * opened in its place.
 *
 * Callers borrow the fd with inode_get_fd() (it stays open and is not
 * evicted until inode_put_fd()) and never keep it past the request. */
#ifndef FS_INODE_FD_H
#define FS_INODE_FD_H

#include "inode_table.h"

/* An O_PATH descriptor for i (>= 0), or -errno (-ESTALE: the inode cannot
 * be found again). */
int inode_get_fd(struct inode_table *t, struct inode *i);
void inode_put_fd(struct inode_table *t, struct inode *i, int fd);

/* "N" for /proc/self/fd/N. */
#define PROC_FD_NAME_LEN 16
void proc_fd_name(int fd, char buf[PROC_FD_NAME_LEN]);

/* A real open of i (regular file or directory) with open(2) flags, through
 * /proc/self/fd (proc_fd is that directory); the flags are used as given
 * plus O_CLOEXEC.  The caller holds a borrowed fd of i (inode_get_fd).
 * Returns the fd or -errno. */
int inode_open(int proc_fd, struct inode *i, int flags);

/* Whether open_by_handle_at works for the inode fd names (the probe of
 * --inode-file-handles): 0, or -errno. */
int inode_fd_probe_handles(int fd);

#endif
