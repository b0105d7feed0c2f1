/* Host file handles (name_to_handle_at / open_by_handle_at) and the
 * per-mount descriptors open_by_handle_at needs.
 *
 * A handle names an inode without holding it open; it encodes the inode's
 * generation on filesystems that have one, so a reused inode number never
 * matches an old handle.  Opening by handle needs CAP_DAC_READ_SEARCH;
 * taking one does not, so the cache path (--inode-file-handles=never) still
 * uses handles to verify that a name found again is the same inode. */
#ifndef FS_FILE_HANDLE_H
#define FS_FILE_HANDLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest handle kept (MAX_HANDLE_SZ is 128; real ones are 8-40 bytes). */
#define FH_MAX_BYTES 64

struct fh {
	int type;
	uint16_t len;       /* 0: no handle */
	unsigned char bytes[FH_MAX_BYTES];
};

/* The handle of the inode fd names (an O_PATH fd is fine) and its mount id
 * as name_to_handle_at reports it.  0, or -errno (EOPNOTSUPP: the
 * filesystem cannot make handles; EOVERFLOW: longer than FH_MAX_BYTES). */
int fh_of_fd(int fd, struct fh *out, uint64_t *mnt_id);

bool fh_equal(const struct fh *a, const struct fh *b);

/* One descriptor per mount (a directory opened O_RDONLY: the mount_fd
 * argument of open_by_handle_at, which refuses O_PATH), held while records
 * on that mount use it: refcounted, closed with the last, so that the
 * daemon never keeps an unmounted submount busy.  A small table: a share
 * spanning more than MOUNT_FDS_MAX mounts at once finds the others'
 * inodes by name instead. */
#define MOUNT_FDS_MAX 256

struct mount_fds {
	pthread_mutex_t lock;
	uint64_t ids[MOUNT_FDS_MAX];
	int fds[MOUNT_FDS_MAX];
	uint32_t refs[MOUNT_FDS_MAX];
	unsigned n;
};

void mount_fds_init(struct mount_fds *m);
void mount_fds_fini(struct mount_fds *m);
/* Take a reference on mount mnt_id's descriptor, opening directory fd
 * (O_PATH is fine) for it if it has none: 1 if one was opened, 0 if it
 * existed, -errno if it cannot have one (table full, not a directory). */
int mount_fds_add(struct mount_fds *m, uint64_t mnt_id, int fd);
/* Drop a reference taken by mount_fds_add: 1 if the descriptor was closed. */
int mount_fds_put(struct mount_fds *m, uint64_t mnt_id);
unsigned mount_fds_count(struct mount_fds *m);

/* open_by_handle_at(mount fd of mnt_id, h, flags | O_CLOEXEC): fd or -errno
 * (-ESTALE when the mount has no descriptor). */
int fh_open(struct mount_fds *m, uint64_t mnt_id, const struct fh *h, int flags);

#endif
