#include "submounts.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The kernel's struct statx (glibc 2.36's copy predates stx_mnt_id). */
struct kstatx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[13];
};
_Static_assert(offsetof(struct kstatx, mnt_id) == 0x90, "struct statx layout");
_Static_assert(sizeof(struct kstatx) == 0x100, "struct statx size");

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif

static uint64_t mnt_id_from_handle(int fd)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mnt = 0;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) < 0 && errno != EOVERFLOW)
		return 0;
	return (uint64_t)(unsigned)mnt;
}

static void from_statx(const struct kstatx *xp, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(xp->dev_major, xp->dev_minor);
	st->st_ino = xp->ino;
	st->st_mode = xp->mode;
	st->st_nlink = xp->nlink;
	st->st_uid = xp->uid;
	st->st_gid = xp->gid;
	st->st_rdev = makedev(xp->rdev_major, xp->rdev_minor);
	st->st_size = (off_t)xp->size;
	st->st_blksize = xp->blksize;
	st->st_blocks = (blkcnt_t)xp->blocks;
	st->st_atim.tv_sec = xp->atime.tv_sec;
	st->st_atim.tv_nsec = xp->atime.tv_nsec;
	st->st_mtim.tv_sec = xp->mtime.tv_sec;
	st->st_mtim.tv_nsec = xp->mtime.tv_nsec;
	st->st_ctim.tv_sec = xp->ctime.tv_sec;
	st->st_ctim.tv_nsec = xp->ctime.tv_nsec;
}

int stat_fd(int fd, struct stat *st, uint64_t *mnt_id)
{
	struct kstatx x;
	unsigned want = STATX_BASIC_STATS | (mnt_id ? STATX_MNT_ID : 0);
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, want, &x) < 0)
		return -errno;
	from_statx(&x, st);
	if (mnt_id)
		*mnt_id = (x.mask & STATX_MNT_ID) ? x.mnt_id : mnt_id_from_handle(fd);
	return 0;
}

int stat_name(int dirfd, const char *name, struct stat *st, uint64_t *mnt_id)
{
	/* STATX_MNT_ID comes from the VFS (Linux 5.8), not the filesystem:
	 * once missing, it is missing for good, so stop asking. */
	static atomic_bool kernel_lacks_mnt_id;
	if (atomic_load_explicit(&kernel_lacks_mnt_id, memory_order_relaxed))
		return -EOPNOTSUPP;
	struct kstatx x;
	/* AT_NO_AUTOMOUNT: an O_PATH open does not trigger an automount either. */
	if (syscall(SYS_statx, dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
		    STATX_BASIC_STATS | STATX_MNT_ID, &x) < 0)
		return -errno;
	if (!(x.mask & STATX_MNT_ID)) {
		atomic_store_explicit(&kernel_lacks_mnt_id, true, memory_order_relaxed);
		return -EOPNOTSUPP;
	}
	from_statx(&x, st);
	*mnt_id = x.mnt_id;
	return 0;
}

bool submount_flag(bool announce_and_agreed, const struct inode *parent, const struct inode *child,
		   const char *name)
{
	if (!announce_and_agreed || !S_ISDIR(child->type))
		return false;
	if (name && (!strcmp(name, ".") || !strcmp(name, "..")))
		return false;
	return child->key.dev != parent->key.dev || child->key.mnt_id != parent->key.mnt_id;
}
