/* The passthrough filesystem: setup, INIT/DESTROY, the ops table and the
 * policies every handler shares (node lookup, open flags, cache flags).
 *
 * Choices made here:
 * - An unknown nodeid is answered with EBADF (as the Rust virtiofsd does);
 *   an unknown or wrong-kind fh with EBADF too.
 * - Only regular files and directories are ever opened on the host.  OPEN
 *   of a FIFO, socket or device node is refused with ENXIO (the guest
 *   kernel serves those itself and never sends OPEN for them), of a
 *   symlink with ELOOP. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "creds.h"
#include "log/log.h"
#include "submounts.h"

int pt_node_get(struct pt *pt, uint64_t nodeid, struct pt_node *n)
{
	n->i = inode_table_get(&pt->inodes, nodeid);
	if (!n->i)
		return -EBADF;
	n->fd = inode_get_fd(&pt->inodes, n->i);
	if (n->fd < 0) {
		int r = n->fd;
		inode_table_put(&pt->inodes, n->i);
		n->i = NULL;
		return r;
	}
	return 0;
}

void pt_node_put(struct pt *pt, struct pt_node *n)
{
	if (!n->i)
		return;
	inode_put_fd(&pt->inodes, n->i, n->fd);
	inode_table_put(&pt->inodes, n->i);
	n->i = NULL;
	n->fd = -1;
}

/* Flags a guest may ask for on an existing file.  O_CREAT/O_EXCL (never
 * sent), O_TMPFILE (it would create a file in a directory), O_PATH,
 * O_NOCTTY and O_NOFOLLOW (the /proc magic link is itself a symlink) are
 * dropped. */
#define GUEST_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | \
			  O_LARGEFILE | O_NOATIME | O_TRUNC | O_DIRECTORY)

int pt_open_flags(const struct pt *pt, int flags)
{
	flags &= GUEST_OPEN_FLAGS;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (!pt->opt.allow_direct_io)
		flags &= ~O_DIRECT;
	if (!pt->opt.preserve_noatime)
		flags &= ~O_NOATIME;
	/* With the writeback cache the guest writes whole pages at offsets:
	 * it may read back to fill a page, and O_APPEND would misplace data. */
	if (pt->writeback) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags;
}

/* Filesystems whose regular files have no flush method on the host: there
 * closing a duplicate (FLUSH) does nothing (the daemon's POSIX locks are
 * OFD locks, which a close of another descriptor keeps).  Not NFS, CIFS, FUSE, 9p, ceph (they report delayed write errors
 * at close), overlayfs (it forwards to a layer of any kind), f2fs (atomic
 * writes end at close), nor anything unknown. */
bool pt_close_is_noop_fs(long f_type)
{
	switch (f_type) {
	case EXT4_SUPER_MAGIC: /* ext2 and ext3 too */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case RAMFS_MAGIC:
		return true;
	default:
		return false;
	}
}

/* FOPEN_NOFLUSH spares the guest a round trip on every close(2) (the kernel
 * ignores it under the writeback cache, where close must write back).  Only
 * when FLUSH would do nothing here: no POSIX locks kept on the host for the
 * guest, which FLUSH releases, and a filesystem without a flush method. */
static bool flush_is_noop(const struct pt *pt, int fd)
{
	struct statfs sf;
	if (pt->posix_locks || pt->writeback)
		return false;
	return fstatfs(fd, &sf) == 0 && pt_close_is_noop_fs((long)sf.f_type);
}

uint32_t pt_fopen_flags(const struct pt *pt, int fd)
{
	bool dir = fd < 0;
	uint32_t f = !dir && flush_is_noop(pt, fd) ? FOPEN_NOFLUSH : 0;
	switch (pt->opt.cache) {
	case CACHE_NEVER:
	case CACHE_METADATA:
		return f | (dir ? 0 : FOPEN_DIRECT_IO);
	case CACHE_ALWAYS:
		return f | (dir ? FOPEN_CACHE_DIR : FOPEN_KEEP_CACHE);
	case CACHE_AUTO:
	default:
		return f;
	}
}

