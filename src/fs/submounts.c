#include "submounts.h"

#include <errno.h>
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

int stat_fd(int fd, struct stat *st, uint64_t *mnt_id)
{
	struct kstatx x;
	unsigned want = STATX_BASIC_STATS | (mnt_id ? STATX_MNT_ID : 0);
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, want, &x) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(x.dev_major, x.dev_minor);
	st->st_ino = x.ino;
	st->st_mode = x.mode;
	st->st_nlink = x.nlink;
	st->st_uid = x.uid;
	st->st_gid = x.gid;
	st->st_rdev = makedev(x.rdev_major, x.rdev_minor);
	st->st_size = (off_t)x.size;
	st->st_blksize = x.blksize;
	st->st_blocks = (blkcnt_t)x.blocks;
	st->st_atim.tv_sec = x.atime.tv_sec;
	st->st_atim.tv_nsec = x.atime.tv_nsec;
	st->st_mtim.tv_sec = x.mtime.tv_sec;
	st->st_mtim.tv_nsec = x.mtime.tv_nsec;
	st->st_ctim.tv_sec = x.ctime.tv_sec;
	st->st_ctim.tv_nsec = x.ctime.tv_nsec;
	if (mnt_id)
		*mnt_id = (x.mask & STATX_MNT_ID) ? x.mnt_id : mnt_id_from_handle(fd);
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
