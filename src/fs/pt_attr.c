/* GETATTR, SETATTR, READLINK, STATFS, ACCESS, SYNCFS: calls on a node that
 * need no open handle. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "creds.h"
#include "submounts.h"

int pt_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, struct stat *st,
	       double *attr_timeout)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	r = stat_fd(n.fd, st, NULL);
	creds_owner_to_guest(&pt->creds, st);
	pt_node_put(pt, &n);
	*attr_timeout = pt->timeout;
	return r;
}

static int set_size(struct pt *pt, struct pt_node *n, struct handle *h, const struct fs_setattr *in)
{
	if (S_ISDIR(n->i->type))
		return -EISDIR;
	if (!S_ISREG(n->i->type))
		return -EINVAL;
	if (in->size < 0)
		return -EINVAL;
	int fd = h ? h->fd : inode_open(pt->proc_fd, n->i, O_WRONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	int r = ftruncate(fd, in->size) < 0 ? -errno : 0;
	if (r == 0)
		r = pt_drop_mapped_caps(pt, n, fd);
	if (!h)
		close(fd);
	return r;
}

static int set_times(struct pt_node *n, const struct fs_setattr *in)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
	if (in->valid & FATTR_ATIME)
		ts[0] = (in->valid & FATTR_ATIME_NOW) ? (struct timespec){ .tv_nsec = UTIME_NOW }
						       : in->atime;
	if (in->valid & FATTR_MTIME)
		ts[1] = (in->valid & FATTR_MTIME_NOW) ? (struct timespec){ .tv_nsec = UTIME_NOW }
						       : in->mtime;
	for (int k = 0; k < 2; k++)
		if (ts[k].tv_nsec != UTIME_NOW && ts[k].tv_nsec != UTIME_OMIT &&
		    (ts[k].tv_nsec < 0 || ts[k].tv_nsec >= 1000000000L))
			return -EINVAL;
	/* On the O_PATH fd itself: works for every type, symlinks included. */
	return utimensat(n->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int pt_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fs_setattr *in,
	       struct stat *st, double *attr_timeout)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	struct handle *h = NULL;
	if ((in->valid & FATTR_FH) && in->fh != FS_NO_FH) {
		h = handle_get(&pt->handles, in->fh, HANDLE_FILE);
		if (!h) {
			r = -EBADF;
			goto out;
		}
	}
	if (in->valid & FATTR_MODE) {
		char name[PROC_FD_NAME_LEN];
		proc_fd_name(n.fd, name);
		if (S_ISLNK(n.i->type))
			r = -EOPNOTSUPP; /* Linux has no symlink modes */
		else if (fchmodat(pt->proc_fd, name, in->mode & 07777, 0) < 0)
			r = -errno;
		if (r < 0)
			goto out;
	}
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = (in->valid & FATTR_UID) ? in->uid : (uid_t)-1;
		gid_t gid = (in->valid & FATTR_GID) ? in->gid : (gid_t)-1;
		r = creds_owner_to_host(&pt->creds, &uid, &gid);
		if (r == 0)
			r = pt_drop_mapped_caps(pt, &n, h ? h->fd : -1);
		if (r < 0)
			goto out;
		if (fchownat(n.fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			goto out;
		}
	}
	if (in->valid & FATTR_SIZE) {
		r = set_size(pt, &n, h, in);
		if (r < 0)
			goto out;
	}
	if (in->valid & (FATTR_ATIME | FATTR_MTIME)) {
		r = set_times(&n, in);
		if (r < 0)
			goto out;
	}
	/* FATTR_KILL_SUIDGID (killpriv_v2): the guest's caller lacked
	 * CAP_FSETID but the daemon has it, so the host kernel keeps what the
	 * guest's would drop (setgid on chown, both bits on truncate).  An
	 * explicit new mode already says what the guest wants. */
	if (in->kill_suidgid && !(in->valid & FATTR_MODE) && S_ISREG(n.i->type)) {
		r = pt_kill_suidgid(pt, n.fd);
		if (r < 0)
			goto out;
	}
	/* FATTR_CTIME: the host sets ctime itself on any change above. */
	r = stat_fd(n.fd, st, NULL);
	creds_owner_to_guest(&pt->creds, st);
	*attr_timeout = pt->timeout;
out:
	handle_put(&pt->handles, h);
	pt_node_put(pt, &n);
	return r;
}

int pt_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
		size_t *len)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	if (!S_ISLNK(n.i->type)) {
		r = -EINVAL;
	} else {
		ssize_t l = readlinkat(n.fd, "", buf, size);
		if (l < 0)
			r = -errno;
		else
			*len = (size_t)l;
	}
	pt_node_put(pt, &n);
	return r;
}

int pt_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct statvfs *st)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	r = fstatvfs(n.fd, st) < 0 ? -errno : 0;
	pt_node_put(pt, &n);
	return r;
}

int pt_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, int mask)
{
	struct pt *pt = fs;
	if (mask & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(n.fd, name);
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r == 0) {
		/* AT_EACCESS: the effective ids, which are the guest's now. */
		r = faccessat(pt->proc_fd, name, mask, AT_EACCESS) < 0 ? -errno : 0;
		creds_leave(&cs);
	}
	pt_node_put(pt, &n);
	return r;
}

/* Sync one filesystem through an inode on it: syncfs() needs a real open
 * fd, so only directories and regular files can serve. */
static int sync_one(struct pt *pt, struct inode *i)
{
	int flags;
	if (S_ISDIR(i->type))
		flags = O_RDONLY | O_DIRECTORY;
	else if (S_ISREG(i->type))
		flags = O_RDONLY | O_NONBLOCK;
	else
		return 0;
	int pfd = inode_get_fd(&pt->inodes, i);
	if (pfd < 0)
		return pfd;
	int fd = inode_open(pt->proc_fd, i, flags);
	inode_put_fd(&pt->inodes, i, pfd);
	if (fd < 0)
		return fd;
	int r = syncfs(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int pt_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	struct pt *pt = fs;
	size_t n;
	struct inode **all = inode_table_one_per_mount(&pt->inodes, &n);
	if (!all)
		return -ENOMEM;
	int r = 0;
	for (size_t k = 0; k < n; k++) {
		int rk = sync_one(pt, all[k]);
		if (rk < 0 && r == 0)
			r = rk;
		inode_table_put(&pt->inodes, all[k]);
	}
	free(all);
	return r;
}