mode_t pt_create_mode(const struct pt *pt, mode_t mode, mode_t umask)
{
	/* With POSIX ACLs agreed the guest sent the mode unmasked
	 * (FUSE_DONT_MASK): the host kernel applies the guest's umask unless
	 * the parent has a default ACL.  Otherwise the guest's umask is
	 * applied here and the host's must not add to it. */
	if (pt->posix_acl && creds_thread_umask(umask & 07777))
		return mode;
	creds_thread_umask(0);
	return mode & ~(umask & 07777);
}

static double cache_timeout(enum cache_mode m)
{
	switch (m) {
	case CACHE_NEVER:
		return 0.0;
	case CACHE_AUTO:
		return 1.0;
	case CACHE_METADATA:
	case CACHE_ALWAYS:
	default:
		return 86400.0;
	}
}

/* The descriptor budget.  Of RLIMIT_NOFILE, FD_RESERVE (or a quarter of a
 * small limit) is kept for the daemon itself: the vhost-user socket, queue
 * eventfds, memory regions, logs, /proc, and the descriptors a request
 * opens for a moment (a lookup's new fd before the cache takes it, an open
 * about to become a handle).  Of the rest, the inode fd cache (record fds
 * and per-mount fds) takes --inode-fd-cache or half, at most
 * FD_CACHE_DEFAULT_MAX by default, and the guest's open files and
 * directories take what is left. */
#define FD_RESERVE 128
#define FD_CACHE_DEFAULT_MAX 65536
#define FD_CACHE_MIN 16

static void set_fd_budget(struct pt *pt)
{
	struct rlimit rl;
	uint64_t limit = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		limit = rl.rlim_cur == RLIM_INFINITY ? 1u << 30 : rl.rlim_cur;
	if (limit > (1u << 30))
		limit = 1u << 30;
	uint64_t reserve = limit >= 4 * FD_RESERVE ? FD_RESERVE : limit / 4;
	uint64_t usable = limit - reserve;
	if (usable < 2 * FD_CACHE_MIN)
		usable = 2 * FD_CACHE_MIN;
	uint64_t cache = usable / 2;
	if (cache > FD_CACHE_DEFAULT_MAX)
		cache = FD_CACHE_DEFAULT_MAX;
	if (pt->opt.inode_fd_cache) {
		cache = pt->opt.inode_fd_cache;
		if (cache > usable - FD_CACHE_MIN) {
			log_warn("--inode-fd-cache=%u leaves no room for open files under "
				 "RLIMIT_NOFILE %llu: using %llu",
				 pt->opt.inode_fd_cache, (unsigned long long)limit,
				 (unsigned long long)(usable - FD_CACHE_MIN));
			cache = usable - FD_CACHE_MIN;
		}
	}
	if (cache < FD_CACHE_MIN)
		cache = FD_CACHE_MIN;
	uint64_t open_files = usable - cache;
	inode_table_set_fd_cap(&pt->inodes, (size_t)cache);
	handle_table_set_max(&pt->handles, (uint32_t)open_files);
	log_info("descriptors: RLIMIT_NOFILE %llu = %llu inode fd cache + %llu guest open files "
		 "+ %llu reserved; file handles %s",
		 (unsigned long long)limit, (unsigned long long)cache,
		 (unsigned long long)open_files, (unsigned long long)(limit - cache - open_files),
		 pt->inodes.open_by_handle ? "on" : "off");
}

/* --inode-file-handles: whether inodes are found again by file handle.
 * 0, or -1 with err filled (mandatory and not possible). */
static int choose_file_handles(struct pt *pt, int root_fd, char *err, size_t errlen)
{
	pt->inodes.open_by_handle = false;
	if (pt->opt.file_handles == IFH_NEVER)
		return 0;
	int r = inode_fd_probe_handles(root_fd);
	if (r == 0) {
		pt->inodes.open_by_handle = true;
		return 0;
	}
	if (pt->opt.file_handles == IFH_MANDATORY) {
		snprintf(err, errlen,
			 "--inode-file-handles=mandatory: file handles do not work on '%s': %s%s",
			 pt->root_path, strerror(-r),
			 r == -EPERM ? " (open_by_handle_at needs CAP_DAC_READ_SEARCH)" : "");
		return -1;
	}
	log_info("file handles unavailable on %s (%s): inodes are found again by name",
		 pt->root_path, strerror(-r));
	return 0;
}

