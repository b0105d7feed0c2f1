/* The FUSE ABI: <linux/fuse.h>, plus what FUSE 7.39 to 7.41 (Linux 6.6 to
 * 6.12) added when the installed header is older (Debian bookworm's is
 * 7.38).  Values and layouts are the kernel's UAPI; a newer header makes
 * every block below a no-op. */
#ifndef FUSE_ABI_H
#define FUSE_ABI_H

#include <linux/fuse.h>
#include <stdint.h>

#ifndef FUSE_CREATE_SUPP_GROUP
#define FUSE_CREATE_SUPP_GROUP (1ULL << 34)
#endif
#ifndef FUSE_DIRECT_IO_ALLOW_MMAP /* 7.39 */
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36)
#endif
#ifndef FUSE_PASSTHROUGH /* 7.40 */
#define FUSE_PASSTHROUGH (1ULL << 37)
#endif
#ifndef FUSE_NO_EXPORT_SUPPORT /* 7.40 */
#define FUSE_NO_EXPORT_SUPPORT (1ULL << 38)
#endif
#ifndef FUSE_HAS_RESEND /* 7.40 */
#define FUSE_HAS_RESEND (1ULL << 39)
#endif
#ifndef FUSE_ALLOW_IDMAP /* 7.41 */
#define FUSE_ALLOW_IDMAP (1ULL << 40)
#endif

#if FUSE_KERNEL_MINOR_VERSION < 39
/* 7.39: FUSE_STATX, bit-for-bit the statx(2) layout. */
#define FUSE_STATX 52

struct fuse_sx_time {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct fuse_statx {
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t __spare0[1];
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t attributes_mask;
	struct fuse_sx_time atime;
	struct fuse_sx_time btime;
	struct fuse_sx_time ctime;
	struct fuse_sx_time mtime;
	uint32_t rdev_major;
	uint32_t rdev_minor;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t __spare2[14];
};

struct fuse_statx_in {
	uint32_t getattr_flags;
	uint32_t reserved;
	uint64_t fh;
	uint32_t sx_flags;
	uint32_t sx_mask;
};

struct fuse_statx_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t flags;
	uint64_t spare[2];
	struct fuse_statx stat;
};
#endif

_Static_assert(sizeof(struct fuse_statx) == 256, "struct fuse_statx layout");
_Static_assert(sizeof(struct fuse_statx_out) == 256 + 32, "struct fuse_statx_out layout");

#endif
