/* Mount identity and the FUSE_ATTR_SUBMOUNT decision. */
#ifndef FS_SUBMOUNTS_H
#define FS_SUBMOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "inode_table.h"

/* Attributes of the inode fd names (an O_PATH fd is fine; a symlink is not
 * followed), and its mount id when mnt_id is not NULL: statx(STATX_MNT_ID),
 * or name_to_handle_at()'s mount id when statx does not report one, or 0
 * when neither can tell.  0 or -errno. */
int stat_fd(int fd, struct stat *st, uint64_t *mnt_id);
/* The same for name in directory dirfd (one component, not followed, no
 * automount triggered), without opening it; -EOPNOTSUPP when statx does
 * not report the mount id (Linux < 5.8). */
int stat_name(int dirfd, const char *name, struct stat *st, uint64_t *mnt_id);

/* Whether an entry reply for child (found in directory parent) carries
 * FUSE_ATTR_SUBMOUNT: announced and agreed, child is a directory, and its
 * (st_dev, mount id) differs from the parent's.  Never for "." or "..". */
bool submount_flag(bool announce_and_agreed, const struct inode *parent, const struct inode *child,
		   const char *name);

#endif