void *passthrough_new(const struct passthrough_options *opt, char *err, size_t errlen)
{
	struct pt *pt = calloc(1, sizeof(*pt));
	if (!pt) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pt->proc_fd = -1;
	pt->opt = *opt;
	pt->root_path = strdup(opt->root ? opt->root : "");
	pt->opt.root = pt->root_path;
	pt->timeout = cache_timeout(opt->cache);
	pt->creds = (struct creds_policy){ .switch_ids = opt->switch_creds,
					   .uids = opt->uid_map, .gids = opt->gid_map };
	if (!pt->root_path || inode_table_init(&pt->inodes) < 0) {
		snprintf(err, errlen, "out of memory");
		free(pt->root_path);
		free(pt);
		return NULL;
	}
	handle_table_init(&pt->handles);
	lock_owners_init(&pt->locks);

	pt->proc_fd = opt->proc_self_fd > 0 ? opt->proc_self_fd
					    : open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pt->proc_fd < 0) {
		snprintf(err, errlen, "cannot open /proc/self/fd: %s", strerror(errno));
		goto fail;
	}
	int fd = open(pt->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open shared directory '%s': %s", pt->root_path,
			 strerror(errno));
		goto fail;
	}
	struct stat st;
	uint64_t mnt_id;
	int r = stat_fd(fd, &st, &mnt_id);
	if (r < 0) {
		close(fd);
		snprintf(err, errlen, "cannot stat shared directory '%s': %s", pt->root_path,
			 strerror(-r));
		goto fail;
	}
	if (choose_file_handles(pt, fd, err, errlen) < 0) {
		close(fd);
		goto fail;
	}
	struct inode_key k = { .ino = st.st_ino, .dev = st.st_dev, .mnt_id = mnt_id };
	if (inode_table_set_root(&pt->inodes, &k, st.st_mode, fd) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	set_fd_budget(pt);
	return pt;
fail:
	passthrough_free(pt);
	return NULL;
}

void passthrough_free(void *fs)
{
	struct pt *pt = fs;
	if (!pt)
		return;
	lock_owners_clear(&pt->locks);
	handle_table_fini(&pt->handles);
	inode_table_fini(&pt->inodes);
	if (pt->proc_fd >= 0)
		close(pt->proc_fd);
	free(pt->root_path);
	free(pt);
}

int pt_init(void *fs, struct fs_conn *conn)
{
	struct pt *pt = fs;
	/* Clear what this filesystem will not honour, then remember the rest. */
	if (!pt->opt.announce_submounts)
		conn->submounts = false;
	if (!pt->opt.writeback)
		conn->writeback = false;
	if (!pt->opt.killpriv_v2)
		conn->killpriv_v2 = false;
	if (!pt->opt.posix_acl || !pt->opt.xattr)
		conn->posix_acl = false;
	if (!pt->opt.security_label)
		conn->security_ctx = false;
	pt->submounts = conn->submounts;
	pt->writeback = conn->writeback;
	pt->killpriv_v2 = conn->killpriv_v2;
	pt->posix_acl = conn->posix_acl;
	pt->posix_locks = conn->posix_locks;
	return 0;
}

void pt_destroy(void *fs)
{
	struct pt *pt = fs;
	lock_owners_clear(&pt->locks);
	handle_remove_all(&pt->handles);
	inode_table_forget_all(&pt->inodes);
}

const struct fs_ops passthrough_ops = {
	.init = pt_init,
	.destroy = pt_destroy,
	.save_state = pt_save_state,
	.load_state = pt_load_state,
	.lookup = pt_lookup,
	.forget = pt_forget,
	.getattr = pt_getattr,
	.statx = pt_statx,
	.setattr = pt_setattr,
	.readlink = pt_readlink,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.symlink = pt_symlink,
	.link = pt_link,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.rename = pt_rename,
	.open = pt_open,
	.create = pt_create,
	.tmpfile = pt_tmpfile,
	.read = pt_read,
	.write = pt_write,
	.flush = pt_flush,
	.release = pt_release,
	.fsync = pt_fsync,
	.opendir = pt_opendir,
	.readdir = pt_readdir,
	.releasedir = pt_releasedir,
	.fsyncdir = pt_fsyncdir,
	.statfs = pt_statfs,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
	.access = pt_access,
	.getlk = pt_getlk,
	.setlk = pt_setlk,
	.fallocate = pt_fallocate,
	.lseek = pt_lseek,
	.copy_file_range = pt_copy_file_range,
	.syncfs = pt_syncfs,
};
